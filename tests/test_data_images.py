"""Image datasets: the image-folder reader (good files, every kind of bad file named up front,
splits), the CIFAR-10 python batches (fabricated in tmp_path), the digits default and the
generated shapes set."""

from __future__ import annotations

import io
import os
import pickle
import shutil

import numpy as np
import pytest

from conftest import require_module
from mcuforge.data.images import (
    PIXEL_SCALE,
    load_cifar10,
    load_digits,
    load_image_folder,
    make_synthetic_images,
    stratified_split,
)
from mcuforge.errors import DatasetError

Image = require_module("PIL.Image")


def _save(path, array, fmt, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode).save(path, fmt)


def _rgb(rng, h=12, w=10):
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def _make_classes(root, counts: dict[str, int], seed=0):
    """``counts`` images per class, in rotating formats and modes (PNG RGB, JPEG, BMP, PNG grey,
    PNG RGBA, PNG palette), of varying sizes."""
    rng = np.random.default_rng(seed)
    for name, n in counts.items():
        for i in range(n):
            kind = i % 6
            img = _rgb(rng, 10 + i % 4, 12 + i % 3)
            if kind == 0:
                _save(root / name / f"{i}.png", img, "PNG")
            elif kind == 1:
                _save(root / name / f"{i}.jpg", img, "JPEG")
            elif kind == 2:
                _save(root / name / f"{i}.bmp", img, "BMP")
            elif kind == 3:
                _save(root / name / f"{i}.png", img[..., 0], "PNG")
            elif kind == 4:
                rgba = np.concatenate([img, np.full(img.shape[:2] + (1,), 200, np.uint8)], axis=2)
                _save(root / name / f"{i}.png", rgba, "PNG")
            else:
                Image.fromarray(img).convert("P").save(root / name / f"{i}.png")


# ---------------------------------------------------------------- image folder: good files

def test_folder_reads_every_format_and_mode(tmp_path):
    _make_classes(tmp_path, {"dog": 12, "cat": 12, "bird": 6})
    (tmp_path / "notes.txt").write_text("beside the class folders: ignored")
    (tmp_path / "cat" / ".DS_Store").write_bytes(b"\0junk")
    ds = load_image_folder(tmp_path, size=8, channels=3, validation_fraction=0.25,
                           test_fraction=0.25, seed=0, progress=False)
    assert ds.classes == ("bird", "cat", "dog")
    total = sum(len(ds.split(s)) for s in ("train", "validation", "test"))
    assert total == 30
    for split in (ds.train, ds.validation, ds.test):
        assert split.images.dtype == np.uint8 and split.images.shape[1:] == (8, 8, 3)
        assert split.labels.dtype == np.int64
    # stratified: every class in every split, in proportion
    assert np.bincount(ds.test.labels, minlength=3).tolist() == [2, 3, 3]
    assert np.bincount(ds.validation.labels, minlength=3).tolist() == [2, 3, 3]
    # no image in two splits
    sources = ds.train.sources + ds.validation.sources + ds.test.sources
    assert len(set(sources)) == 30 and "cat/0.png" in sources


def test_folder_grayscale_resize_and_pixels(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 100, 50
    for cls in ("a", "b"):
        for i in range(3):
            _save(tmp_path / cls / f"{i}.png", rgb, "PNG")
    ds = load_image_folder(tmp_path, size=4, channels=1, validation_fraction=0.0, test_fraction=0.0,
                           progress=False)
    luma = (200 * 299 + 100 * 587 + 50 * 114) // 1000  # Pillow's ITU-R 601-2 conversion
    assert ds.train.images.shape == (6, 4, 4, 1)
    assert abs(int(ds.train.images[0, 0, 0, 0]) - luma) <= 1
    big = load_image_folder(tmp_path, size=9, channels=3, validation_fraction=0.0,
                            test_fraction=0.0, progress=False)
    assert big.train.images.shape == (6, 9, 9, 3)
    assert (big.train.images[0, 4, 4] == [200, 100, 50]).all()  # a flat image stays flat


def test_folder_center_crop(tmp_path):
    wide = np.zeros((4, 12, 3), np.uint8)
    wide[:, 4:8] = 255  # white centre square, black sides
    for cls in ("a", "b"):
        for i in range(3):
            _save(tmp_path / cls / f"{i}.png", wide, "PNG")
    kw = dict(size=4, channels=1, validation_fraction=0.0, test_fraction=0.0, progress=False)
    assert (load_image_folder(tmp_path, resize="center_crop", **kw).train.images == 255).all()
    assert load_image_folder(tmp_path, resize="stretch", **kw).train.images.min() == 0


def test_folder_split_is_deterministic_and_seeded(tmp_path):
    _make_classes(tmp_path, {"a": 20, "b": 20})
    kw = dict(size=6, channels=3, validation_fraction=0.2, test_fraction=0.2, progress=False)
    one, two = load_image_folder(tmp_path, seed=3, **kw), load_image_folder(tmp_path, seed=3, **kw)
    other = load_image_folder(tmp_path, seed=4, **kw)
    assert one.test.sources == two.test.sources
    assert (one.train.images == two.train.images).all()
    assert one.test.sources != other.test.sources


def test_folder_with_split_folders(tmp_path):
    _make_classes(tmp_path / "train", {"x": 6, "y": 6})
    _make_classes(tmp_path / "val", {"x": 2, "y": 2}, seed=1)
    _make_classes(tmp_path / "test", {"x": 3}, seed=2)  # a split may lack a class
    ds = load_image_folder(tmp_path, size=5, channels=1, progress=False)
    assert (len(ds.train), len(ds.validation), len(ds.test)) == (12, 4, 3)
    assert all(s.startswith("test/x/") for s in ds.test.sources)
    assert ds.validation.sources[0].startswith("val/")

    # train/ and test/ only: validation is drawn from train, stratified
    shutil.rmtree(tmp_path / "val")
    ds = load_image_folder(tmp_path, size=5, channels=1, validation_fraction=0.34, progress=False)
    assert (len(ds.train), len(ds.validation), len(ds.test)) == (8, 4, 3)
    assert all(s.startswith("train/") for s in ds.validation.sources)


def test_folder_recurses_into_class_subfolders(tmp_path):
    _make_classes(tmp_path / "a" / "2019", {"": 3})
    _make_classes(tmp_path / "b", {"deep": 3})
    ds = load_image_folder(tmp_path, size=4, channels=3, validation_fraction=0.0,
                           test_fraction=0.0, progress=False)
    assert ds.classes == ("a", "b") and len(ds.train) == 6
    assert "b/deep/0.png" in ds.train.sources


# ---------------------------------------------------------------- image folder: bad files

def test_every_bad_file_is_named_in_one_line_before_training(tmp_path):
    _make_classes(tmp_path, {"cat": 6, "dog": 6})
    rng = np.random.default_rng(5)
    (tmp_path / "cat" / "empty.png").write_bytes(b"")
    (tmp_path / "dog" / "text.png").write_text("this is not an image\n")
    buf = io.BytesIO()
    Image.fromarray(_rgb(rng, 40, 40)).save(buf, "JPEG")
    (tmp_path / "cat" / "cut.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    buf = io.BytesIO()
    Image.fromarray(_rgb(rng, 40, 40)).save(buf, "PNG")
    (tmp_path / "dog" / "cut.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    Image.fromarray(_rgb(rng)).save(tmp_path / "dog" / "anim.gif")

    with pytest.raises(DatasetError) as err:
        load_image_folder(tmp_path, size=8, channels=3, progress=False)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{tmp_path}: 5 unreadable images: ")
    for fragment in ("cat/empty.png (empty file)", "dog/text.png (not an image)",
                     "cat/cut.jpg (truncated)", "dog/cut.png (", "dog/anim.gif (GIF is not supported"):
        assert fragment in message, fragment


def test_jpeg_with_garbage_scan_data_is_listed(tmp_path):
    """Damaged entropy-coded data that libjpeg only warns about (and Pillow decodes without a
    word) is a bad file too; the good JPEGs beside it pass the same strict check."""
    _make_classes(tmp_path, {"cat": 3, "dog": 3})
    rng = np.random.default_rng(9)
    buf = io.BytesIO()
    Image.fromarray(_rgb(rng, 32, 32)).save(buf, "JPEG", quality=90)
    good = buf.getvalue()
    (tmp_path / "cat" / "fine.jpg").write_bytes(good)
    data = bytearray(good)
    sos = data.index(b"\xff\xda")
    for k in range(sos + 40, sos + 140, 3):        # garbage inside the scan, no marker bytes
        data[k] = ((data[k] * 7 + 13) & 0xFF) or 1
        data[k] = 0x12 if data[k] == 0xFF else data[k]
    (tmp_path / "dog" / "garbled.jpg").write_bytes(bytes(data))
    with Image.open(tmp_path / "dog" / "garbled.jpg") as im:
        im.load()                                    # Pillow alone accepts it
    with pytest.raises(DatasetError) as err:
        load_image_folder(tmp_path, size=8, channels=3, progress=False)
    message = str(err.value)
    assert message.startswith(f"{tmp_path}: 1 unreadable image") and "dog/garbled.jpg (corrupt: " in message
    (tmp_path / "dog" / "garbled.jpg").unlink()
    assert load_image_folder(tmp_path, size=8, channels=3, progress=False).classes == ("cat", "dog")


def test_many_bad_files_are_counted(tmp_path):
    _make_classes(tmp_path, {"a": 3, "b": 3})
    for i in range(8):
        (tmp_path / "a" / f"bad{i}.png").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"8 unreadable images: .* and 3 more"):
        load_image_folder(tmp_path, size=4, channels=1, progress=False)


@pytest.mark.parametrize("setup, fragment", [
    (lambda root: None, "dataset folder not found"),
    (lambda root: root.mkdir(), "no class folders"),
    (lambda root: _make_classes(root, {"only": 3}),
     "needs at least 2 class folders (one folder of images per class), found 1: only"),
    (lambda root: (_make_classes(root, {"a": 3}), (root / "b").mkdir()), "no image files in b/"),
    (lambda root: _make_classes(root / "test", {"a": 3, "b": 3}), "has test/ but no train/"),
    (lambda root: (_make_classes(root / "train", {"a": 3, "b": 3}), (root / "val").mkdir(),
                   (root / "validation").mkdir()), "both val/ and validation/"),
    (lambda root: (_make_classes(root / "train", {"a": 3, "b": 3}),
                   _make_classes(root / "test", {"c": 1})), "class folder c not in the training classes"),
    (lambda root: (_make_classes(root / "train", {"a": 3, "b": 3}), (root / "extra").mkdir()),
     "found extra/"),
])
def test_folder_layout_errors(tmp_path, setup, fragment):
    root = tmp_path / "data"
    setup(root)
    with pytest.raises(DatasetError) as err:
        load_image_folder(root, size=4, channels=1, progress=False)
    assert fragment in str(err.value) and "\n" not in str(err.value)


# ---------------------------------------------------------------- CIFAR-10 batches

CIFAR_NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse",
               b"ship", b"truck"]


def _write_cifar(root, per_batch=20, seed=0):
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": CIFAR_NAMES, b"num_vis": 3072}, f, protocol=2)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in np.arange(per_batch) % 10]
        with open(root / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                         b"filenames": [b"x.png"] * per_batch}, f, protocol=2)


def test_cifar10_reads_batches(tmp_path):
    _write_cifar(tmp_path)
    ds = load_cifar10(tmp_path, validation_fraction=0.1, seed=0, progress=False)
    assert ds.classes[0] == "airplane" and ds.classes[-1] == "truck" and len(ds.classes) == 10
    assert len(ds.train) + len(ds.validation) == 100 and len(ds.test) == 20
    assert np.bincount(ds.validation.labels, minlength=10).tolist() == [1] * 10
    assert ds.test.images.shape == (20, 32, 32, 3)
    # row layout: 1024 red, 1024 green, 1024 blue values, each row-major
    with open(tmp_path / "test_batch", "rb") as f:
        raw = pickle.load(f, encoding="bytes")[b"data"]
    assert ds.test.images[3, 5, 7, 0] == raw[3, 5 * 32 + 7]
    assert ds.test.images[3, 5, 7, 2] == raw[3, 2048 + 5 * 32 + 7]
    assert ds.test.sources[3] == "test_batch#3"

    small = load_cifar10(tmp_path, size=16, channels=1, progress=False)
    assert small.train.images.shape[1:] == (16, 16, 1)


def test_cifar10_missing_files_are_named(tmp_path):
    _write_cifar(tmp_path)
    (tmp_path / "data_batch_3").unlink()
    (tmp_path / "test_batch").unlink()
    with pytest.raises(DatasetError, match="missing data_batch_3, test_batch"):
        load_cifar10(tmp_path, progress=False)
    with pytest.raises(DatasetError, match="dataset folder not found"):
        load_cifar10(tmp_path / "nope", progress=False)


def _rewrite(path, content):
    with open(path, "wb") as f:
        pickle.dump(content, f, protocol=2)


@pytest.mark.parametrize("name, content, fragment", [
    ("data_batch_2", {b"data": np.zeros((4, 1024), np.uint8), b"labels": [0] * 4},
     "data_batch_2 (data should be an array of shape (N, 3072), got uint8 array of shape (4, 1024))"),
    ("data_batch_4", {b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 2]},
     "data_batch_4 (labels should be 4 integers"),
    ("test_batch", {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]},
     "test_batch (labels out of range 0..9: 0..10)"),
    ("data_batch_1", {b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]},
     "data_batch_1 (data should be uint8, got float32)"),
    ("data_batch_5", {b"data": np.zeros((2, 3072), np.uint8), b"fine_labels": [0, 1]},
     "data_batch_5 (a CIFAR-100 batch"),
    ("batches.meta", {b"label_names": [b"a", b"b"]}, "batches.meta (label_names should be a list of 10"),
    ("data_batch_1", [1, 2, 3], "data_batch_1 (holds a list, expected a dict)"),
])
def test_cifar10_bad_batches_are_named(tmp_path, name, content, fragment):
    _write_cifar(tmp_path)
    _rewrite(tmp_path / name, content)
    with pytest.raises(DatasetError) as err:
        load_cifar10(tmp_path, progress=False)
    assert fragment in str(err.value) and "\n" not in str(err.value)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_cifar10_refuses_pickles_that_run_code(tmp_path):
    _write_cifar(tmp_path)
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": _Evil()}, protocol=2))
    (tmp_path / "test_batch").write_bytes(b"not a pickle at all")
    with pytest.raises(DatasetError) as err:
        load_cifar10(tmp_path, progress=False)
    message = str(err.value)
    assert "2 bad files" in message and "refuses to build" in message and "system" in message
    assert "test_batch (not a python pickle" in message


# ---------------------------------------------------------------- digits and generated shapes

def test_digits_default():
    require_module("sklearn")
    ds = load_digits(size=16, channels=1, validation_fraction=0.1, test_fraction=0.2, seed=0)
    assert ds.classes == tuple("0123456789")
    assert len(ds.train) + len(ds.validation) + len(ds.test) == 1797
    assert 355 <= len(ds.test) <= 362 and 175 <= len(ds.validation) <= 182
    assert ds.train.images.shape[1:] == (16, 16, 1) and ds.train.images.max() == 255
    assert set(np.unique(ds.test.labels)) == set(range(10))
    again = load_digits(size=16, channels=1, validation_fraction=0.1, test_fraction=0.2, seed=0)
    assert again.test.sources == ds.test.sources
    rgb = load_digits(size=32, channels=3, seed=0)
    assert rgb.train.images.shape[1:] == (32, 32, 3)
    assert (rgb.train.images[..., 0] == rgb.train.images[..., 2]).all()


def test_synthetic_images():
    ds = make_synthetic_images(size=20, channels=3, images_per_class=10, seed=1)
    assert len(ds.classes) == 6 and len(ds.train) + len(ds.validation) + len(ds.test) == 60
    assert ds.train.images.shape[1:] == (20, 20, 3)
    same = make_synthetic_images(size=20, channels=3, images_per_class=10, seed=1)
    assert (same.train.images == ds.train.images).all()
    grey = make_synthetic_images(size=20, channels=1, images_per_class=10, seed=1)
    assert grey.train.images.shape[1:] == (20, 20, 1)
    assert PIXEL_SCALE == pytest.approx(1 / 255)


def test_stratified_split_properties():
    labels = np.repeat(np.arange(4), [10, 3, 1, 50])
    index = stratified_split(labels, 4, 0.1, 0.2, seed=0)
    together = np.concatenate(list(index.values()))
    assert sorted(together.tolist()) == list(range(len(labels)))
    for c in range(4):
        assert (labels[index["train"]] == c).any()  # train keeps every class
    assert (labels[index["test"]] == 1).sum() == 1   # rounding up to one for a small class
    assert (labels[index["test"]] == 3).sum() == 10

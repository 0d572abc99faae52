"""Recipe keys of image classification: task, dataset kinds, image features, architectures and
their parameters, augmentation; combinations that do not fit are one-line errors naming the keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcuforge.errors import RecipeError
from mcuforge.recipe import load_recipe

REPO = Path(__file__).resolve().parents[1]


def _load(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    return load_recipe(path)


def test_shipped_vision_recipes():
    digits = load_recipe(REPO / "models" / "digits_cnn.yaml")
    assert digits.task == "image_classification" and digits.dataset.kind == "digits"
    assert (digits.features.size, digits.features.channels) == (16, 1)
    assert digits.input_shape == (16, 16, 1)
    assert digits.augmentation.horizontal_flip is False  # a mirrored digit is another shape

    vww = load_recipe(REPO / "models" / "vww_mobilenet.yaml")
    assert (vww.model.architecture, vww.model.width) == ("mobilenet_v1", 0.25)
    assert vww.dataset.kind == "image_folder" and vww.input_shape == (96, 96, 3)

    ic = load_recipe(REPO / "models" / "ic_resnet8.yaml")
    assert (ic.model.architecture, ic.model.width, ic.dataset.kind) == ("resnet8", 16, "cifar10")
    assert ic.input_shape == (32, 32, 3) and ic.augmentation.crop_padding == 4


def test_defaults_follow_the_task_and_architecture(tmp_path):
    r = _load(tmp_path, "task: image_classification\n")
    assert (r.dataset.kind, r.features.kind, r.model.architecture) == ("digits", "image", "cnn")
    assert (r.model.width, r.model.blocks) == (16, 2) and isinstance(r.model.width, int)
    r = _load(tmp_path, "task: image_classification\nmodel:\n  architecture: mobilenet_v1\n")
    assert (r.model.width, r.model.blocks) == (0.25, None)
    r = _load(tmp_path, "task: image_classification\nmodel:\n  architecture: resnet8\n  width: 8\n")
    assert (r.model.width, r.model.dropout) == (8, 0.0)
    r = _load(tmp_path, "name: k\n")  # keyword spotting stays what it was
    assert (r.task, r.dataset.kind, r.features.kind) == ("keyword_spotting", "synthetic_speech", "mfcc")
    assert (r.model.architecture, r.model.width, r.model.blocks, r.model.dropout) == ("ds_cnn", 64, 4, 0.2)
    assert r.input_shape is None


IMG = "task: image_classification\n"


@pytest.mark.parametrize("text, fragment", [
    ("dataset:\n  kind: cifar10\n",
     "dataset.kind cifar10 is for image_classification, but task is keyword_spotting"),
    (IMG + "dataset:\n  kind: synthetic_speech\n",
     "dataset.kind synthetic_speech is for keyword_spotting, but task is image_classification"),
    (IMG + "model:\n  architecture: ds_cnn\n",
     "model.architecture ds_cnn is for keyword_spotting, but task is image_classification"),
    ("model:\n  architecture: resnet8\n", "model.architecture resnet8 is for image_classification"),
    (IMG + "features:\n  kind: mfcc\n", "features.kind mfcc is for keyword_spotting"),
    ("augmentation:\n  horizontal_flip: true\n",
     "augmentation.horizontal_flip applies to task image_classification only"),
    (IMG + "augmentation:\n  stream_windows: 0.5\n",
     "augmentation.stream_windows applies to task keyword_spotting only"),
    ("augmentation:\n  stream_windows: 1.5\n", "augmentation.stream_windows: a fraction"),
    (IMG + "dataset:\n  kind: cifar10\n  clips_per_class: 5\n",
     "dataset.clips_per_class does not apply to dataset.kind cifar10 (only to synthetic_speech)"),
    (IMG + "dataset:\n  kind: cifar10\n  test_fraction: 0.2\n",
     "dataset.test_fraction does not apply to dataset.kind cifar10"),
    (IMG + "dataset:\n  kind: digits\n  path: /x\n", "dataset.path does not apply to dataset.kind digits"),
    ("features:\n  size: 32\n", "features.size does not apply to features.kind mfcc"),
    (IMG + "model:\n  architecture: mobilenet_v1\n  blocks: 3\n",
     "model.blocks does not apply to model.architecture mobilenet_v1"),
    (IMG + "model:\n  architecture: resnet8\n  width: 0.5\n",
     "model.width: resnet8 takes a whole number of channels, got 0.5"),
    (IMG + "model:\n  architecture: mobilenet_v1\n  width: -1\n", "model.width: must be positive"),
    (IMG + "model:\n  architecture: vgg\n", "model.architecture: unknown value 'vgg'"),
    (IMG + "features:\n  channels: 2\n", "features.channels: unknown value 2; choose one of 1, 3"),
    (IMG + "features:\n  channels: true\n", "features.channels: unknown value True"),
    (IMG + "features:\n  resize: squash\n", "features.resize: unknown value 'squash'"),
    (IMG + "features:\n  size: 0\n", "features.size: must be positive, got 0"),
    (IMG + "features:\n  size: 8\nmodel:\n  blocks: 4\n",
     "features.size 8 is too small for model.blocks 4"),
    (IMG + "features:\n  size: 4\naugmentation:\n  crop_padding: 4\n",
     "augmentation.crop_padding 4 must be smaller than features.size 4"),
    (IMG + "augmentation:\n  shift: 1.5\n", "augmentation.shift: a fraction of the image size, must be < 1"),
    (IMG + "augmentation:\n  flip: true\n", "unknown key 'augmentation.flip'"),
    (IMG + "dataset:\n  validation_fraction: 0.5\n  test_fraction: 0.5\n",
     "dataset.validation_fraction + dataset.test_fraction must be < 1"),
    (IMG + "dataset:\n  kind: synthetic_images\n  images_per_class: 0\n",
     "dataset.images_per_class: must be positive"),
    ("task: vision\n", "task: unknown value 'vision'"),
    (IMG + "training:\n  epochs: 0\n", "training.epochs: must be positive, got 0"),
])
def test_bad_vision_recipes_name_the_keys(tmp_path, text, fragment):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RecipeError) as err:
        load_recipe(path)
    message = str(err.value)
    assert fragment in message and str(path) in message and "\n" not in message


def test_data_override_picks_the_image_reader(tmp_path):
    from mcuforge.errors import DatasetError
    from mcuforge.features.dataset import image_dataset_kind

    digits = load_recipe(REPO / "models" / "digits_cnn.yaml")
    assert image_dataset_kind(digits, None) == ("digits", None)
    folder = tmp_path / "pictures"
    folder.mkdir()
    assert image_dataset_kind(digits, str(folder)) == ("image_folder", folder)
    (folder / "batches.meta").write_bytes(b"")
    assert image_dataset_kind(digits, str(folder)) == ("cifar10", folder)
    vww = load_recipe(REPO / "models" / "vww_mobilenet.yaml")
    assert image_dataset_kind(vww, str(folder)) == ("image_folder", folder)  # the recipe's kind stays
    with pytest.raises(DatasetError, match=r"dataset folder not found \(given by --data\)"):
        image_dataset_kind(vww, str(tmp_path / "nope"))
    no_path = _load(tmp_path, IMG + "dataset:\n  kind: image_folder\n")
    with pytest.raises(DatasetError, match="dataset.kind is image_folder but no dataset.path is set"):
        image_dataset_kind(no_path, None)

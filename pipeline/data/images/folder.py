"""Read an image-folder dataset: one folder per class of PNG, JPEG or BMP files.

Layout (``root/``), one of:
- class folders at the top: ``root/<class>/...``; the splits are drawn from every class (seeded,
  stratified: ``validation_fraction`` and ``test_fraction`` of each class);
- split folders: ``root/train/<class>/...`` and any of ``root/val/`` (or ``validation/``) and
  ``root/test/`` with class folders inside. A split folder that is missing is drawn from train as
  above. Class names come from ``train/``; a class folder in val/test that train lacks is an error.

Class names are the folder names, sorted. Files may sit in sub-folders of a class folder (read
recursively, in sorted order); names starting with '.' are skipped, as are files beside the class
folders. Grayscale, RGB, palette and alpha images are all accepted and converted to the requested
channels (alpha is dropped), then resized (see ``common``). Large JPEGs are decoded at a reduced
scale (libjpeg's DCT scaling, never below twice the target size) before resizing, which is faster
and deterministic.

Every file is opened and fully decoded before anything is returned; all problems (empty, not an
image, a format other than PNG/JPEG/BMP, truncated, corrupt) are reported together in one
DatasetError, so a bad file never surfaces in the middle of training.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ...errors import DatasetError
from ...ui import progress_bar
from .common import (
    ImageDataset,
    ImageSplit,
    check_jpeg_strictly,
    fit_image,
    name_some,
    relative,
    require_pillow,
    stratified_split,
)

FORMATS = ("PNG", "JPEG", "BMP")
SPLIT_FOLDERS = {"train": "train", "val": "validation", "validation": "validation", "test": "test"}


def load_image_folder(root: str | os.PathLike, *, size: int, channels: int, resize: str = "stretch",
                      validation_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0,
                      progress: bool = True, workers: int | None = None) -> ImageDataset:
    """Read every image under ``root`` into uint8 [N, size, size, channels] splits.

    Raises DatasetError for a missing or empty folder, a layout it cannot read, classes missing
    from train, or any bad image file (all of them named in one message).
    """
    root = Path(root)
    _check_folder(root)
    layout = _split_folders(root)
    classes = _subfolders(root / layout["train"] if layout else root)
    if len(classes) < 2:
        where = f"{root / layout['train']}" if layout else f"{root}"
        raise DatasetError(f"{where}: needs at least 2 class folders (one folder of images per "
                           f"class), found {len(classes)}{': ' + classes[0] if classes else ''}")
    files: dict[str, list[tuple[Path, int]]] = {}
    for split, folder in (layout or {"all": ""}).items():
        files[split] = _list_files(root, root / folder if folder else root, classes, split == "test" or
                                   split == "validation")

    everything = [item for split in files.values() for item in split]
    images = np.empty((len(everything), size, size, channels), dtype=np.uint8)
    problems = _read_all(root, [p for p, _ in everything], images, size, channels, resize, progress,
                         workers)
    if problems:
        plural = "s" if len(problems) > 1 else ""
        raise DatasetError(f"{root}: {len(problems)} unreadable image{plural}: {name_some(problems)}")

    sources = tuple(relative(p, root) for p, _ in everything)
    labels = np.array([label for _, label in everything], dtype=np.int64)
    start = 0
    parts: dict[str, ImageSplit] = {}
    for split, items in files.items():
        rows = np.arange(start, start + len(items))
        parts[split] = ImageSplit(images[rows], labels[rows], sources[start:start + len(items)])
        start += len(items)
    return _assemble(tuple(classes), parts, validation_fraction, test_fraction, seed, str(root))


def _check_folder(root: Path) -> None:
    if not root.exists():
        raise DatasetError(f"{root}: dataset folder not found")
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")


def _subfolders(folder: Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("."))
    except OSError as exc:
        raise DatasetError(f"{folder}: cannot list folder: {exc.strerror or exc}") from exc


def _split_folders(root: Path) -> dict[str, str] | None:
    """split name -> folder name, or None when the top level holds class folders."""
    names = _subfolders(root)
    if not names:
        raise DatasetError(f"{root}: no class folders (expected one folder of images per class, "
                           "or train/ and test/ folders holding them)")
    splits = [n for n in names if n in SPLIT_FOLDERS]
    if not splits:
        return None
    if "train" not in splits:
        raise DatasetError(f"{root}: has {', '.join(s + '/' for s in splits)} but no train/ folder")
    if "val" in splits and "validation" in splits:
        raise DatasetError(f"{root}: has both val/ and validation/; keep one")
    others = [n for n in names if n not in SPLIT_FOLDERS]
    if others:
        raise DatasetError(f"{root}: beside train/ only val/, validation/ and test/ may be here, "
                           f"found {', '.join(o + '/' for o in others)}")
    return {SPLIT_FOLDERS[n]: n for n in splits}


def _list_files(root: Path, folder: Path, classes: list[str], may_lack: bool) -> list[tuple[Path, int]]:
    """(path, label) of every non-hidden file in the class folders of ``folder``, sorted."""
    present = _subfolders(folder)
    strangers = [c for c in present if c not in classes]
    if strangers:
        raise DatasetError(f"{folder}: class folder{'s' if len(strangers) > 1 else ''} "
                           f"{', '.join(strangers)} not in the training classes ({', '.join(classes)})")
    out: list[tuple[Path, int]] = []
    empty = []
    for label, name in enumerate(classes):
        if name not in present:
            if may_lack:
                continue
            empty.append(name + "/")
            continue
        found = _walk(folder / name)
        if not found and not may_lack:
            empty.append(name + "/")
        out.extend((path, label) for path in found)
    if empty:
        raise DatasetError(f"{folder}: no image files in {', '.join(empty)}")
    return out


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
    return found


def _read_all(root: Path, paths: list[Path], out: np.ndarray, size: int, channels: int, resize: str,
              progress: bool, workers: int | None) -> list[str]:
    """Decode every file into ``out``; returns the problems ("<relative path> (<what>)")."""
    problems: list[str | None] = [None] * len(paths)

    def one(i: int) -> None:
        problem = _read_one(paths[i], out[i], size, channels, resize)
        if problem is not None:
            problems[i] = f"{relative(paths[i], root)} ({problem})"

    workers = workers or min(8, os.cpu_count() or 1)
    with progress_bar(len(paths), "reading images", progress, unit="file") as bar, \
            ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(one, range(len(paths))):
            bar.update()
    return [p for p in problems if p is not None]


def _read_one(path: Path, out: np.ndarray, size: int, channels: int, resize: str) -> str | None:
    """Decode ``path`` into ``out`` (uint8 [size, size, channels]); None, or what is wrong with it."""
    Image = require_pillow()
    try:
        if path.stat().st_size == 0:
            return "empty file"
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    try:
        image = Image.open(path)
    except Image.UnidentifiedImageError:
        return "not an image"
    except Image.DecompressionBombError:
        return "too many pixels"
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    with image:
        if image.format not in FORMATS:
            return f"{image.format} is not supported, only {', '.join(FORMATS)}"
        if image.format == "JPEG":
            problem = check_jpeg_strictly(path.read_bytes(), image.mode)
            if problem is not None:
                return "truncated" if "Premature end of JPEG file" in problem else f"corrupt: {problem}"
        try:
            if image.format == "JPEG":
                image.draft(image.mode, (2 * size, 2 * size))
            image.load()
        # Pillow's decoders report damaged data with many exception types (OSError, SyntaxError,
        # ValueError, EOFError, zlib.error, struct.error ...); all of them mean "this file is bad".
        except Exception as exc:  # noqa: BLE001
            text = str(exc) or type(exc).__name__
            return "truncated" if "truncated" in text else f"corrupt: {text}"
        out[...] = fit_image(image, size, channels, resize)
    return None


def _assemble(classes: tuple[str, ...], parts: dict[str, ImageSplit], validation_fraction: float,
              test_fraction: float, seed: int, source: str) -> ImageDataset:
    """Splits from the split folders, drawing the missing ones from train (or from everything)."""
    base = parts.get("all") or parts["train"]
    need_test = "test" not in parts
    need_val = "validation" not in parts
    index = stratified_split(base.labels, len(classes), validation_fraction if need_val else 0.0,
                             test_fraction if need_test else 0.0, seed)
    drawn = {name: base.take(rows) for name, rows in index.items()}
    return ImageDataset(classes=classes, source=source, train=drawn["train"],
                        validation=drawn["validation"] if need_val else parts["validation"],
                        test=drawn["test"] if need_test else parts["test"])

"""Read CIFAR-10 in its python batch format (the folder ``cifar-10-batches-py`` of the download).

Files: ``data_batch_1`` .. ``data_batch_5`` (train) and ``test_batch`` (test), each a pickled dict
with ``data`` (uint8 [N, 3072]: 1024 red, then 1024 green, then 1024 blue values of a 32x32 image,
rows top to bottom) and ``labels`` (N integers 0..9); ``batches.meta`` with ``label_names``.

The pickles are read with an unpickler that only builds plain containers and numpy arrays, so a
file that tries to construct anything else is refused instead of run. Every file is checked before
anything is returned (missing files, wrong keys, shapes, dtypes and labels are reported together).
The validation split is drawn from the training batches (seeded, stratified); the classes keep
CIFAR-10's order (``batches.meta``), which is also the order the labels index.
"""

from __future__ import annotations

import codecs
import io
import os
import pickle
from pathlib import Path

import numpy as np

from ...errors import DatasetError
from .common import ImageDataset, ImageSplit, fit_array, name_some, stratified_split

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"
SIDE = 32
ROW_BYTES = 3 * SIDE * SIDE
NUM_CLASSES = 10


def load_cifar10(root: str | os.PathLike, *, size: int = SIDE, channels: int = 3,
                 validation_fraction: float = 0.1, seed: int = 0, progress: bool = True) -> ImageDataset:
    """Read the CIFAR-10 python batches at ``root`` (resized to ``size``, converted to
    ``channels`` when they differ from 32x32 RGB)."""
    root = Path(root)
    if not root.exists():
        raise DatasetError(f"{root}: dataset folder not found")
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    missing = [n for n in (META, *TRAIN_BATCHES, TEST_BATCH) if not (root / n).is_file()]
    if missing:
        raise DatasetError(f"{root}: missing {', '.join(missing)} (expected the CIFAR-10 python "
                           "version: batches.meta, data_batch_1..5, test_batch)")
    problems: list[str] = []
    classes = _read_meta(root / META, problems)
    batches = {name: _read_batch(root / name, problems) for name in (*TRAIN_BATCHES, TEST_BATCH)}
    if problems:
        raise DatasetError(f"{root}: {len(problems)} bad file{'s' if len(problems) > 1 else ''}: "
                           f"{name_some(problems)}")

    def split(names: tuple[str, ...]) -> ImageSplit:
        images = np.concatenate([batches[n][0] for n in names])
        labels = np.concatenate([batches[n][1] for n in names])
        sources = tuple(f"{n}#{i}" for n in names for i in range(len(batches[n][1])))
        return ImageSplit(fit_array(images, size, channels, progress), labels, sources)

    train = split(TRAIN_BATCHES)
    test = split((TEST_BATCH,))
    index = stratified_split(train.labels, NUM_CLASSES, validation_fraction, 0.0, seed)
    return ImageDataset(classes=classes, train=train.take(index["train"]),
                        validation=train.take(index["validation"]), test=test, source=str(root))


class _ArraysOnly(pickle.Unpickler):
    """Builds dicts, lists, strings, bytes, numbers and numpy arrays; refuses every other global."""

    def find_class(self, module: str, name: str):
        # _codecs.encode: how protocol-2 pickles written by Python 3 spell a bytes object
        allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
                   ("_codecs", "encode"): codecs.encode}
        if name in ("_reconstruct", "scalar") and module in ("numpy.core.multiarray",
                                                              "numpy._core.multiarray"):
            return getattr(_multiarray(), name)
        if (module, name) in allowed:
            return allowed[(module, name)]
        raise pickle.UnpicklingError(f"refuses to build {module}.{name}")


def _multiarray():
    try:
        from numpy._core import multiarray  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    return multiarray


def _unpickle(path: Path, problems: list[str]) -> dict | None:
    try:
        data = _ArraysOnly(io.BytesIO(path.read_bytes()), encoding="bytes").load()
    except OSError as exc:
        problems.append(f"{path.name} (unreadable: {exc.strerror or exc})")
        return None
    # A damaged pickle raises many kinds of exception (UnpicklingError, EOFError, ValueError,
    # KeyError, IndexError, TypeError ...); all of them mean "not a CIFAR-10 batch file".
    except Exception as exc:  # noqa: BLE001
        problems.append(f"{path.name} (not a python pickle of a batch: {exc or type(exc).__name__})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name} (holds a {type(data).__name__}, expected a dict)")
        return None
    # Python 2 pickles have bytes keys; accept str keys too.
    return {(k.decode("latin-1") if isinstance(k, bytes) else k): v for k, v in data.items()}


def _read_meta(path: Path, problems: list[str]) -> tuple[str, ...]:
    meta = _unpickle(path, problems)
    if meta is None:
        return ()
    names = meta.get("label_names")
    if not isinstance(names, list) or len(names) != NUM_CLASSES or \
            not all(isinstance(n, (bytes, str)) and n for n in names):
        problems.append(f"{path.name} (label_names should be a list of {NUM_CLASSES} names, "
                        f"got {_describe(names)})")
        return ()
    classes = tuple(n.decode("utf-8", "replace") if isinstance(n, bytes) else n for n in names)
    if len(set(classes)) != NUM_CLASSES:
        problems.append(f"{path.name} (label_names repeat a name: {', '.join(classes)})")
    return classes


def _read_batch(path: Path, problems: list[str]) -> tuple[np.ndarray, np.ndarray]:
    empty = (np.zeros((0, SIDE, SIDE, 3), np.uint8), np.zeros(0, np.int64))
    batch = _unpickle(path, problems)
    if batch is None:
        return empty
    if "fine_labels" in batch:
        problems.append(f"{path.name} (a CIFAR-100 batch; only CIFAR-10 is supported)")
        return empty
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != ROW_BYTES:
        problems.append(f"{path.name} (data should be an array of shape (N, {ROW_BYTES}), "
                        f"got {_describe(data)})")
        return empty
    if data.dtype != np.uint8:
        problems.append(f"{path.name} (data should be uint8, got {data.dtype})")
        return empty
    try:
        labels = np.asarray(labels)
    except (TypeError, ValueError):
        labels = None
    if labels is None or labels.shape != (len(data),) or labels.dtype.kind not in "iu":
        problems.append(f"{path.name} (labels should be {len(data)} integers, got {_describe(batch.get('labels'))})")
        return empty
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        problems.append(f"{path.name} (labels out of range 0..{NUM_CLASSES - 1}: "
                        f"{int(labels.min())}..{int(labels.max())})")
        return empty
    images = data.reshape(-1, 3, SIDE, SIDE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int64)


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    return "nothing" if value is None else type(value).__name__

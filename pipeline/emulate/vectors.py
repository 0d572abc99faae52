"""Input vectors for emulation: from an .npz file, random, or a run folder's test split.

A vector is one model input without the batch axis when the batch is 1 (the usual case): shape
``input.shape[1:]``; a model with a larger batch takes whole input tensors.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import EmulationError
from ..reference.shapes import vector_shape

__all__ = ["Vectors", "load_vectors_file", "random_vectors", "vector_shape"]

INT8 = np.dtype(np.int8)   # the default vector type (int16 models pass np.int16)


@dataclass(frozen=True)
class Vectors:
    inputs: np.ndarray            # int8 (or int16) [N, *vector_shape(input shape)], N >= 1
    labels: np.ndarray | None     # int64 [N] class indices, or None
    source: str                   # what a person reads in the summary

    def first(self, n: int) -> Vectors:
        if n >= len(self.inputs):
            return self
        return Vectors(self.inputs[:n], None if self.labels is None else self.labels[:n],
                       f"{self.source}, first {n:,}")


def load_vectors_file(path: Path, shape: tuple[int, ...], source: str | None = None,
                      dtype: np.dtype = INT8) -> Vectors:
    """An .npz with an int8 (an int16 model: int16) ``inputs`` array [N, ...] and optional
    integer ``labels`` [N]."""
    path = Path(path)
    if not path.is_file():
        raise EmulationError(f"{path}: no such vectors file")
    try:
        with np.load(path, allow_pickle=False) as f:
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise ValueError("a single array, not an .npz archive")
            inputs = f["inputs"]
            labels = f["labels"] if "labels" in f else None
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile, AttributeError, TypeError) as exc:
        raise EmulationError(f"{path}: not a vectors .npz with an 'inputs' array "
                             f"({' '.join(str(exc).split())})") from exc
    if inputs.dtype != dtype:
        raise EmulationError(f"{path}: 'inputs' are {inputs.dtype}; the model takes {dtype} "
                             "(quantize the inputs with the model's input scale and zero point)")
    want = vector_shape(shape)
    if inputs.ndim < 1 or len(inputs) == 0 or inputs.shape[1:] != want:
        raise EmulationError(f"{path}: 'inputs' have shape {list(inputs.shape)}; the model takes "
                             f"[N, {', '.join(map(str, want))}] with N >= 1")
    if labels is not None:
        if labels.shape != (len(inputs),) or not np.issubdtype(labels.dtype, np.integer):
            raise EmulationError(f"{path}: 'labels' must be {len(inputs)} integers (one class index "
                                 f"per input), got {labels.dtype} {list(labels.shape)}")
        labels = labels.astype(np.int64)
    return Vectors(inputs, labels, source or str(path))


def random_vectors(n: int, shape: tuple[int, ...], seed: int,
                   dtype: np.dtype = INT8) -> Vectors:
    """``n`` uniformly random vectors over the whole range of ``dtype`` (int8, or int16)."""
    if n < 1:
        raise EmulationError(f"--random {n}: the number of random vectors must be at least 1")
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    return Vectors(rng.integers(info.min, info.max + 1, size=(n, *vector_shape(shape)),
                                dtype=dtype), None, f"{n} random vectors (seed {seed})")

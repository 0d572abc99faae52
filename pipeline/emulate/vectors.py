"""Input vectors for emulation: from an .npz file, random, or a run folder's test split.

A vector is one model input without the batch axis when the batch is 1 (the usual case): shape
``input.shape[1:]``; a model with a larger batch takes whole input tensors. A model with several
inputs takes one array per input (``Tensors``, in the subgraph's ``inputs`` order, the same N for
all); its outputs come back the same way, one array per output.

On the wire (the host driver's stdin/stdout, the serial protocol) a vector of a model with
several inputs is every input's bytes back to back in that order (``pack``/``unpack``), which is
also what the generated ``<name>_invoke`` takes.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..codegen.model_info import IOInfo
from ..errors import EmulationError
from ..fsutil import open_atomic
from ..reference.shapes import vector_shape

__all__ = ["Tensors", "Vectors", "as_tensors", "load_vectors_file", "pack", "random_vectors",
           "save_outputs", "single", "unpack", "vector_shape"]

Tensors = tuple[np.ndarray, ...]   # one array [N, *vector_shape(shape)] per model input or output

# The element types of model inputs and outputs, by the C type model_info.json names.
_NUMPY_TYPES = {"int8_t": np.int8, "uint8_t": np.uint8, "int16_t": np.int16, "int32_t": np.int32}


def numpy_dtype(io: IOInfo) -> np.dtype:
    try:
        return np.dtype(_NUMPY_TYPES[io.dtype]).newbyteorder("<")
    except KeyError:
        raise EmulationError(f"tensor '{io.name}' has element type {io.dtype}, which emulation "
                             "cannot exchange") from None


def as_tensors(data: np.ndarray | Sequence[np.ndarray]) -> Tensors:
    """One array (a single-input model's vectors) or a sequence of them, as a tuple."""
    return (data,) if isinstance(data, np.ndarray) else tuple(data)


def single(tensors: Tensors, what: str) -> np.ndarray:
    """The one array of a single-input or single-output model."""
    if len(tensors) != 1:
        raise ValueError(f"{what}: {len(tensors)} tensors; use the per-tensor results")
    return tensors[0]


def pack(tensors: Sequence[np.ndarray], ios: Sequence[IOInfo], what: str = "input") -> np.ndarray:
    """uint8 [N, sum of the tensors' bytes]: each vector's tensors back to back, little-endian."""
    if len(tensors) != len(ios):
        raise EmulationError(f"{len(tensors)} {what} arrays for a model with {len(ios)} {what}s")
    n = len(tensors[0])
    parts = []
    for k, (t, io) in enumerate(zip(tensors, ios)):
        data = np.ascontiguousarray(t, dtype=numpy_dtype(io)).reshape(len(t), -1)
        if len(t) != n or data.nbytes != n * io.size:
            raise EmulationError(f"{what} {k} '{io.name}': {list(t.shape)} does not hold {n} vectors "
                                 f"of {io.size} bytes (shape {list(io.shape)})")
        parts.append(data.view(np.uint8).reshape(n, io.size))
    return np.concatenate(parts, axis=1) if parts else np.zeros((n, 0), np.uint8)


def unpack(flat: np.ndarray, ios: Sequence[IOInfo]) -> Tensors:
    """The inverse of ``pack``: [N, bytes] to one array [N, *vector_shape(shape)] per tensor."""
    raw = np.ascontiguousarray(flat).view(np.uint8).reshape(len(flat), -1)
    out, offset = [], 0
    for io in ios:
        part = np.ascontiguousarray(raw[:, offset:offset + io.size])
        out.append(part.view(numpy_dtype(io)).astype(numpy_dtype(io).newbyteorder("="))
                   .reshape(len(flat), *vector_shape(io.shape)))
        offset += io.size
    return tuple(out)


@dataclass(frozen=True)
class Vectors:
    inputs: Tensors               # one array [N, *vector_shape(shape)] per model input, N >= 1
    labels: np.ndarray | None     # int64 [N] class indices, or None
    source: str                   # what a person reads in the summary

    @property
    def count(self) -> int:
        return len(self.inputs[0])

    def first(self, n: int) -> Vectors:
        if n >= self.count:
            return self
        return Vectors(tuple(t[:n] for t in self.inputs),
                       None if self.labels is None else self.labels[:n], f"{self.source}, first {n:,}")


def _keys(io: IOInfo, k: int, count: int) -> tuple[str, ...]:
    """Where input k's array may be in a vectors file: its tensor name, ``input_<k>``, and for a
    single-input model the documented ``inputs``."""
    keys = (io.name, f"input_{k}") if io.name else (f"input_{k}",)
    return ("inputs", *keys) if count == 1 else keys


def load_vectors_file(path: Path, ios: Sequence[IOInfo], source: str | None = None,
                      classes: int | None = None) -> Vectors:
    """An .npz with one array [N, ...] per model input (keyed as ``_keys`` says) and optional
    integer ``labels`` [N], each a class index below ``classes`` when that is given."""
    path = Path(path)
    if not path.is_file():
        raise EmulationError(f"{path}: no such vectors file")
    arrays: list[tuple[str, np.ndarray]] = []
    missing = None
    try:
        # the handle is ours: np.load leaves it open when the archive is bad
        with open(path, "rb") as handle:
            f = np.load(handle, allow_pickle=False)
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise ValueError("a single array, not an .npz archive")
            for k, io in enumerate(ios):
                key = next((key for key in _keys(io, k, len(ios)) if key in f.files), None)
                if key is None:
                    missing = (k, io)
                    break
                arrays.append((key, _array(f, key)))
            labels = _array(f, "labels") if "labels" in f.files else None
            keys = list(f.files)
    # what numpy and zipfile raise on a damaged archive: an unknown compression method
    # (NotImplementedError), an encrypted member (RuntimeError), damaged deflate data (zlib.error),
    # a short header (struct.error, EOFError)
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile, AttributeError, TypeError,
            NotImplementedError, RuntimeError, zlib.error, struct.error) as exc:
        raise EmulationError(f"{path}: not a vectors .npz with an 'inputs' array "
                             f"({' '.join(str(exc).split())})") from exc
    if missing is not None:
        k, io = missing
        wanted = " or ".join(repr(key) for key in _keys(io, k, len(ios)))
        raise EmulationError(f"{path}: no array for input {k} '{io.name}' (looked for {wanted}; "
                             f"the file has {', '.join(map(repr, keys)) or 'none'})")
    inputs = []
    for (key, data), io in zip(arrays, ios):
        want_type = numpy_dtype(io).newbyteorder("=")
        if data.dtype != want_type:
            raise EmulationError(f"{path}: '{key}' are {data.dtype}; the model takes {want_type} "
                                 "(quantize the inputs with the model's input scale and zero point)")
        want = vector_shape(io.shape)
        n = len(arrays[0][1]) if arrays[0][1].ndim else 0
        if data.ndim < 1 or len(data) == 0 or data.shape[1:] != want or len(data) != n:
            raise EmulationError(f"{path}: '{key}' have shape {list(data.shape)}; the model takes "
                                 f"[N, {', '.join(map(str, want))}] with N >= 1"
                                 + (f" (N = {n}, as '{arrays[0][0]}')" if key != arrays[0][0] else ""))
        inputs.append(data)
    count = len(inputs[0])
    if labels is not None:
        if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer):
            raise EmulationError(f"{path}: 'labels' must be {count} integers (one class index "
                                 f"per input), got {labels.dtype} {list(labels.shape)}")
        labels = labels.astype(np.int64)
        if classes is not None and len(labels) and (labels.min() < 0 or labels.max() >= classes):
            bad = int(labels[(labels < 0) | (labels >= classes)][0])
            raise EmulationError(f"{path}: 'labels' holds {bad}; the model has {classes} classes "
                                 f"(labels are class indices 0..{classes - 1})")
    return Vectors(tuple(inputs), labels, source or str(path))


def _array(archive, key: str) -> np.ndarray:
    """``archive[key]``, which numpy returns as raw bytes for a member that is not an .npy."""
    data = archive[key]
    if not isinstance(data, np.ndarray):
        raise ValueError(f"'{key}' is not an .npy array")
    return data


def random_vectors(n: int, ios: Sequence[IOInfo], seed: int) -> Vectors:
    """``n`` vectors of uniformly random integers over each input's whole range, drawn input after
    input from one generator (so a single int8 input gets what it always got)."""
    if n < 1:
        raise EmulationError(f"--random {n}: the number of random vectors must be at least 1")
    rng = np.random.default_rng(seed)
    inputs = []
    for io in ios:
        dtype = numpy_dtype(io).newbyteorder("=")
        info = np.iinfo(dtype)
        inputs.append(rng.integers(info.min, info.max + 1, size=(n, *vector_shape(io.shape)),
                                   dtype=dtype))
    return Vectors(tuple(inputs), None, f"{n} random vectors (seed {seed})")


def save_outputs(path: Path, outputs: Sequence[np.ndarray], ios: Sequence[IOInfo]) -> None:
    """Writes one array per output into an .npz, keyed by the output tensor's name (``output_<k>``
    for a tensor without a name or with the name of an earlier one), atomically."""
    arrays: dict[str, np.ndarray] = {}
    for k, (data, io) in enumerate(zip(outputs, ios)):
        arrays[io.name if io.name and io.name not in arrays else f"output_{k}"] = data
    with open_atomic(Path(path)) as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]

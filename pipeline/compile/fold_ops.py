"""numpy evaluators of the ops ``compile.fold`` folds: one function per op, TFLite's semantics.

Each evaluator gets the op's ``Operands`` (its input tensors, constant unless the op is SHAPE,
its output tensors and its options) and returns the values of its outputs, or None when the op is
not one this pass may fold (then the op stays and is lowered as any other). What may be folded:

- SHAPE of any tensor (shapes in a .tflite are static: TFLite-Micro runs the ``shape`` field and
  never the ``shape_signature`` with its -1 for a dynamic batch);
- integer arithmetic, only on int32/int64 (the value types of shape arithmetic): ADD, SUB, MUL,
  DIV (truncating, as C++), FLOOR_DIV, REDUCE_PROD, FILL, RANGE, and CAST between int32, int64
  and bool. Quantized (int8/int16) arithmetic is never folded: it needs requantization that only
  the kernels do exactly;
- moving data: RESHAPE, SQUEEZE and EXPAND_DIMS (a byte copy, whatever the type), and
  STRIDED_SLICE, SLICE, PACK, UNPACK, CONCATENATION, GATHER and TRANSPOSE when the data keep their
  type and quantization (then a selection of the bytes, which is what TFLite-Micro does).

Values whose evaluation shows the file to be wrong (an index out of range, a division by zero)
raise ``FoldError``; ``compile.fold`` names the model and the op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..tflite.graph import Activation, DType, Operator, Tensor

__all__ = ["EVALUATORS", "FoldError", "Operands", "Evaluator"]

INDEX_DTYPES = frozenset({DType.INT32, DType.INT64})
"""Types of shape values, indices and axes (and of the integer arithmetic folded)."""

CAST_DTYPES = frozenset({DType.INT32, DType.INT64, DType.BOOL})


class FoldError(ValueError):
    """The op's constant inputs cannot be evaluated: the file is inconsistent."""


@dataclass(frozen=True)
class Operands:
    op: Operator
    inputs: tuple[Tensor | None, ...]   # None for an omitted optional input (-1)
    outputs: tuple[Tensor, ...]

    def tensor(self, k: int) -> Tensor | None:
        return self.inputs[k] if k < len(self.inputs) else None

    def value(self, k: int) -> np.ndarray:
        t = self.tensor(k)
        if t is None or t.data is None:
            raise FoldError(f"input {k} is missing")
        return np.asarray(t.data)

    def ints(self, k: int, what: str) -> list[int]:
        """The values of an int32/int64 input (a shape, begin, axes...) as Python ints."""
        t = self.tensor(k)
        if t is None:
            raise FoldError(f"has no {what} (input {k})")
        if t.dtype not in INDEX_DTYPES:
            raise FoldError(f"{what} tensor '{t.name}' is {t.dtype.name.lower()}; expected "
                            "int32 or int64")
        return [int(v) for v in self.value(k).reshape(-1)]

    def option(self, name: str, default):
        """An option value by its schema field name, from whichever options dataclass the reader
        produced for the op (``tflite.options``); ``default`` (the schema's) when there is none."""
        return getattr(self.op.options, name, default) if self.op.options is not None else default

    def activation_none(self) -> bool:
        return self.option("activation", Activation.NONE) is Activation.NONE


Evaluator = Callable[[Operands], "list[np.ndarray] | None"]


# ---- helpers ----

def _data_preserved(o: Operands, data_inputs: tuple[int, ...] = (0,)) -> bool:
    """The data inputs and every output share one type and one quantization: moving the values
    is then exactly what the op does."""
    tensors = [o.tensor(k) for k in data_inputs] + list(o.outputs)
    if any(t is None for t in tensors):
        return False
    first = tensors[0]
    return all(t.dtype is first.dtype and t.quant == first.quant for t in tensors[1:])


def _integer_arithmetic(o: Operands, inputs: tuple[int, ...] | None = None) -> bool:
    """The values (``inputs``, default all, and the outputs) are all int32 or all int64: TFLite's
    kernels take one type for their operands and result."""
    ks = range(len(o.inputs)) if inputs is None else inputs
    tensors = [o.tensor(k) for k in ks] + list(o.outputs)
    return (all(t is not None for t in tensors) and tensors[0].dtype in INDEX_DTYPES
            and all(t.dtype is tensors[0].dtype for t in tensors))


def _wide(a: np.ndarray) -> np.ndarray:
    """int64 at least 1-d (integer overflow then wraps silently, as in C++, and the cast to the
    output type truncates the same way)."""
    return np.atleast_1d(np.asarray(a)).astype(np.int64)


def _exact_shape(o: Operands, result: np.ndarray) -> np.ndarray:
    """``result``, which must have exactly the declared output shape (TFLite-Micro checks it for
    STRIDED_SLICE and EXPAND_DIMS; for the other ops it takes the declared shape as it is)."""
    declared = o.outputs[0]
    if result.shape != tuple(declared.shape):
        raise FoldError(f"computes shape {list(result.shape)}, but output tensor "
                        f"'{declared.name}' has shape {list(declared.shape)}")
    return result


def _axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise FoldError(f"{what} {axis} is out of range for {rank} dimensions")
    return axis % rank


# ---- shapes ----

def _shape(o: Operands):
    if o.outputs[0].dtype not in INDEX_DTYPES:
        return None
    return [np.array(o.inputs[0].shape, dtype=np.int64)]


def _reshape(o: Operands):
    x, y = o.inputs[0], o.outputs[0]
    if x.dtype is not y.dtype:
        return None
    return [o.value(0).reshape(-1)]   # checked against, and shaped as, the declared output


# ---- selections ----

def _strided_slice(o: Operands):
    """As TFLite-Micro (strided_slice_common.cc, strided_slice_logic.h): int32 begin, end and
    strides, one per input dimension; begin_mask, end_mask and shrink_axis_mask; ellipsis_mask,
    new_axis_mask and offset are ignored as TFLite-Micro ignores them (a file that needs them
    declares an output shape that differs from the result, which it rejects, and so does this);
    the output must have exactly the computed shape."""
    if not _data_preserved(o) or len(o.inputs) != 4 or any(
            o.tensor(k) is None or o.tensor(k).dtype is not DType.INT32 for k in (1, 2, 3)):
        return None
    x = o.value(0)
    begin, end, strides = o.ints(1, "begin"), o.ints(2, "end"), o.ints(3, "strides")
    if min(len(begin), len(end), len(strides)) < x.ndim:
        raise FoldError(f"begin, end and strides have {len(begin)}, {len(end)} and "
                        f"{len(strides)} values for {x.ndim} dimensions")
    begin_mask, end_mask = o.option("begin_mask", 0), o.option("end_mask", 0)
    shrink_mask = o.option("shrink_axis_mask", 0)
    index: list = []
    for d in range(x.ndim):
        b, e, s, size, bit = begin[d], end[d], strides[d], x.shape[d], 1 << d
        if s == 0:
            raise FoldError(f"stride {d} is 0")
        if not shrink_mask & bit:
            # Python's slice clamps exactly as StartForAxis / StopForAxis do
            index.append(slice(None if begin_mask & bit else b, None if end_mask & bit else e, s))
            continue
        if s < 0:
            return None   # a shrunk axis walked backwards: TFLite-Micro yields no element
        start = 0 if begin_mask & bit else (b + size if b < 0 else b)
        if not 0 <= start < size:
            raise FoldError(f"takes index {b} of dimension {d} (size {size})")
        index.append(start)
    return [_exact_shape(o, x[tuple(index)])]


def _slice(o: Operands):
    if not _data_preserved(o):
        return None
    x = o.value(0)
    begin, size = o.ints(1, "begin"), o.ints(2, "size")
    if len(begin) != x.ndim or len(size) != x.ndim:
        raise FoldError(f"begin and size have {len(begin)} and {len(size)} values for "
                        f"{x.ndim} dimensions")
    index = []
    for d, (b, n) in enumerate(zip(begin, size, strict=True)):
        end = x.shape[d] if n == -1 else b + n
        if not 0 <= b <= end <= x.shape[d]:
            raise FoldError(f"slice [{b}, {end}) of dimension {d} (size {x.shape[d]}) is out "
                            "of range")
        index.append(slice(b, end))
    return [x[tuple(index)]]


def _pack(o: Operands):
    if not _data_preserved(o, tuple(range(len(o.inputs)))):
        return None
    values = [o.value(k) for k in range(len(o.inputs))]
    if len({v.shape for v in values}) != 1:
        raise FoldError("packs values of different shapes")
    axis = _axis(o.option("axis", 0), values[0].ndim + 1)
    return [np.stack(values, axis=axis)]


def _unpack(o: Operands):
    if not _data_preserved(o):
        return None
    x = o.value(0)
    axis = _axis(o.option("axis", 0), x.ndim)
    if x.shape[axis] != len(o.outputs):
        raise FoldError(f"unpacks dimension {axis} of size {x.shape[axis]} into "
                        f"{len(o.outputs)} outputs")
    return [np.take(x, i, axis=axis) for i in range(x.shape[axis])]


def _concatenation(o: Operands):
    if not o.activation_none() or not _data_preserved(o, tuple(range(len(o.inputs)))):
        return None
    values = [o.value(k) for k in range(len(o.inputs))]
    axis = _axis(o.option("axis", 0), values[0].ndim)
    try:
        return [np.concatenate(values, axis=axis)]
    except ValueError as err:
        raise FoldError(f"cannot concatenate: {err}") from None


def _gather(o: Operands):
    if o.option("batch_dims", 0) != 0 or not _data_preserved(o):
        return None
    x = o.value(0)
    indices = o.tensor(1)
    if indices is None or indices.dtype not in INDEX_DTYPES:
        return None
    idx = o.value(1).astype(np.int64)
    axis = _axis(o.option("axis", 0), x.ndim)
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[axis]):
        raise FoldError(f"gathers index {int(idx.min() if idx.min() < 0 else idx.max())} of "
                        f"dimension {axis} (size {x.shape[axis]})")
    return [np.take(x, idx, axis=axis)]


def _transpose(o: Operands):
    if not _data_preserved(o):
        return None
    x = o.value(0)
    perm = o.ints(1, "perm")
    axes = [p + x.ndim if -x.ndim <= p < 0 else p for p in perm]
    if sorted(axes) != list(range(x.ndim)):
        raise FoldError(f"perm {perm} is not a permutation of {x.ndim} dimensions")
    return [np.transpose(x, axes)]


# ---- integer arithmetic ----

def _binary(fn):
    def evaluate(o: Operands):
        if not _integer_arithmetic(o) or not o.activation_none():
            return None
        a, b = _wide(o.value(0)), _wide(o.value(1))
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise FoldError(f"cannot broadcast {list(a.shape)} with {list(b.shape)}") from None
        return [fn(a, b)]
    return evaluate


def _nonzero(b: np.ndarray) -> np.ndarray:
    if (b == 0).any():
        raise FoldError("divides by zero")
    return b


def _truncating_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    b = _nonzero(b)
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


def _reduce_prod(o: Operands):
    if not _integer_arithmetic(o, (0,)):
        return None
    x = o.value(0).astype(np.int64)
    if x.ndim == 0:
        return [x]
    axes = tuple(sorted({_axis(a, x.ndim) for a in o.ints(1, "axes")}))
    keep = bool(o.option("keep_dims", False))
    return [np.prod(x, axis=axes, keepdims=keep, dtype=np.int64)]


def _check_count(o: Operands, count: int) -> None:
    """Before making a large array: the count the declared output holds."""
    if count != o.outputs[0].num_elements:
        raise FoldError(f"makes {count} values, but output tensor '{o.outputs[0].name}' has "
                        f"shape {list(o.outputs[0].shape)}")


def _fill(o: Operands):
    value_t = o.tensor(1)
    if value_t is None or o.outputs[0].dtype not in CAST_DTYPES \
            or value_t.dtype is not o.outputs[0].dtype:
        return None
    dims = o.ints(0, "dims")
    if any(d < 0 for d in dims):
        raise FoldError(f"fills a negative shape {dims}")
    _check_count(o, int(np.prod(dims, dtype=object)))
    value = o.value(1)
    if value.size != 1:
        raise FoldError(f"fill value has {value.size} elements")
    return [np.full(dims, value.reshape(-1)[0], dtype=value.dtype)]


def _range(o: Operands):
    if not _integer_arithmetic(o):
        return None
    start, limit, delta = (int(o.value(k).reshape(-1)[0]) for k in range(3))
    if delta == 0:
        raise FoldError("has delta 0")
    _check_count(o, len(range(start, limit, delta)))
    return [np.arange(start, limit, delta, dtype=np.int64)]


def _cast(o: Operands):
    x, y = o.inputs[0], o.outputs[0]
    if x.dtype not in CAST_DTYPES or y.dtype not in CAST_DTYPES:
        return None
    return [o.value(0).astype(y.dtype.numpy)]


def _same_shape(o: Operands):
    """SQUEEZE, EXPAND_DIMS: the input's values, when the output keeps their type."""
    x, y = o.inputs[0], o.outputs[0]
    if x.dtype is not y.dtype:
        return None
    return [o.value(0)]


def _squeeze(o: Operands):
    result = _same_shape(o)
    if result is None:
        return None
    x = result[0]
    dims = o.option("squeeze_dims", ())
    if dims:
        axes = sorted({_axis(d, x.ndim, "squeeze dimension") for d in dims})
        if any(x.shape[a] != 1 for a in axes):
            raise FoldError(f"squeezes dimensions {axes} of shape {list(x.shape)}")
        return [np.squeeze(x, axis=tuple(axes))]
    return [np.squeeze(x)]


def _expand_dims(o: Operands):
    result = _same_shape(o)
    if result is None:
        return None
    x = result[0]
    axis = o.ints(1, "axis")
    if len(axis) != 1:
        raise FoldError(f"axis has {len(axis)} values")
    return [_exact_shape(o, np.expand_dims(x, _axis(axis[0], x.ndim + 1)))]


EVALUATORS: dict[str, Evaluator] = {
    "SHAPE": _shape,
    "RESHAPE": _reshape,
    "SQUEEZE": _squeeze,
    "EXPAND_DIMS": _expand_dims,
    "STRIDED_SLICE": _strided_slice,
    "SLICE": _slice,
    "PACK": _pack,
    "UNPACK": _unpack,
    "CONCATENATION": _concatenation,
    "GATHER": _gather,
    "TRANSPOSE": _transpose,
    "ADD": _binary(lambda a, b: a + b),
    "SUB": _binary(lambda a, b: a - b),
    "MUL": _binary(lambda a, b: a * b),
    "DIV": _binary(_truncating_div),
    "FLOOR_DIV": _binary(lambda a, b: a // _nonzero(b)),
    "REDUCE_PROD": _reduce_prod,
    "FILL": _fill,
    "RANGE": _range,
    "CAST": _cast,
}

SHAPE_ONLY = frozenset({"SHAPE"})
"""Ops that read only their input's (static) shape, never its values."""

"""Helpers of the data-movement lowerings (TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT, SPLIT_V,
EXPAND_DIMS, SQUEEZE, PACK, UNPACK, GATHER, RESIZE_*, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND): constant index vectors, axes, and the checks every one of
them makes on its int8 operands.

Not an op module (no OPCODES). These ops copy values without looking at their quantization, as
TFLite-Micro does (it never compares the input's scale and zero point with the output's; the
converter always makes them equal): so each operand only has to be an int8, per-tensor
activation.
"""

from __future__ import annotations

import numpy as np

from ...tflite.graph import DType, Tensor
from .context import OpContext

# Tensors one PACK reads or one SPLIT / SPLIT_V / UNPACK writes. Their kernels take the tensors
# as further arguments of one call (params, then inputs, then outputs) and C99 only guarantees
# 127 arguments per call (5.2.4.1). Belongs in compile/limits.py beside
# CONCATENATION_MAX_INPUTS; no kernel depends on it (they keep no per-tensor arrays).
MAX_CALL_TENSORS = 125


def int_vector(o: OpContext, k: int, role: str, allow_int64: bool = False) -> np.ndarray:
    """A constant int32 (or, where TFLite-Micro reads either, int64) input as a 1-D int64
    array; a computed or other-typed tensor is a one-line UnsupportedModelError."""
    t = o.required_input(k, role)
    allowed = (DType.INT32, DType.INT64) if allow_int64 else (DType.INT32,)
    if not t.is_constant:
        o.unsupported(f"{role} tensor '{t.name}' is computed at run time; it must be a constant")
    if t.dtype not in allowed:
        kinds = " or ".join(d.name.lower() for d in allowed)
        o.unsupported(f"{role} tensor '{t.name}' is {t.dtype.name.lower()}; TFLite-Micro reads "
                      f"it as {kinds}")
    return np.asarray(t.data, dtype=np.int64).reshape(-1)


def axis_of(o: OpContext, axis: int, rank: int, what: str = "axis") -> int:
    """``axis`` in [-rank, rank) as an index in [0, rank); else a ModelFileError."""
    if not -rank <= axis < rank:
        o.bad_file(f"{what} {axis} is out of range for a {rank}-dimensional tensor")
    return axis + rank if axis < 0 else axis


def activations(o: OpContext, tensors: list[Tensor], role: str) -> None:
    """Every tensor is an int8, per-tensor activation with a static shape."""
    for k, t in enumerate(tensors):
        o.activation(t, role if len(tensors) == 1 else f"{role} {k}")


def outputs(o: OpContext) -> list[Tensor]:
    """All of the op's output tensors, each an int8 activation."""
    result = [o.output(k) for k in range(len(o.op.outputs))]
    if not result:
        o.bad_file("has no outputs")
    activations(o, result, "output")
    return result


def max_rank(o: OpContext, t: Tensor, limit: int, role: str = "input") -> None:
    """TFLite-Micro's rank limit of the op (its Prepare rejects more dimensions)."""
    if len(t.shape) > limit:
        o.unsupported(f"{len(t.shape)}-dimensional {role}; TFLite-Micro's {o.op.opcode} takes "
                      f"at most {limit} dimensions")


def product(values) -> int:
    n = 1
    for v in values:
        n *= int(v)
    return n

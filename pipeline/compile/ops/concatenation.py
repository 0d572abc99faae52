"""CONCATENATION -> mf_concatenation_s8 (firmware/kernels/concatenation.c): values copied, every
input quantized like the output. int16 tensors (16x8 models) are the same byte copy, the run
lengths counted in bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Activation, ConcatenationOptions, DType, Graph, Operator
from ..limits import CONCATENATION_MAX_INPUTS, MAX_DIMS
from ..params import CStruct, i32, i32_array
from ..program import KernelCall
from .context import OpContext, same_quantization

OPCODES = ("CONCATENATION",)


@dataclass(frozen=True)
class ConcatenationParams(CStruct):
    """mf_concatenation_params (firmware/kernels/concatenation.h)."""

    C_TYPE: ClassVar[str] = "mf_concatenation_params"
    num_inputs: int = i32()          # 1 .. MF_CONCATENATION_MAX_INPUTS
    outer: int = i32()
    input_sizes: tuple[int, ...] = i32_array(CONCATENATION_MAX_INPUTS)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(ConcatenationOptions)
    out = o.output()
    act_type = DType.INT16 if out.dtype is DType.INT16 else DType.INT8
    out_q = o.activation(out, "output", dtype=act_type)
    rank = len(out.shape)
    if not 1 <= len(op.inputs) <= CONCATENATION_MAX_INPUTS:
        o.unsupported(f"{len(op.inputs)} inputs; at most {CONCATENATION_MAX_INPUTS} are supported")
    if options.activation is not Activation.NONE:
        o.unsupported(f"fused activation {options.activation.name} (TFLite-Micro accepts none)")
    if rank > MAX_DIMS:
        o.unsupported(f"{rank}-dimensional tensors; at most {MAX_DIMS} are supported")
    axis = options.axis + rank if options.axis < 0 else options.axis
    if not 0 <= axis < rank:
        o.bad_file(f"axis {options.axis} is out of range for a {rank}-dimensional output")
    inputs = [o.required_input(k, f"input {k}") for k in range(len(op.inputs))]
    total = 0
    for k, t in enumerate(inputs):
        q = o.activation(t, f"input {k}", rank=rank, dtype=act_type)
        if not same_quantization(q, out_q):
            o.unsupported(f"input {k} '{t.name}' (scale {q[0]:.6g}, zero point {q[1]}) and the "
                          f"output (scale {out_q[0]:.6g}, zero point {out_q[1]}) are quantized "
                          f"differently; TFLite-Micro's concatenation does not requantize")
        if any(t.shape[d] != out.shape[d] for d in range(rank) if d != axis):
            o.bad_file(f"input {k} '{t.name}' has shape {list(t.shape)}, which does not match "
                       f"the output {list(out.shape)} outside axis {axis}")
        total += t.shape[axis]
    if total != out.shape[axis]:
        o.bad_file(f"inputs add up to {total} along axis {axis}, the output has "
                   f"{out.shape[axis]}")
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    # bytes per unit of the axis: the kernel copies bytes
    inner = int(np.prod(out.shape[axis + 1:], dtype=np.int64)) * out.dtype.itemsize
    params = ConcatenationParams(num_inputs=len(inputs), outer=outer,
                                 input_sizes=tuple(int(t.shape[axis] * inner) for t in inputs))
    return KernelCall.of(op, "concatenation", "mf_concatenation_s8", params,
                         tuple(t.index for t in inputs), (out.index,))

"""PAD and PADV2 -> mf_pad_s8 (firmware/kernels/pad.c): constant padding, values copied; int16
tensors (16x8 models) -> mf_pad_s16, the same walk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Graph, Operator
from ..limits import MAX_DIMS, PAD_MAX_INPUT_DIMS
from ..params import CStruct, i32, i32_array
from ..program import KernelCall
from .context import OpContext, same_quantization

OPCODES = ("PAD", "PADV2")


@dataclass(frozen=True)
class PadParams(CStruct):
    """mf_pad_params (firmware/kernels/pad.h)."""

    C_TYPE: ClassVar[str] = "mf_pad_params"
    rank: int = i32()
    input_dims: tuple[int, ...] = i32_array(MAX_DIMS)
    pad_before: tuple[int, ...] = i32_array(MAX_DIMS)
    pad_after: tuple[int, ...] = i32_array(MAX_DIMS)
    pad_value: int = i32()


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    v2 = op.opcode == "PADV2"
    if len(op.inputs) not in ((2, 3) if v2 else (2,)):
        o.bad_file(f"has {len(op.inputs)} inputs")
    inp = o.required_input(0, "input")
    out = o.output()
    s16 = inp.dtype is DType.INT16
    act_type = DType.INT16 if s16 else DType.INT8
    o.activation(inp, "input", dtype=act_type)
    out_q = o.activation(out, "output", dtype=act_type)
    rank = len(inp.shape)
    if rank > PAD_MAX_INPUT_DIMS:
        o.unsupported(f"{rank}-dimensional input; TFLite-Micro pads at most "
                      f"{PAD_MAX_INPUT_DIMS} dimensions")
    paddings = o.int32_constant(1, "paddings")
    if paddings.size != 2 * len(out.shape) or len(out.shape) != rank:
        o.bad_file(f"paddings have {paddings.size} values for a {rank}-dimensional input and a "
                   f"{len(out.shape)}-dimensional output")
    before, after = paddings[0::2].tolist(), paddings[1::2].tolist()
    if min(before + after) < 0:
        o.unsupported(f"negative paddings {paddings.reshape(-1, 2).tolist()} (cropping)")
    expected = tuple(int(i + b + a) for i, b, a in zip(inp.shape, before, after))
    o.expect_shape(out, expected, f"padding {list(inp.shape)} by {paddings.reshape(-1, 2).tolist()}")
    # Input values are copied as they are (TFLite-Micro does not compare the input's and the
    # output's quantization; the converter always makes them equal).
    pad_value = out_q[1]
    constant = o.input(2, "constant value", optional=True) if v2 else None
    if constant is not None:
        if not constant.is_constant or constant.dtype is not act_type:
            o.unsupported(f"constant value tensor '{constant.name}' must be a constant "
                          f"{act_type.name.lower()}")
        if constant.num_elements != 1:
            o.bad_file(f"constant value tensor '{constant.name}' has {constant.num_elements} "
                       f"values; expected one")
        cq = constant.quant
        if cq is None or cq.per_channel or not same_quantization(
                (cq.scale[0], cq.zero_point[0]), out_q):
            o.unsupported(f"constant value tensor '{constant.name}' is not quantized like the "
                          f"output (TFLite-Micro requires the same scale and zero point)")
        pad_value = int(np.asarray(constant.data).reshape(-1)[0])

    # merge an outer dimension into the next one when the next one is not padded
    dims: list[list[int]] = []          # [extent, before, after], outermost first
    for extent, b, a in zip(inp.shape, before, after):
        if extent == 1 and b == 0 and a == 0:
            continue
        if dims and b == 0 and a == 0:
            prev = dims[-1]
            dims[-1] = [prev[0] * extent, prev[1] * extent, prev[2] * extent]
        else:
            dims.append([int(extent), int(b), int(a)])
    if not dims:
        dims = [[1, 0, 0]]
    params = PadParams(rank=len(dims), input_dims=tuple(d[0] for d in dims),
                       pad_before=tuple(d[1] for d in dims), pad_after=tuple(d[2] for d in dims),
                       pad_value=pad_value)
    if s16:
        return KernelCall.of(op, "pad", "mf_pad_s16", params, (inp.index,), (out.index,),
                             arg_types=("int16_t", "int16_t"))
    return KernelCall.of(op, "pad", "mf_pad_s8", params, (inp.index,), (out.index,))

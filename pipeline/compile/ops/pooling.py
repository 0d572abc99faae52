"""AVERAGE_POOL_2D -> mf_avg_pool2d_s8 and MAX_POOL_2D -> mf_max_pool2d_s8
(firmware/kernels/pooling.c: the two share their window walk); int16 (16x8 models) ->
mf_avg_pool2d_s16 / mf_max_pool2d_s16 (same file), the same arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Graph, Operator, Pool2DOptions
from ..params import CStruct, Dims, i32, nested
from ..program import KernelCall
from .context import OpContext
from .spatial import check_spatial

OPCODES = ("AVERAGE_POOL_2D", "MAX_POOL_2D")
FUNCTIONS = {"AVERAGE_POOL_2D": "mf_avg_pool2d_s8", "MAX_POOL_2D": "mf_max_pool2d_s8"}
# an int16 window sum stays in int32 (|sum| <= 2^15 * taps < 2^31)
MAX_POOL_TAPS_S16 = 2**16 - 1
SCALE_TOLERANCE = 1e-6   # TFLite-Micro's check that pooling input and output scales agree


@dataclass(frozen=True)
class Pool2DParams(CStruct):
    """mf_pool2d_params (firmware/kernels/pooling.h)."""

    C_TYPE: ClassVar[str] = "mf_pool2d_params"
    input: Dims = nested(Dims)
    output: Dims = nested(Dims)      # output.c == input.c
    stride_h: int = i32()
    stride_w: int = i32()
    filter_h: int = i32()
    filter_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    act_min: int = i32()
    act_max: int = i32()


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(Pool2DOptions)
    inp = o.required_input(0, "input")
    out = o.output()
    s16 = inp.dtype is DType.INT16
    act_type = DType.INT16 if s16 else DType.INT8
    in_scale, in_zp = o.activation(inp, "input", rank=4, dtype=act_type)
    out_scale, out_zp = o.activation(out, "output", rank=4, dtype=act_type)
    scale_diff = abs(float(np.float32(in_scale) - np.float32(out_scale)))
    if scale_diff > SCALE_TOLERANCE or in_zp != out_zp:
        o.unsupported(f"input (scale {in_scale:.6g}, zero point {in_zp}) and output (scale "
                      f"{out_scale:.6g}, zero point {out_zp}) quantization differ; pooling needs "
                      f"them equal")
    n, in_h, in_w, ch = inp.shape
    if out.shape[0] != n or out.shape[3] != ch:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for input "
                   f"{list(inp.shape)}")
    pad_h, pad_w = check_spatial(o, options, in_h, in_w, options.filter_h, options.filter_w,
                                 out.shape[1], out.shape[2])
    # every window must overlap the input (TFLite-Micro's average pool fails on an empty one)
    axes = ((in_h, options.stride_h, pad_h, options.filter_h, out.shape[1]),
            (in_w, options.stride_w, pad_w, options.filter_w, out.shape[2]))
    for size, stride, pad, k, count in axes:
        for i in range(count):
            start = i * stride - pad
            if start + k <= 0 or start >= size:
                o.unsupported(f"pooling window {i} lies entirely in the padding")
    if s16 and options.filter_h * options.filter_w > MAX_POOL_TAPS_S16:
        o.unsupported(f"a {options.filter_h}x{options.filter_w} window: int16 pooling sums at "
                      f"most {MAX_POOL_TAPS_S16} values in int32")
    act = o.activation_range(options.activation, out_scale, out_zp, act_type)
    params = Pool2DParams(
        input=Dims.of(inp.shape), output=Dims.of(out.shape),
        stride_h=options.stride_h, stride_w=options.stride_w,
        filter_h=options.filter_h, filter_w=options.filter_w,
        pad_h=pad_h, pad_w=pad_w, act_min=act[0], act_max=act[1],
    )
    if s16:
        return KernelCall.of(op, "pooling", FUNCTIONS[op.opcode].replace("_s8", "_s16"),
                             params, (inp.index,), (out.index,), arg_types=("int16_t", "int16_t"))
    return KernelCall.of(op, "pooling", FUNCTIONS[op.opcode], params, (inp.index,), (out.index,))

"""SOFTMAX -> mf_softmax_s8 (firmware/kernels/softmax.c), int8 in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator, SoftmaxOptions
from .. import quant
from ..limits import SOFTMAX_MAX_DEPTH
from ..params import CStruct, i32
from ..program import KernelCall
from .context import OpContext

OPCODES = ("SOFTMAX",)


@dataclass(frozen=True)
class SoftmaxParams(CStruct):
    """mf_softmax_params (firmware/kernels/softmax.h)."""

    C_TYPE: ClassVar[str] = "mf_softmax_params"
    rows: int = i32()
    depth: int = i32()               # 1 .. MF_SOFTMAX_MAX_DEPTH
    input_multiplier: int = i32()    # Q0.31 in [2^30, 2^31)
    input_left_shift: int = i32()    # [0, 31]
    diff_min: int = i32()            # <= 0


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(SoftmaxOptions, SoftmaxOptions(beta=0.0))
    inp = o.required_input(0, "input")
    out = o.output()
    in_scale, _ = o.activation(inp, "input")
    out_scale, out_zp = o.activation(out, "output")
    if len(inp.shape) < 1:
        o.bad_file(f"input tensor '{inp.name}' is a scalar")
    if tuple(out.shape) != tuple(inp.shape):
        o.bad_file(f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}")
    if out_zp != quant.SOFTMAX_INT8_OUTPUT_ZERO_POINT or \
            float(np.float32(out_scale)) != quant.SOFTMAX_INT8_OUTPUT_SCALE:
        o.unsupported(f"int8 output must have scale 1/256 and zero point -128 (has "
                      f"{out_scale:.6g} and {out_zp})")
    depth = inp.shape[-1]
    if depth > SOFTMAX_MAX_DEPTH:
        o.unsupported(f"softmax over {depth} values; at most {SOFTMAX_MAX_DEPTH} are supported")
    try:
        multiplier, left_shift, diff_min = quant.softmax_params(options.beta, in_scale)
    except quant.QuantError as err:
        o.unsupported(str(err))
    params = SoftmaxParams(rows=inp.num_elements // depth, depth=depth,
                           input_multiplier=multiplier, input_left_shift=left_shift,
                           diff_min=diff_min)
    return KernelCall.of(op, "softmax", "mf_softmax_s8", params, (inp.index,), (out.index,))

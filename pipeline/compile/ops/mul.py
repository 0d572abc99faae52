"""MUL -> mf_mul_s8 / mf_mul_const_s8 (firmware/kernels/mul.c): int8 with numpy broadcasting,
either input possibly a constant, fused activations; int16 (16x8 models, both inputs computed)
-> mf_mul_s16 (same file), the same arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.binary import MulOptions
from .. import quant
from ..params import CStruct, i32, nested
from ..program import KernelCall
from .binary import BroadcastParams, binary_operands
from .context import OpContext

OPCODES = ("MUL",)
# Room left above a requantized product for the output zero point (|zero point| <= 128).
_OUTPUT_OFFSET_ROOM = 128


@dataclass(frozen=True)
class MulParams(CStruct):
    """mf_mul_params (firmware/kernels/mul.h)."""

    C_TYPE: ClassVar[str] = "mf_mul_params"
    broadcast: BroadcastParams = nested(BroadcastParams)
    input1_offset: int = i32()
    input2_offset: int = i32()
    output_multiplier: int = i32()
    output_shift: int = i32()
    output_offset: int = i32()
    act_min: int = i32()
    act_max: int = i32()


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(MulOptions, MulOptions())
    b = binary_operands(o, int16=True)
    in1, in2, out = b.input1, b.input2, b.output
    # TFLite-Micro (CalculateOpDataMul): double(s1) * double(s2) / double(s_out), QuantizeMultiplier
    real = in1.scale * in2.scale / out.scale
    try:
        multiplier, shift = quant.quantize_multiplier(real)
    except quant.QuantError as err:
        o.unsupported(str(err))
    # The product (x1 - zp1) * (x2 - zp2) is shifted left by `shift` in int32 before the
    # multiply; TFLite-Micro's arithmetic is undefined where that (or adding the output zero
    # point) overflows, so such scales are rejected.
    largest = in1.max_abs_offset_value * in2.max_abs_offset_value << max(shift, 0)
    if largest > quant.INT32_MAX - _OUTPUT_OFFSET_ROOM:
        o.unsupported(f"effective scale input1 * input2 / output = {real:.6g} is too large: "
                      f"the shifted int32 product overflows")
    act = o.activation_range(options.activation, out.scale, out.zero_point,
                             out.tensor.dtype)
    params = MulParams(
        broadcast=b.broadcast, input1_offset=-in1.zero_point, input2_offset=-in2.zero_point,
        output_multiplier=multiplier, output_shift=shift, output_offset=out.zero_point,
        act_min=act[0], act_max=act[1],
    )
    return b.call(op, "mul", "mf_mul", params)

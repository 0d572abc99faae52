"""SQUARED_DIFFERENCE -> mf_squared_difference_s8 / mf_squared_difference_const_s8
(firmware/kernels/squared_difference.c): int8 with TFLite-Micro's rescaling of both inputs
(left shift 7), numpy broadcasting, either input possibly a constant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator
from ...tflite.options.binary import SquaredDifferenceOptions
from .. import quant
from ..params import CStruct, i32, nested
from ..program import KernelCall
from .binary import BroadcastParams, Operand, binary_operands
from .context import OpContext

OPCODES = ("SQUARED_DIFFERENCE",)
# int8 inputs are scaled up by 2^7 before rescaling (TFLite-Micro: 255^2 * 2^14 < 2^31).
SQUARED_DIFFERENCE_INT8_LEFT_SHIFT = 7
# Room left above a requantized square for the output zero point (|zero point| <= 128).
_OUTPUT_OFFSET_ROOM = 128


@dataclass(frozen=True)
class SquaredDifferenceParams(CStruct):
    """mf_squared_difference_params (firmware/kernels/squared_difference.h)."""

    C_TYPE: ClassVar[str] = "mf_squared_difference_params"
    broadcast: BroadcastParams = nested(BroadcastParams)
    input1_offset: int = i32()
    input2_offset: int = i32()
    left_shift: int = i32()
    input1_multiplier: int = i32()
    input1_shift: int = i32()
    input2_multiplier: int = i32()
    input2_shift: int = i32()
    output_multiplier: int = i32()
    output_shift: int = i32()
    output_offset: int = i32()


@dataclass(frozen=True)
class SquaredDifferenceRescale:
    left_shift: int
    input1_multiplier: int
    input1_shift: int
    input2_multiplier: int
    input2_shift: int
    output_multiplier: int
    output_shift: int


def squared_difference_rescale(input1_scale: float, input2_scale: float,
                               output_scale: float) -> SquaredDifferenceRescale:
    """TFLite-Micro's PrepareQuantized for int8: with twice_max = 2 * max(s1, s2) (double),
    each input is brought to units of twice_max / 2^7 (multiplier s_i / twice_max <= 1/2,
    QuantizeMultiplierSmallerThanOneExp), and the square of the difference, in units of
    (twice_max / 2^7)^2, to the output scale: twice_max^2 / (2^14 * s_out), where 2^14 * s_out
    is a float32 product (exact), by QuantizeMultiplier (this one may exceed 1)."""
    shift = SQUARED_DIFFERENCE_INT8_LEFT_SHIFT
    twice_max = 2.0 * max(input1_scale, input2_scale)
    m1, s1 = quant.multiplier_below_one(input1_scale / twice_max, "input 1 rescale")
    m2, s2 = quant.multiplier_below_one(input2_scale / twice_max, "input 2 rescale")
    with np.errstate(over="ignore"):
        denominator = float(np.float32(1 << (2 * shift)) * np.float32(output_scale))
    mo, so = quant.quantize_multiplier(twice_max * twice_max / denominator)
    return SquaredDifferenceRescale(shift, m1, s1, m2, s2, mo, so)


def _scaled_values(operand: Operand, left_shift: int, multiplier: int, shift: int) -> list[int]:
    """Every value an input's rescaled value a_i can take, over the 256 int8 inputs."""
    return [quant.requantize((q - operand.zero_point) << left_shift, multiplier, shift)
            for q in range(quant.INT8_MIN, quant.INT8_MAX + 1)]


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    o.options(SquaredDifferenceOptions, SquaredDifferenceOptions())
    b = binary_operands(o)
    in1, in2, out = b.input1, b.input2, b.output
    try:
        r = squared_difference_rescale(in1.scale, in2.scale, out.scale)
    except quant.QuantError as err:
        o.unsupported(str(err))
    # |a_1 - a_2| <= 2 * 255 * 2^7 / 2, so its square fits in 31 bits; it is then shifted left by
    # output_shift (> 0 for an output scale far finer than the inputs'), where TFLite-Micro's
    # int32 arithmetic is undefined on overflow: such scales are rejected.
    a1 = _scaled_values(in1, r.left_shift, r.input1_multiplier, r.input1_shift)
    a2 = _scaled_values(in2, r.left_shift, r.input2_multiplier, r.input2_shift)
    largest_difference = max(max(a1) - min(a2), max(a2) - min(a1))
    if largest_difference ** 2 << max(r.output_shift, 0) > quant.INT32_MAX - _OUTPUT_OFFSET_ROOM:
        o.unsupported(f"output scale {out.scale:.6g} is too fine for the input scales "
                      f"{in1.scale:.6g} and {in2.scale:.6g}: the shifted int32 square overflows")
    params = SquaredDifferenceParams(
        broadcast=b.broadcast, input1_offset=-in1.zero_point, input2_offset=-in2.zero_point,
        left_shift=r.left_shift,
        input1_multiplier=r.input1_multiplier, input1_shift=r.input1_shift,
        input2_multiplier=r.input2_multiplier, input2_shift=r.input2_shift,
        output_multiplier=r.output_multiplier, output_shift=r.output_shift,
        output_offset=out.zero_point,
    )
    return b.call(op, "squared_difference", "mf_squared_difference", params)

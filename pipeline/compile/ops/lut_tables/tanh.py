"""TANH (int8) as TFLite-Micro computes it (tanh.cc, reference_integer_ops::Tanh): the input
rescaled to Q4.27 (``sigmoid_input``), gemmlowp's fixed-point tanh to a Q0.31 value, rounded to 7
fractional bits.

TFLite-Micro never reads the output's quantization: the result is always on the scale 1/128
with zero point 0 (what every converter writes). mcuforge follows it.
"""

from __future__ import annotations

from ..context import OpContext
from . import INT8_VALUES, Quantization, clamp8
from . import fixedpoint as fp
from .sigmoid_input import INPUT_INTEGER_BITS, sigmoid_input

OUTPUT_FRACTIONAL_BITS = 7       # kOutputScale: the Q0.31 result is rounded to Q0.7


def build(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    rescale = sigmoid_input(o, input_q[0])
    table = []
    for v in INT8_VALUES:
        x = v - input_q[1]
        saturated = rescale.saturated(x)
        if saturated is not None:
            table.append(saturated)
            continue
        q4 = rescale.rescale(x)
        q0 = fp.tanh(q4, INPUT_INTEGER_BITS)
        table.append(clamp8(fp.rounding_divide_by_pot(q0, 31 - OUTPUT_FRACTIONAL_BITS)))
    return table


TABLES = {"TANH": build}

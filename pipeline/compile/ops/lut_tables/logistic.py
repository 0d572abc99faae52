"""LOGISTIC (int8) as TFLite-Micro computes it (logistic_common.cc, reference_integer_ops::
Logistic): the input rescaled to Q4.27 (``sigmoid_input``), gemmlowp's fixed-point logistic to
a Q0.31 value, rounded to 8 fractional bits and offset by -128.

TFLite-Micro requires the output zero point -128 and never reads the output scale: the result is
always on the scale 1/256 (the scale every converter writes). mcuforge follows it, so a model
with another output scale gets TFLite-Micro's outputs, not rescaled ones.
"""

from __future__ import annotations

from ..context import OpContext
from . import INT8_VALUES, Quantization, clamp8
from . import fixedpoint as fp
from .sigmoid_input import INPUT_INTEGER_BITS, sigmoid_input

OUTPUT_ZERO_POINT = -128
OUTPUT_FRACTIONAL_BITS = 8       # the Q0.31 result is rounded to Q0.8 (kOutputIntegerBits = 8)


def build(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    if output_q[1] != OUTPUT_ZERO_POINT:
        o.unsupported(f"output zero point is {output_q[1]}; TFLite-Micro requires "
                      f"{OUTPUT_ZERO_POINT} for an int8 LOGISTIC")
    rescale = sigmoid_input(o, input_q[0])
    table = []
    for v in INT8_VALUES:
        x = v - input_q[1]
        saturated = rescale.saturated(x)
        if saturated is not None:
            table.append(saturated)
            continue
        q4 = rescale.rescale(x)
        q0 = fp.logistic(q4, INPUT_INTEGER_BITS)
        y = fp.rounding_divide_by_pot(q0, 31 - OUTPUT_FRACTIONAL_BITS) + OUTPUT_ZERO_POINT
        table.append(clamp8(y))
    return table


TABLES = {"LOGISTIC": build}

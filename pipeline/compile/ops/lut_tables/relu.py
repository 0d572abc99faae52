"""RELU and RELU6 (int8) as TFLite-Micro computes them (activations_common.cc, activations.h).

RELU requantizes: zero point out + the input (less its zero point) times input_scale /
output_scale (a float32 quotient, QuantizeMultiplier'd), clamped to [max(-128, output zero
point), 127].

RELU6 does not requantize at all: TFLite-Micro clamps the input values to [input zero point,
six], six being 6.0 quantized with the input's scale and zero point (round(6 / scale) + zero
point, clamped to int8), and copies them; the output's quantization is never read (converters
give RELU6 the input's). mcuforge follows it.

(TFLite-Micro has no RELU_N1_TO_1 kernel, so mcuforge does not lower that op.)
"""

from __future__ import annotations

import numpy as np

from ... import quant
from ..context import OpContext
from . import INT8_VALUES, Quantization, clamp8
from . import fixedpoint as fp

_INT32_LIMIT = 2.0**31


def relu(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    (in_scale, in_zp), (out_scale, out_zp) = input_q, output_q
    with np.errstate(over="ignore"):
        real = float(np.float32(in_scale) / np.float32(out_scale))    # float32 quotient
    multiplier, shift = quant.quantize_multiplier(real) if np.isfinite(real) else (0, 31)
    if shift > 30:
        o.unsupported(f"input scale / output scale = {real:.6g} is 2^30 or more: TFLite-Micro's "
                      f"requantization shift would be undefined")
    act_min = max(-128, out_zp)      # out_zp + round(0 / output_scale)
    return [min(max(fp.wrap32(out_zp + fp.multiply_by_quantized_multiplier(
        v - in_zp, multiplier, shift)), act_min), 127) for v in INT8_VALUES]


def relu6(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    in_scale, in_zp = input_q
    with np.errstate(over="ignore"):
        quotient = float(np.float32(6.0) / np.float32(in_scale))      # float32 quotient
    if not quotient < _INT32_LIMIT - 256:
        o.unsupported(f"input scale {in_scale:.6g} is so small that 6 / scale leaves int32, "
                      f"where TFLite-Micro's conversion is undefined")
    six = clamp8(int(quant.round_half_away(quotient)) + in_zp)
    return [six if v > six else in_zp if v < in_zp else v for v in INT8_VALUES]


TABLES = {"RELU": relu, "RELU6": relu6}

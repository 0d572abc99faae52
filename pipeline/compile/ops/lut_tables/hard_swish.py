"""HARD_SWISH (int8) as TFLite-Micro computes it (hard_swish_common.cc, reference_ops::HardSwish):
x * relu6(x + 3) / 6 in int16 fixed point.

Prepare: the input on a "high-resolution" scale input_scale / 128 (float32); two multipliers,
each QuantizeMultiplier'd and then rounded to Q0.15 (DownScaleInt32ToInt16Multiplier), from
float32 quotients: hires / output_scale (exponent must be <= 0, or TFLite-Micro rejects the
model) and hires / (3 / 32768) (the "reluish" multiplier, which maps x = 3 to 32768).
Per element, all in int16 (the int16 rounding helpers are gemmlowp's, reproduced with their
narrowing quirks by ``fixedpoint``): the input << 7; its value on the pre-shift output scale; the
reluish value (shifted left saturating by exponent - 1, multiplied, shifted left the last bit,
or shifted right rounding), mapped from [-1, 1] to [0, 1]; their truncating doubling product;
a rounding right shift by -exponent; plus the output zero point (wrapping in int16), clamped.
"""

from __future__ import annotations

import numpy as np

from ..context import OpContext
from . import INT8_VALUES, Quantization, clamp8
from . import fixedpoint as fp

HIRES_SHIFT = 7                                       # input values are scaled by 2^7 first
RELUISH_SCALE = np.float32(3.0) / np.float32(32768.0)  # 3.0f / 32768.0f: the scale of 3 == 2^15


def build(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    (in_scale, in_zp), (out_scale, out_zp) = input_q, output_q
    with np.errstate(over="ignore"):
        hires = np.float32(1.0 / 128.0) * np.float32(in_scale)       # float32 product
        output_real = float(hires / np.float32(out_scale))            # float32 quotient
        reluish_real = float(hires / RELUISH_SCALE)
    if not (np.isfinite(output_real) and np.isfinite(reluish_real)):
        o.unsupported(f"input scale {in_scale:.6g} and output scale {out_scale:.6g} give an "
                      f"infinite float32 multiplier")
    out_m32, out_exp = fp.quantize_multiplier_signed(output_real)
    relu_m32, relu_exp = fp.quantize_multiplier_signed(reluish_real)
    if out_exp > 0:
        o.unsupported(f"input scale / output scale = {in_scale / out_scale:.6g} is 128 or more "
                      f"(output multiplier exponent {out_exp}); TFLite-Micro requires an "
                      f"exponent <= 0")
    if relu_exp > 31:
        o.unsupported(f"input scale {in_scale:.6g} is too large for TFLite-Micro's int16 "
                      f"reluish shift (exponent {relu_exp})")
    out_m16 = fp.downscale_multiplier_to_int16(out_m32)
    relu_m16 = fp.downscale_multiplier_to_int16(relu_m32)

    table = []
    for v in INT8_VALUES:
        value = fp.wrap16(v - in_zp)
        hires_value = fp.wrap16(value * (1 << HIRES_SHIFT))        # |value| <= 255: fits
        preshift_output = fp.srdhm16(hires_value, out_m16)
        reluish = hires_value
        if relu_exp > 0:
            reluish = fp.saturating_left_shift16(reluish, relu_exp - 1)
        reluish = fp.srdhm16(reluish, relu_m16)
        if relu_exp > 0:
            reluish = fp.saturating_left_shift16(reluish, 1)
        if relu_exp < 0:
            reluish = fp.rounding_divide_by_pot16(reluish, -relu_exp)
        reluish = fp.wrap16((reluish + (1 << 15)) >> 1)              # [-1, 1] -> [0, 1]
        product = fp.sdhm16(reluish, preshift_output)
        y = fp.rounding_divide_by_pot16(product, -out_exp)
        y = fp.wrap16(y + out_zp)                                     # int16 += int32
        table.append(clamp8(y))
    return table


TABLES = {"HARD_SWISH": build}

"""ELU (int8) as TFLite-Micro computes it (elu.cc): its int8 kernel is itself a 256-entry table,
filled in float32 at Prepare: dequantize (scale * (x - zero point)), exp(x) - 1 below zero,
multiply by 1 / output_scale, round half away from zero, add the output zero point, clamp.

exp is taken in double and rounded to float32: the correctly rounded float32 exp, which the
expf of glibc (what the tflite-micro package calls on the host) returns for practically every
argument; an entry could differ only where the scaled result lies within an ulp of a rounding
tie. The tests compare every entry with TFLite-Micro.
"""

from __future__ import annotations

import math

import numpy as np

from ... import quant
from ..context import OpContext
from . import INT8_VALUES, Quantization, clamp8

_INT32_LIMIT = 2.0**31


def _expm1_f32(x: np.float32) -> np.float32:
    """float32(exp(x)) - 1.0f, the float32 arithmetic of the kernel's transform."""
    return np.float32(np.float32(math.exp(float(x))) - np.float32(1.0))


def build(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    (in_scale, in_zp), (out_scale, out_zp) = input_q, output_q
    f32 = np.float32
    table = []
    with np.errstate(over="ignore", invalid="ignore"):
        inverse_scale = f32(1.0) / f32(out_scale)
        for v in INT8_VALUES:
            dequantized = f32(in_scale) * f32(v - in_zp)
            transformed = _expm1_f32(dequantized) if dequantized < 0 else dequantized
            product = transformed * inverse_scale
            rescaled = quant.round_half_away(float(product))      # std::round(float)
            total = float(f32(rescaled) + f32(out_zp))
            # TFLite-Micro converts this float to int32 before clamping: undefined beyond int32
            if not -_INT32_LIMIT <= total < _INT32_LIMIT:
                o.unsupported(f"input value {v} maps to {total:.6g} output steps (input scale "
                              f"{in_scale:.6g}, output scale {out_scale:.6g}): beyond int32, "
                              f"where TFLite-Micro's float-to-int conversion is undefined")
            table.append(clamp8(int(total)))
    return table


TABLES = {"ELU": build}

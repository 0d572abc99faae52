"""LEAKY_RELU (int8) as TFLite-Micro computes it (leaky_relu_common.cc,
reference_ops::QuantizeLeakyRelu): x >= zero point is requantized by input_scale / output_scale,
x below it by input_scale * alpha / output_scale (both quotients in float32, then
QuantizeMultiplier); a negative alpha gives a negative multiplier, applied as its magnitude with
the result negated; plus the output zero point, clamped.
"""

from __future__ import annotations

import numpy as np

from ....tflite.options.activations import LeakyReluOptions
from ..context import OpContext
from . import INT8_VALUES, Quantization, clamp8
from . import fixedpoint as fp


def _multiplier(o: OpContext, real: float, what: str) -> tuple[int, int]:
    try:
        m, s = fp.quantize_multiplier_signed(real)
    except fp.FixedPointError:
        o.unsupported(f"{what} multiplier {real!r} is not finite")
    if s > 30:
        o.unsupported(f"{what} multiplier {real:.6g} is 2^30 or more: TFLite-Micro's "
                      f"requantization shift would be undefined")
    if m == fp.INT32_MIN:   # unreachable from float32 values; TFLite-Micro would negate it
        o.unsupported(f"{what} multiplier {real:.6g} rounds to -2^31")
    return m, s


def build(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    options = o.options(LeakyReluOptions, LeakyReluOptions())
    (in_scale, in_zp), (out_scale, out_zp) = input_q, output_q
    f32 = np.float32
    with np.errstate(over="ignore", invalid="ignore"):
        alpha_real = float((f32(in_scale) * f32(options.alpha)) / f32(out_scale))
        identity_real = float(f32(in_scale) / f32(out_scale))
    m_alpha, s_alpha = _multiplier(o, alpha_real, "alpha (input scale * alpha / output scale)")
    m_id, s_id = _multiplier(o, identity_real, "input scale / output scale")
    negative_alpha = m_alpha < 0
    table = []
    for v in INT8_VALUES:
        x = v - in_zp
        if x >= 0:
            scaled = fp.multiply_by_quantized_multiplier(x, m_id, s_id)
        else:
            scaled = fp.multiply_by_quantized_multiplier(x, abs(m_alpha), s_alpha)
            scaled = -scaled if negative_alpha else scaled
        table.append(clamp8(fp.wrap32(out_zp + scaled)))
    return table


TABLES = {"LEAKY_RELU": build}

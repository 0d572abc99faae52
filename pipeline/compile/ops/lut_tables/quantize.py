"""QUANTIZE int8 -> int8 (a requantization) as TFLite-Micro computes it (quantize_common.cc,
reference_ops::Requantize): the input less its zero point times input_scale / output_scale
(double quotient of the float32 scales, QuantizeMultiplier'd), plus the output zero point,
clamped. Other input or output types (float32 in, int16, uint8) are not lowered.
"""

from __future__ import annotations

from ... import quant
from ..context import OpContext
from . import INT8_VALUES, Quantization, clamp8
from . import fixedpoint as fp


def build(o: OpContext, input_q: Quantization, output_q: Quantization) -> list[int]:
    (in_scale, in_zp), (out_scale, out_zp) = input_q, output_q
    real = in_scale / out_scale                                       # double quotient
    multiplier, shift = quant.quantize_multiplier(real)
    if shift > 30:
        o.unsupported(f"input scale / output scale = {real:.6g} is 2^30 or more: TFLite-Micro's "
                      f"requantization shift would be undefined")
    return [clamp8(fp.wrap32(fp.multiply_by_quantized_multiplier(v - in_zp, multiplier, shift)
                             + out_zp)) for v in INT8_VALUES]


TABLES = {"QUANTIZE": build}

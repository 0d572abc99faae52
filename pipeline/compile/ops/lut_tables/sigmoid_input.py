"""The input rescaling LOGISTIC and TANH share in TFLite-Micro (int8): the input, less its zero
point, is brought to a Q4.27 value by the multiplier input_scale * 2^27, and inputs at or
beyond +-radius saturate without being rescaled."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ... import quant
from ..context import OpContext
from . import fixedpoint as fp

INPUT_INTEGER_BITS = 4     # kInputIntegerBits of both kernels: the rescaled input is Q4.27


@dataclass(frozen=True)
class SigmoidInput:
    multiplier: int        # Q0.31 in [2^30, 2^31)
    left_shift: int        # frexp's exponent of input_scale * 2^27, in [0, 62] once checked
    radius: int            # |input - zero point| >= radius saturates

    def saturated(self, x: int) -> int | None:
        """-128 or 127 when x (the input less its zero point) is at or beyond the radius (the
        lower side tested first, as TFLite-Micro does: with a radius of 0, x = 0 gives -128),
        else None."""
        if x <= -self.radius:
            return -128
        if x >= self.radius:
            return 127
        return None

    def rescale(self, x: int) -> int:
        """x in Q4.27, for |x| < radius = 15 * 2^27 / 2^left_shift: x * 2^left_shift < 2^31, and a
        radius > 0 means left_shift <= 30."""
        return fp.multiply_by_quantized_multiplier(x, self.multiplier, self.left_shift)


def sigmoid_input(o: OpContext, input_scale: float) -> SigmoidInput:
    """TFLite-Micro's Prepare: frexp(double(scale) * 2^27) -> (q, shift); the multiplier is
    round(q * 2^31) (exact: a float32 scale has 24 significant bits, so it never rounds up to
    2^31), and CalculateInputRadius(4, shift, 31) = floor(15 * 2^27 / 2^shift) in double."""
    real = input_scale * float(1 << (31 - INPUT_INTEGER_BITS))        # exact
    q, shift = math.frexp(real)
    # TFLite-Micro computes 1 << shift in 64 bits: defined for shifts 0..62 only
    if not 0 <= shift <= 62:
        o.unsupported(f"input scale {input_scale:.6g} is outside [2^-28, 2^35): TFLite-Micro's "
                      f"input radius computation (a shift by {shift}) is undefined there")
    multiplier = int(quant.round_half_away(q * 2.0**31))
    assert 2**30 <= multiplier < 2**31, multiplier
    radius = math.floor(((1 << INPUT_INTEGER_BITS) - 1) * float(1 << (31 - INPUT_INTEGER_BITS))
                        / float(1 << shift))
    return SigmoidInput(multiplier, shift, radius)

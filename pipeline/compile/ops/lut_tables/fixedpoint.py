"""Scalar Python models of the integer arithmetic behind TFLite-Micro's int8 activation kernels,
for computing their lookup tables at generation time.

Two families, each modelled on the fixed-width C types it works in (results wrap or saturate
exactly where the C does; Python ints never overflow, so every step says which it is):

- gemmlowp's ``fixedpoint.h`` (the copy TFLite-Micro builds with): saturating rounding doubling
  high multiplies, rounding divisions by powers of two, and the exp / 1/(1+x) / (1-x)/(1+x)
  approximations behind LOGISTIC and TANH, on int32 raw values; the int16 variants HARD_SWISH uses.
- TFLite's requantization (``MultiplyByQuantizedMultiplier``, double rounding) and
  ``QuantizeMultiplier`` for signed multipliers (LEAKY_RELU's alpha may be negative).

A fixed-point value "Qm" below has m integer bits: raw / 2^(31 - m) in int32 (Q0 covers [-1, 1)).
"""

from __future__ import annotations

import math

from ... import quant

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT16_MIN, INT16_MAX = -(2**15), 2**15 - 1


class FixedPointError(ValueError):
    """A value the C arithmetic would reach only through undefined behaviour; the caller names
    the op and the quantization that led there."""


def wrap32(x: int) -> int:
    """x modulo 2^32 as an int32 (two's-complement wrap, as the int32 arithmetic does in practice)."""
    return (x + 2**31) % 2**32 - 2**31


def wrap16(x: int) -> int:
    """x converted to int16_t (modulo 2^16: the implementation-defined narrowing, as compilers do it)."""
    return (x + 2**15) % 2**16 - 2**15


def _trunc_div(a: int, b: int) -> int:
    """C integer division (truncation toward zero), b > 0."""
    q = abs(a) // b
    return q if a >= 0 else -q


# ---- int32 ----

def srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul on int32: a * b / 2^31, the nudge +2^30 (or 1 - 2^30 for
    a negative product) then truncation; INT32_MIN * INT32_MIN saturates to INT32_MAX."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return _trunc_div(ab + nudge, 1 << 31)


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    """RoundingDivideByPOT on int32, 0 <= exponent <= 31: x / 2^exponent, ties away from zero."""
    mask = wrap32((1 << exponent) - 1)
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return wrap32((x >> exponent) + (1 if remainder > threshold else 0))


def saturating_rounding_multiply_by_pot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent> on int32: a saturating left shift for
    exponent > 0, a rounding right shift for exponent < 0."""
    if exponent == 0:
        return x
    if exponent < 0:
        return rounding_divide_by_pot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x << exponent


def _add(a: int, b: int) -> int:
    """FixedPoint + and - (plain int32 arithmetic; the callers' ranges never wrap)."""
    return wrap32(a + b)


def rounding_half_sum(a: int, b: int) -> int:
    """RoundingHalfSum on int32: (a + b) / 2, ties away from zero, in 64 bits."""
    s = a + b
    return _trunc_div(s + (1 if s >= 0 else -1), 2)


# exp(-2^k) in Q0 for k = -2 .. 4 (gemmlowp's barrel-shifter constants)
_EXP_OF_MINUS_POT = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                     (2, 39332535), (3, 720401), (4, 242))
_EXP_MINUS_1_8 = 1895147668     # exp(-1/8) in Q0
_ONE_THIRD = 715827883          # 1/3 in Q0
_48_OVER_17 = 1515870810        # 48/17 in Q2
_MINUS_32_OVER_17 = -1010580540  # -32/17 in Q2


def exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    """exp(a) for a in [-1/4, 0), Q0 in and out: Taylor series around -1/8 to the 4th order."""
    x = _add(a, 1 << 28)                        # + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2)
    tail = saturating_rounding_multiply_by_pot(
        _add(srdhm(_add(x4_over_4, x3), _ONE_THIRD), x2), -1)
    return _add(_EXP_MINUS_1_8, srdhm(_EXP_MINUS_1_8, _add(x, tail)))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 in Q<integer_bits>, result in Q0 (exp(0) is INT32_MAX)."""
    fractional_bits = 31 - integer_bits
    quarter = 1 << (fractional_bits - 2)
    a_mod_quarter_minus_quarter = _add(a & (quarter - 1), -quarter)
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_multiply_by_pot(a_mod_quarter_minus_quarter, integer_bits))
    remainder = _add(a_mod_quarter_minus_quarter, -a)
    for exponent, multiplier in _EXP_OF_MINUS_POT:
        if integer_bits > exponent and remainder & (1 << (fractional_bits + exponent)):
            result = srdhm(result, multiplier)
    if integer_bits > 5 and a < -(1 << (36 - integer_bits)):    # below -32
        result = 0
    return INT32_MAX if a == 0 else result


def _newton_reciprocal_of_half_denominator(a: int) -> int:
    """x ~ 1 / ((1 + a) / 2) in Q2 for a in Q0, three Newton-Raphson steps from 48/17 - 32/17 d."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = _add(_48_OVER_17, srdhm(half_denominator, _MINUS_32_OVER_17))
    for _ in range(3):
        one_minus_dx = _add(1 << 29, -srdhm(half_denominator, x))
        x = _add(x, saturating_rounding_multiply_by_pot(srdhm(x, one_minus_dx), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """1 / (1 + a), Q0 in and out."""
    return saturating_rounding_multiply_by_pot(_newton_reciprocal_of_half_denominator(a), 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """(1 - a) / (1 + a), Q0 in and out."""
    x = _newton_reciprocal_of_half_denominator(a)
    return saturating_rounding_multiply_by_pot(_add(x, -(1 << 29)), 2)


def logistic(a: int, integer_bits: int) -> int:
    """gemmlowp::logistic: 1 / (1 + exp(-a)) for a in Q<integer_bits>, result in Q0."""
    if a == 0:
        return 1 << 30
    positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs(a), integer_bits))
    return positive if a > 0 else _add(INT32_MAX, -positive)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp::tanh for a in Q<integer_bits>, result in Q0: -tanh(n) for n = -|a| is
    (1 - exp(2n)) / (1 + exp(2n)), exp taken of the same raw value read with one more integer
    bit (2n)."""
    if a == 0:
        return 0
    n = a if a < 0 else -a
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return -t if a < 0 else t


# ---- int16 (HARD_SWISH) ----

def srdhm16(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul on int16: a * b / 2^15 rounded (nudge 2^14 or
    1 - 2^14, then truncation); INT16_MIN * INT16_MIN saturates to INT16_MAX."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    return wrap16(_trunc_div(ab + nudge, 1 << 15))


def sdhm16(a: int, b: int) -> int:
    """TFLite's SaturatingDoublingHighMul on int16: as srdhm16 but truncating (no nudge)."""
    if a == b == INT16_MIN:
        return INT16_MAX
    return wrap16(_trunc_div(a * b, 1 << 15))


def rounding_divide_by_pot16(x: int, exponent: int) -> int:
    """RoundingDivideByPOT on int16, 0 <= exponent <= 31, every intermediate narrowed to int16 as
    the template does: for exponent >= 16 the mask (2^exponent - 1) narrows to -1, which makes the
    result +1 for any x >= 0 and -1 for any x < 0 (gemmlowp's behaviour, reproduced as it is)."""
    mask = wrap16((1 << exponent) - 1)
    remainder = wrap16(x & mask)
    threshold = wrap16((mask >> 1) + (1 if x < 0 else 0))
    return wrap16((x >> exponent) + (1 if remainder > threshold else 0))


def saturating_left_shift16(x: int, amount: int) -> int:
    """TFLite's SaturatingLeftShift on int16: x * 2^amount clamped to the int16 range."""
    return min(max(x * (1 << amount), INT16_MIN), INT16_MAX)


def downscale_multiplier_to_int16(multiplier: int) -> int:
    """DownScaleInt32ToInt16Multiplier: a Q0.31 multiplier (>= 0) rounded to Q0.15."""
    if multiplier >= INT32_MAX - (1 << 15):
        return INT16_MAX
    return (multiplier + (1 << 15)) >> 16


# ---- requantization ----

def multiply_by_quantized_multiplier(x: int, multiplier: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier (double rounding) for shift in [-31, 30]; the left shift
    wraps in int32 as the multiply in TFLite-Micro's code does."""
    if not -31 <= shift <= 30:
        raise FixedPointError(f"shift {shift} outside [-31, 30]")
    return quant.requantize(x, multiplier, shift)


def quantize_multiplier_signed(real: float) -> tuple[int, int]:
    """QuantizeMultiplier for any finite real, negative ones included (TFLite-Micro passes
    LEAKY_RELU's alpha through it with its sign): frexp, q * 2^31 rounded half away from zero,
    2^31 renormalised to 2^30 with the shift + 1 (only a positive q can round there; a negative
    one can reach -2^31, which stays), shifts below -31 flushed to (0, 0)."""
    if not math.isfinite(real):
        raise FixedPointError(f"multiplier {real!r} is not finite")
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(quant.round_half_away(q * 2.0**31))   # exact: a power-of-two scaling
    if q_fixed == 2**31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift

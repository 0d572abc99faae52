"""Quantization arithmetic, done once at generation time, bit-for-bit as TFLite-Micro does it.

Sign conventions (those of ``firmware/include/mcuforge_kernels.h``; ``test_sign_conventions`` in
tests/kernels/test_conventions.py fails if either side gets one backwards):

- real = scale * (q - zero_point).
- ``input_offset = -input_zero_point`` and ``filter_offset = -filter_zero_point``: *added* to each
  stored value before it is multiplied, so that ``q + offset`` is proportional to the real value.
- ``output_offset = +output_zero_point``: *added* after requantization.
- A requantization (multiplier m, shift s) computes ``x * m * 2^s / 2^31``: ``m`` is a Q0.31
  value in [2^30, 2^31) (or 0) and ``s > 0`` is a shift to the LEFT, ``s < 0`` to the right.
  ``quantize_multiplier(r)`` returns (m, s) with r ~= m * 2^(s - 31).
- Activation bounds ``(act_min, act_max)`` are in the output's quantized domain, inclusive.

Precision: TFLite stores scales as float32. The Graph holds them as Python floats with the exact
float32 values; every place below where TFLite-Micro rounds to float32 in between is marked, the
rest is float64 like the C++ ``double`` arithmetic it mirrors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..tflite.graph import Activation

INT8_MIN, INT8_MAX = -128, 127
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT16_MIN, INT16_MAX = -(2**15), 2**15 - 1
INT_RANGES = {"int8": (INT8_MIN, INT8_MAX), "int16": (INT16_MIN, INT16_MAX)}
# The 64-bit requantization of the int16 kernels (mf_multiply_by_quantized_multiplier64) shifts
# right by 15 - shift, which must stay >= 1.
REQUANT64_MAX_SHIFT = 14

# Softmax (int8): the scaled input difference is a Q5.26 value (TFLite-Micro's
# kScaledDiffIntegerBits); exp() of anything below -31 does not matter next to exp(0).
SOFTMAX_INPUT_INTEGER_BITS = 5
SOFTMAX_INT8_OUTPUT_SCALE = 1.0 / 256.0
SOFTMAX_INT8_OUTPUT_ZERO_POINT = -128


class QuantError(ValueError):
    """A scale or option that has no valid fixed-point encoding; the caller names the op."""


def _f32(x: float) -> float:
    """x rounded to float32 (the type TFLite keeps scales and option values in), as a float."""
    return float(np.float32(x))


def round_half_away(x: float) -> float:
    """std::round: to the nearest integer, halves away from zero. Exact for any double."""
    if not math.isfinite(x):
        return x
    f = math.floor(abs(x))
    r = f + (1.0 if abs(x) - f >= 0.5 else 0.0)  # abs(x) - f is exact (Sterbenz)
    return math.copysign(r, x)


def checked_log2(x: float) -> tuple[int, float]:
    """(round(log2(x)), the fractional part) as TFLite's CheckedLog2 computes them, in float32:
    log(x) * (1 / log(2)), rounded half away from zero; TFLite calls x a power of two when
    |fractional part| < 1e-3."""
    f = np.float32
    x_log2 = f(np.log(f(x))) * (f(1.0) / f(np.log(f(2.0))))
    rounded = round_half_away(float(x_log2))
    return int(rounded), float(f(x_log2) - f(rounded))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(multiplier, shift) with real ~= multiplier * 2^(shift - 31), as TFLite's QuantizeMultiplier.

    frexp splits real = q * 2^e with q in [0.5, 1); q * 2^31 is rounded half away from zero to
    the Q0.31 multiplier; a q that rounds up to exactly 2^31 becomes 2^30 with e + 1. Values so
    small that e < -31 flush to (0, 0), as does 0 itself. Shift > 0 means a left shift.
    """
    if not math.isfinite(real) or real < 0:
        raise QuantError(f"multiplier {real!r} is not a finite non-negative number")
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(round_half_away(q * 2.0**31))   # q * 2^31 is exact: a power-of-two scaling
    if q_fixed == 2**31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def requantize(x: int, multiplier: int, shift: int) -> int:
    """Python model of the C kernels' requantization (for tests and documentation): x * m * 2^s
    with the double rounding of TFLite-Micro's reference kernels (left shift wrapping in int32,
    saturating rounding doubling high multiply, rounding right shift with ties away from zero)."""
    left = max(shift, 0)
    right = max(-shift, 0)
    x = ((x << left) + 2**31) % 2**32 - 2**31            # wraps like the int32 multiply
    if x == multiplier == INT32_MIN:
        high = INT32_MAX
    else:
        ab = x * multiplier
        nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
        high = _trunc_div(ab + nudge, 2**31)
    if right == 0:
        return high
    mask = (1 << right) - 1
    remainder = high & mask
    threshold = (mask >> 1) + (1 if high < 0 else 0)
    return (high >> right) + (1 if remainder > threshold else 0)


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


# ---- effective output scales: which product TFLite-Micro rounds to float32, per op ----

def conv_effective_scale(input_scale: float, filter_scale: float, output_scale: float) -> float:
    """CONV_2D, DEPTHWISE_CONV_2D and per-channel FULLY_CONNECTED (PopulateConvolution-
    QuantizationParams and its FC twin): double(input) * double(filter) / double(output)."""
    return input_scale * filter_scale / output_scale


def fc_per_tensor_effective_scale(input_scale: float, filter_scale: float,
                                  output_scale: float) -> float:
    """Per-tensor FULLY_CONNECTED (GetQuantizedConvolutionMultipler): the product input * filter
    is taken in float32, then widened and divided by the output scale in double."""
    product = float(np.float32(input_scale) * np.float32(filter_scale))
    return product / output_scale


def fc_bias_scale_ok(input_scale: float, filter_scale: float, bias_scale: float,
                     output_scale: float) -> bool:
    """TFLite-Micro refuses a per-tensor FULLY_CONNECTED whose bias scale is not within 2 % of an
    output step of input_scale * filter_scale (a check done in double)."""
    return abs(input_scale * filter_scale - bias_scale) / output_scale <= 0.02


EffectiveScale = Callable[[float, float, float], float]


def per_channel_multipliers(input_scale: float, filter_scales: tuple[float, ...],
                            output_scale: float, channels: int,
                            effective: EffectiveScale = conv_effective_scale,
                            ) -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    """(multipliers, shifts, effective scales) for ``channels`` outputs; a single filter scale is
    broadcast to every channel as TFLite-Micro does. Raises QuantError for a shift outside
    [-31, 30] (an effective scale of 2^30 or more, which the kernels do not accept)."""
    scales = filter_scales if len(filter_scales) > 1 else filter_scales * channels
    mults = np.zeros(channels, dtype=np.int32)
    shifts = np.zeros(channels, dtype=np.int32)
    eff_all = []
    for i, fs in enumerate(scales):
        eff = effective(input_scale, fs, output_scale)
        m, s = quantize_multiplier(eff)
        if s > 30:
            raise QuantError(f"effective scale {eff:.6g} (input * filter / output) is too large "
                             f"for a 32-bit requantization")
        mults[i], shifts[i] = m, s
        eff_all.append(eff)
    return mults, shifts, tuple(eff_all)


# ---- fused activations ----

def _quantize_f32(value: float, scale: float, zero_point: int) -> int:
    """TFLite's kernel_util Quantize(): round(float32(value) / float32(scale)) in float32
    (std::round, halves away from zero), then + zero_point, in int32."""
    quotient = float(np.float32(value) / np.float32(scale))   # float32 division
    rounded = round_half_away(quotient)   # exact: a float32 value plus 0.5 fits in a double
    if not (float(INT32_MIN) <= rounded < 2.0**31):
        raise QuantError(f"activation bound {value} / scale {scale:.6g} overflows int32")
    return zero_point + int(rounded)


def activation_range(activation: Activation, scale: float, zero_point: int,
                     qmin: int = INT8_MIN, qmax: int = INT8_MAX) -> tuple[int, int]:
    """(act_min, act_max) of a fused activation in the output's quantized domain
    (CalculateActivationRangeQuantized). TANH and SIGN_BIT are not clamps: QuantError."""
    if activation is Activation.NONE:
        return qmin, qmax
    if activation is Activation.RELU:
        return max(qmin, _quantize_f32(0.0, scale, zero_point)), qmax
    if activation is Activation.RELU6:
        return (max(qmin, _quantize_f32(0.0, scale, zero_point)),
                min(qmax, _quantize_f32(6.0, scale, zero_point)))
    if activation is Activation.RELU_N1_TO_1:
        return (max(qmin, _quantize_f32(-1.0, scale, zero_point)),
                min(qmax, _quantize_f32(1.0, scale, zero_point)))
    raise QuantError(f"fused activation {activation.name} is not supported")


# ---- softmax ----

def softmax_params(beta: float, input_scale: float,
                   integer_bits: int = SOFTMAX_INPUT_INTEGER_BITS) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, diff_min) for int8 SOFTMAX
    (PreprocessSoftmaxScaling + CalculateInputRadius, double-rounding build).

    The input difference x - max (an integer in [-255, 0]) is multiplied by
    beta * input_scale * 2^(31 - integer_bits), capped at 2^31 - 1, to land in Q5.26;
    left_shift >= 0. diff_min = -floor((2^5 - 1) * 2^26 / 2^left_shift) is the most negative
    difference whose scaled value still fits in 32 bits; smaller ones count as exp() = 0.
    """
    beta = _f32(beta)   # the option is float32 in the file and in TfLiteSoftmaxParams
    real = min(beta * input_scale * float(1 << (31 - integer_bits)), float(2**31 - 1))
    if not real > 1.0:
        raise QuantError(f"beta * input scale = {beta * input_scale:.6g} is too small "
                         f"(TFLite-Micro needs beta * input_scale * 2^26 > 1)")
    multiplier, left_shift = quantize_multiplier(real)
    radius = math.floor(((1 << integer_bits) - 1) * float(1 << (31 - integer_bits))
                        / float(1 << left_shift))
    return multiplier, left_shift, -int(radius)


# ---- accumulator bound ----

def accumulator_bound(weights_abs_sum: np.ndarray, input_zero_point: int,
                      bias: np.ndarray | None, qmin: int = INT8_MIN, qmax: int = INT8_MAX) -> int:
    """The largest |accumulator| any input can produce, over the output channels:
    sum(|w + filter_offset|) * max|x - input_zero_point| + |bias|, with x in [qmin, qmax]
    (int8 by default). (Also bounds every partial sum, whatever the summation order.)"""
    max_x = max(qmax - input_zero_point, input_zero_point - qmin)
    total = weights_abs_sum.astype(np.int64) * max_x
    if bias is not None:
        total = total + np.abs(bias.astype(np.int64))
    return int(total.max()) if total.size else 0


# ---- ADD ----

# int8 ADD scales both inputs up by 2^20 before rescaling them (TFLite's left_shift for int8),
# so that the rounding of each rescaled input is far below one output step.
ADD_INT8_LEFT_SHIFT = 20
# int16 ADD and SUB scale by 2^15 (TFLite-Micro's left_shift for int16): |x| <= 2^15 keeps the
# shifted value below 2^30.
ADD_INT16_LEFT_SHIFT = 15


def multiplier_below_one(real: float, what: str) -> tuple[int, int]:
    """QuantizeMultiplierSmallerThanOneExp: (multiplier, shift) for 0 < real < 1 with shift <= 0;
    anything else (a ratio that rounds up to 1 included) is a QuantError."""
    if not 0.0 < real < 1.0:
        raise QuantError(f"{what} {real:.6g} must lie strictly between 0 and 1")
    multiplier, shift = quantize_multiplier(real)
    if shift > 0:
        raise QuantError(f"{what} {real:.6g} rounds up to 1 in fixed point")
    return multiplier, shift


@dataclass(frozen=True)
class AddRescale:
    """The fixed-point constants of an int8 ADD (CalculateOpDataAdd in TFLite-Micro)."""

    left_shift: int
    input1_multiplier: int
    input1_shift: int
    input2_multiplier: int
    input2_shift: int
    output_multiplier: int
    output_shift: int


def add_rescale(input1_scale: float, input2_scale: float, output_scale: float,
                left_shift: int = ADD_INT8_LEFT_SHIFT) -> AddRescale:
    """Both inputs are brought to the scale 2 * max(scale_1, scale_2) / 2^left_shift
    (multipliers scale_i / (2 * max) <= 1/2), then the sum to the output scale (multiplier
    2 * max / (2^left_shift * output_scale), which must be below 1: an output scale more than
    2^(left_shift - 1) times finer than the inputs' is rejected, as TFLite-Micro rejects it).
    left_shift is 20 for int8, 15 for int16. All in double, from the float32 scales, as
    TFLite-Micro computes them."""
    twice_max = 2.0 * max(input1_scale, input2_scale)
    m1, s1 = multiplier_below_one(input1_scale / twice_max, "input 1 rescale")
    m2, s2 = multiplier_below_one(input2_scale / twice_max, "input 2 rescale")
    mo, so = multiplier_below_one(
        twice_max / (float(1 << left_shift) * output_scale),
        f"output rescale 2 * max(input scales) / (2^{left_shift} * output scale)")
    return AddRescale(left_shift, m1, s1, m2, s2, mo, so)


# ---- MEAN ----

def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """(multiplier, shift) that requantize the sum of ``count`` values (zero point removed) to
    the mean in the output scale, as TFLite-Micro's QuantizedMeanOrSum folds 1 / count in:
    with (m, s) = QuantizeMultiplier(input_scale / output_scale) and k = floor(log2(count)),
    limited to 32 and to 31 + s, the multiplier is floor(m * 2^k / count) (in (m/2, m]; not
    normalised) and the shift s - k (>= -31)."""
    if count < 1:
        raise QuantError(f"mean over {count} values")
    multiplier, shift = quantize_multiplier(input_scale / output_scale)
    k = min(count.bit_length() - 1, 32, 31 + shift)
    multiplier = (multiplier << k) // count
    shift -= k
    if shift > 30:
        raise QuantError(f"input / output scale ratio {input_scale / output_scale:.6g} is too "
                         f"large for a 32-bit requantization")
    return multiplier, shift

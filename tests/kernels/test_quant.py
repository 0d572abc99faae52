"""The quantization arithmetic done once, in Python, at generation time (mcuforge.compile.quant):
multipliers and shifts, effective scales, activation ranges, softmax, ADD and MEAN rescaling.
Pure Python; the sign conventions have their own test (test_conventions.py)."""

from __future__ import annotations

import numpy as np
import pytest

from kernel_testing import NONE, RELU, RELU1, RELU6
from mcuforge.compile import quant
from mcuforge.tflite.graph import Activation

# ---------------------------------------------------------------------------------------------
# multipliers and shifts


@pytest.mark.parametrize("real,expected", [
    (0.0, (0, 0)),
    (0.5, (2**30, 0)),
    (1.0, (2**30, 1)),
    (0.25, (2**30, -1)),
    (0.75, (3 * 2**29, 0)),
    (3.0, (3 * 2**29, 2)),
    (2.0**-31, (2**30, -30)),
    (2.0**-32, (2**30, -31)),
    (2.0**-33, (0, 0)),                          # flushed: shift would be < -31
    (1 - 2.0**-46, (2**30, 1)),                  # q * 2^31 rounds to 2^31: halved, shift + 1
    (0.5 + 2.0**-32, (2**30 + 1, 0)),            # exactly half a step: rounds away from zero
    (0.5 + 2.0**-32 - 2.0**-40, (2**30, 0)),     # just below half a step
])
def test_quantize_multiplier_known_values(real, expected):
    assert quant.quantize_multiplier(real) == expected


def test_quantize_multiplier_reconstructs():
    rng = np.random.default_rng(1)
    for real in 10.0 ** rng.uniform(-9, 3, size=500):
        m, s = quant.quantize_multiplier(float(real))
        assert 2**30 <= m < 2**31
        assert abs(m * 2.0 ** (s - 31) - real) <= real * 2.0**-31


def test_effective_scale_precision_per_op():
    """Conv (and per-channel FC) multiply input and filter scales in double; per-tensor FC
    rounds that product to float32 first. With scales 1 + 2^-13 the two differ."""
    s_in, s_w, s_out = (1 + 2**-13) * 2**-6, (1 + 2**-13) * 2**-8, 2.0**-2
    conv = quant.quantize_multiplier(quant.conv_effective_scale(s_in, s_w, s_out))
    fc = quant.quantize_multiplier(quant.fc_per_tensor_effective_scale(s_in, s_w, s_out))
    assert conv == (2**30 + 2**18 + 2**4, -11)
    assert fc == (2**30 + 2**18, -11)


# ---------------------------------------------------------------------------------------------
# activation ranges


@pytest.mark.parametrize("act,scale,zp,expected", [
    (NONE, 0.1, 0, (-128, 127)),
    (RELU, 0.1, -5, (-5, 127)),
    (RELU, 0.1, -128, (-128, 127)),
    (RELU6, 0.1, -128, (-128, -68)),
    (RELU6, 0.05, 10, (10, 127)),
    (RELU6, 6 / 254.0, -127, (-127, 127)),
    (RELU1, 1 / 128.0, 0, (-128, 127)),
    (RELU1, 0.01, 3, (-97, 103)),
    (RELU6, 2.4, 0, (0, 3)),     # 6 / 2.4f is 2.4999999 in double but 2.5 in float32 -> 3
    (RELU6, 1 / 0.4, 0, (0, 2)),                       # 6 / 2.5 = 2.4 -> 2
    (RELU6, 4.0, 0, (0, 2)),                           # 1.5 rounds half away from zero
])
def test_activation_range(act, scale, zp, expected):
    assert quant.activation_range(act, float(np.float32(scale)), zp) == expected


def test_activation_range_rejects_tanh():
    with pytest.raises(quant.QuantError):
        quant.activation_range(Activation.TANH, 0.1, 0)


# ---------------------------------------------------------------------------------------------
# SOFTMAX


@pytest.mark.parametrize("beta,scale,expected", [
    # beta * scale * 2^26 = 2^26 * 0.1 -> frexp exponent 23
    (1.0, float(np.float32(0.1)), (1717986944, 23, -31 * 2**3)),
    (1.0, 1.0, (2**30, 27, -15)),
    (1.0, 64.0, (2**31 - 1, 31, 0)),                # capped at 2^31 - 1: only the max counts
])
def test_softmax_params(beta, scale, expected):
    mult, shift, diff_min = quant.softmax_params(beta, scale)
    assert (mult, shift, diff_min) == expected


def test_softmax_params_rejects_tiny_scale():
    with pytest.raises(quant.QuantError):
        quant.softmax_params(1.0, 2.0**-27)


# ---------------------------------------------------------------------------------------------
# ADD


def test_add_rescale_known_values():
    r = quant.add_rescale(0.5, 0.25, 0.5)
    # inputs: 0.5 / 1.0 = 1/2 -> (2^30, 0); 0.25 / 1.0 = 1/4 -> (2^30, -1)
    assert (r.left_shift, r.input1_multiplier, r.input1_shift) == (20, 2**30, 0)
    assert (r.input2_multiplier, r.input2_shift) == (2**30, -1)
    # output: 1.0 / (2^20 * 0.5) = 2^-19 -> (2^30, -18)
    assert (r.output_multiplier, r.output_shift) == (2**30, -18)


def test_add_rescale_rejects_output_ratio_of_one():
    with pytest.raises(quant.QuantError, match="output rescale"):
        quant.add_rescale(1.0, 1.0, 2.0**-19)
    with pytest.raises(quant.QuantError, match="rounds up to 1"):
        quant.add_rescale(1.0, 1.0, 2.0**-19 * (1 + 2.0**-40))
    quant.add_rescale(1.0, 1.0, 2.0**-19 * (1 + 2.0**-20))    # below 1: accepted


def test_add_rescale_matches_real_sum():
    """The integer pipeline of the kernel (modelled with quant.requantize) reproduces the real
    sum to within one output step."""
    s1, s2, so, z1, z2, zo = 0.05, 0.08, 0.1, -3, 10, 2
    r = quant.add_rescale(s1, s2, so)
    for x1 in (-128, -50, 0, 77, 127):
        for x2 in (-128, -1, 64, 127):
            a1 = quant.requantize((x1 - z1) << 20, r.input1_multiplier, r.input1_shift)
            a2 = quant.requantize((x2 - z2) << 20, r.input2_multiplier, r.input2_shift)
            y = quant.requantize(a1 + a2, r.output_multiplier, r.output_shift) + zo
            exact = (s1 * (x1 - z1) + s2 * (x2 - z2)) / so + zo
            assert abs(y - exact) <= 0.51, (x1, x2, y, exact)


# ---------------------------------------------------------------------------------------------
# MEAN


@pytest.mark.parametrize("in_scale,out_scale,count,expected", [
    (0.5, 0.5, 1, (2**30, 1)),                   # ratio 1 = 2^30 * 2^(1-31); k = 0
    (0.5, 0.5, 9, (2**33 // 9, -2)),             # k = 3: floor(2^30 * 8 / 9), shift 1 - 3
    (0.5, 0.5, 64, (2**30, -5)),                 # exact power of two
    (3e-8, 1.0, 256, None),                      # shift -24: k clamped to 31 - 24 = 7
])
def test_mean_multiplier(in_scale, out_scale, count, expected):
    m, s = quant.mean_multiplier(in_scale, out_scale, count)
    if expected is not None:
        assert (m, s) == expected
    else:
        m0, s0 = quant.quantize_multiplier(in_scale / out_scale)
        assert s0 == -24 and (m, s) == ((m0 << 7) // 256, -31)


def test_mean_multiplier_gives_the_mean():
    for count in (1, 3, 9, 49, 64, 100, 4096):
        m, s = quant.mean_multiplier(0.05, 0.05, count)
        for total in (-128 * count, -7 * count - 3, 0, 5 * count + count // 2, 127 * count):
            y = quant.requantize(total, m, s)
            assert abs(y - total / count) <= 0.5 + 1e-9 + 2.0 / count, (count, total, y)

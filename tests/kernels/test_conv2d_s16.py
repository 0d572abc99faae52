"""CONV_2D and DEPTHWISE_CONV_2D with int16 activations and int8 weights (TFLite "16x8"):
mcuforge.compile.ops.conv2d / depthwise_conv2d and firmware/kernels/conv2d_s16.c /
depthwise_conv2d_s16.c.

Each case is a single-op model with int16 input and output (zero point 0, as the converter
writes them), run on the host over random and extreme int16 vectors against TFLite-Micro
(kernel_testing.run_case). CONV_2D takes an int64 bias (64-bit accumulator) or an int32 one
(32-bit accumulator); TFLite-Micro's int16 depthwise kernel takes int64 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU6, SAME, VALID
from mcuforge.errors import UnsupportedModelError
from mcuforge.tflite.graph import Activation, Conv2DOptions, DepthwiseConv2DOptions, Padding


@dataclass(frozen=True)
class Conv16Case:
    id: str
    input_shape: tuple[int, int, int, int]
    out_c: int                      # depthwise: the depth multiplier is out_c // in_c
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    bias: str | None = "int64"
    bias_range: int = 100_000
    per_channel: bool = True
    filter_c: int | None = None     # CONV_2D only: < input channels is a grouped convolution
    in_scale: float = 2e-4
    scales: tuple[float, ...] | None = None
    out_scale: float | None = None
    out_factor: float = 1.0


CONV16_CASES = [
    Conv16Case("1x1_input_1x1_filter", (1, 1, 1, 1), 1, (1, 1)),
    Conv16Case("3x3_same", (1, 5, 5, 2), 4, (3, 3)),
    Conv16Case("3x3_valid", (1, 6, 5, 3), 5, (3, 3), padding=VALID),
    Conv16Case("3x2_stride2_same_asym", (1, 7, 6, 3), 4, (3, 2), stride=(2, 2)),
    Conv16Case("stride_gt_filter_valid", (1, 10, 11, 2), 3, (2, 3), stride=(4, 5),
               padding=VALID),
    Conv16Case("dilation_2x3_stride2", (1, 12, 13, 3), 2, (3, 2), stride=(2, 2),
               dilation=(2, 3)),
    Conv16Case("filter_larger_than_input_same", (1, 3, 2, 2), 3, (5, 5)),
    Conv16Case("wide_kernel_10x4_stride2", (1, 25, 10, 1), 8, (10, 4), stride=(2, 2)),
    Conv16Case("many_channels", (1, 4, 4, 32), 16, (3, 3)),
    Conv16Case("batch2", (2, 5, 4, 3), 4, (3, 3), stride=(2, 1)),
    Conv16Case("grouped_2_groups", (1, 5, 5, 4), 6, (3, 3), filter_c=2),
    Conv16Case("per_tensor_filter_scale", (1, 5, 5, 3), 4, (3, 3), per_channel=False),
    Conv16Case("no_bias", (1, 5, 5, 3), 4, (3, 3), bias=None),
    Conv16Case("int32_bias", (1, 5, 5, 3), 4, (3, 3), bias="int32"),
    Conv16Case("int32_bias_grouped", (1, 4, 4, 4), 4, (2, 2), bias="int32", filter_c=2),
    Conv16Case("huge_int64_bias", (1, 3, 3, 2), 3, (3, 3), bias_range=2**42, out_factor=5000),
    Conv16Case("relu", (1, 6, 6, 3), 4, (3, 3), act=RELU),
    Conv16Case("relu6", (1, 6, 6, 3), 4, (3, 3), act=RELU6, in_scale=1e-3, out_scale=4e-4),
    Conv16Case("saturates_both_ways", (1, 5, 5, 3), 4, (3, 3), out_factor=0.03),
    Conv16Case("mixed_channel_scales", (1, 5, 5, 2), 4, (3, 3),
               scales=(1e-5, 1e-2, 1.0, 0.25), out_scale=0.5),
    Conv16Case("multiplier_gt_1", (1, 4, 4, 2), 3, (2, 2), scales=(3.0, 50.0, 1000.0),
               in_scale=1e-3, out_scale=0.5),
    Conv16Case("tiny_effective_scale", (1, 4, 4, 2), 3, (3, 3), scales=(1e-12, 2e-9, 3e-7),
               out_scale=1.0),
]

DW16_CASES = [
    Conv16Case("dw_1x1_input", (1, 1, 1, 1), 1, (1, 1)),
    Conv16Case("dw_3x3_same", (1, 6, 6, 4), 4, (3, 3)),
    Conv16Case("dw_3x3_valid_stride2", (1, 9, 8, 3), 3, (3, 3), stride=(2, 2), padding=VALID),
    Conv16Case("dw_multiplier_2", (1, 5, 5, 3), 6, (3, 3)),
    Conv16Case("dw_multiplier_3_stride_1x2", (1, 6, 7, 2), 6, (2, 3), stride=(1, 2)),
    Conv16Case("dw_dilation2", (1, 9, 9, 2), 2, (3, 3), dilation=(2, 2)),
    Conv16Case("dw_filter_larger_than_input", (1, 2, 3, 2), 2, (5, 5)),
    Conv16Case("dw_batch2", (2, 4, 4, 3), 3, (3, 3)),
    Conv16Case("dw_per_tensor", (1, 5, 5, 4), 4, (3, 3), per_channel=False),
    Conv16Case("dw_no_bias", (1, 5, 5, 4), 4, (3, 3), bias=None),
    Conv16Case("dw_huge_bias", (1, 3, 3, 2), 2, (3, 3), bias_range=2**42, out_factor=5000),
    Conv16Case("dw_relu6", (1, 5, 5, 3), 3, (3, 3), act=RELU6, in_scale=1e-3, out_scale=4e-4),
    Conv16Case("dw_saturates", (1, 5, 5, 3), 3, (3, 3), out_factor=0.03),
    Conv16Case("dw_mixed_scales", (1, 4, 4, 3), 3, (3, 3), scales=(1e-5, 0.5, 1e-2),
               out_scale=0.5),
]


def _scales(c: Conv16Case, rng: np.random.Generator, channels: int) -> tuple[float, ...]:
    if c.scales is not None:
        return c.scales
    if c.per_channel:
        return tuple(float(s) for s in 0.004 * rng.uniform(0.5, 2.0, size=channels))
    return (0.004,)


def _bias(c: Conv16Case, rng: np.random.Generator, channels: int) -> np.ndarray | None:
    if c.bias is None:
        return None
    limit = min(c.bias_range, 2**31 - 1 if c.bias == "int32" else 2**62)
    return rng.integers(-limit, limit + 1, size=channels).astype(c.bias)


def conv16_model(c: Conv16Case) -> bytes:
    rng = kt.case_rng(c.id)
    n, h, w, in_c = c.input_shape
    k_c = c.filter_c or in_c
    kh, kw = c.kernel
    filters = rng.integers(-127, 128, size=(c.out_c, kh, kw, k_c)).astype(np.int8)
    scales = _scales(c, rng, c.out_c)
    out_scale = c.out_scale or kt.output_scale_s16(c.in_scale, float(np.median(scales)),
                                                   kh * kw * k_c, c.out_factor)
    opts = Conv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                         dilation_w=c.dilation[1], dilation_h=c.dilation[0], activation=c.act)
    return tb.conv2d_model(c.input_shape, filters, _bias(c, rng, c.out_c), (c.in_scale, 0),
                           scales, (out_scale, 0), opts, act_dtype="int16",
                           bias_dtype=c.bias or "int64")


def dw16_model(c: Conv16Case) -> bytes:
    rng = kt.case_rng(c.id)
    in_c = c.input_shape[3]
    kh, kw = c.kernel
    filters = rng.integers(-127, 128, size=(1, kh, kw, c.out_c)).astype(np.int8)
    scales = _scales(c, rng, c.out_c)
    out_scale = c.out_scale or kt.output_scale_s16(c.in_scale, float(np.median(scales)),
                                                   kh * kw, c.out_factor)
    opts = DepthwiseConv2DOptions(padding=c.padding, stride_w=c.stride[1],
                                  stride_h=c.stride[0], depth_multiplier=c.out_c // in_c,
                                  dilation_w=c.dilation[1], dilation_h=c.dilation[0],
                                  activation=c.act)
    return tb.depthwise_conv2d_model(c.input_shape, filters, _bias(c, rng, c.out_c),
                                     (c.in_scale, 0), scales, (out_scale, 0), opts,
                                     act_dtype="int16", bias_dtype=c.bias or "int64")


@pytest.mark.host
@pytest.mark.parametrize("case", CONV16_CASES, ids=lambda c: c.id)
def test_conv2d_s16(case: Conv16Case, tmp_path: Path, host_cc: str):
    kt.run_case(conv16_model(case), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("case", DW16_CASES, ids=lambda c: c.id)
def test_depthwise_conv2d_s16(case: Conv16Case, tmp_path: Path, host_cc: str):
    kt.run_case(dw16_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering checks (pure Python)


def test_lowering_conv_s16_kernels():
    call = kt.lower_op(conv16_model(CONV16_CASES[1]))
    assert (call.function, call.params.acc64) == ("mf_conv2d_s16", 1)
    assert kt.lower_op(conv16_model(Conv16Case("i32", (1, 3, 3, 1), 1, (1, 1),
                                               bias="int32"))).params.acc64 == 0
    assert kt.lower_op(dw16_model(DW16_CASES[1])).function == "mf_depthwise_conv2d_s16"


def test_lowering_s16_rejects_a_zero_point():
    b = tb.ModelBuilder()
    x = b.add_input((1, 3, 3, 1), 0.01, 5, dtype="int16")
    f = b.add_const(np.ones((1, 1, 1, 1), np.int8), scale=(0.01,), axis=0)
    y = b.add_output((1, 3, 3, 1), 0.01, 0, dtype="int16")
    b.add_operator("CONV_2D", (x, f, -1), (y,), Conv2DOptions(SAME, 1, 1))
    with pytest.raises(UnsupportedModelError, match="zero point 5; int16 activations must be"):
        kt.lower_op(b.build())


def test_lowering_dw_s16_rejects_an_int32_bias():
    c = Conv16Case("dw_i32", (1, 3, 3, 2), 2, (3, 3), bias="int32")
    with pytest.raises(UnsupportedModelError, match="int64 bias only"):
        kt.lower_op(dw16_model(c))

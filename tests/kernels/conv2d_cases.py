"""The CONV2D kernel cases shared by every backend's tests (portable: test_conv2d.py;
cmsis-nn: test_cmsis_nn_conv2d.py): the case description, the list and its single-op model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU1, RELU6, SAME, VALID
from mcuforge.tflite.graph import Activation, Conv2DOptions, Padding


@dataclass(frozen=True)
class ConvCase:
    id: str
    input_shape: tuple[int, int, int, int]
    out_c: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.05, -3)
    out_zp: int = 4
    out_factor: float = 1.0         # multiplies the output scale picked by kt.output_scale
    per_channel: bool = True
    bias: bool = True
    bias_range: int = 3000
    filter_c: int | None = None     # < input channels: grouped convolution
    weight_range: tuple[int, int] = (-127, 127)
    scales: tuple[float, ...] | None = None   # explicit filter scales
    out_scale: float | None = None            # explicit output scale


CONV_CASES = [
    ConvCase("1x1_input_1x1_filter", (1, 1, 1, 1), 1, (1, 1)),
    ConvCase("1x1_input_3x3_same", (1, 1, 1, 3), 4, (3, 3)),
    ConvCase("3x3_same", (1, 5, 5, 2), 4, (3, 3)),
    ConvCase("3x3_valid", (1, 6, 5, 3), 5, (3, 3), padding=VALID),
    ConvCase("3x2_stride2_same_asym", (1, 7, 6, 3), 4, (3, 2), stride=(2, 2)),
    ConvCase("4x4_stride2_same_asym", (1, 8, 9, 2), 3, (4, 4), stride=(2, 2)),
    ConvCase("5x5_stride3_same", (1, 8, 8, 4), 6, (5, 5), stride=(3, 3)),
    ConvCase("2x2_stride_1x3_valid", (1, 9, 10, 2), 3, (2, 2), stride=(1, 3), padding=VALID),
    ConvCase("stride_gt_filter_1x1", (1, 7, 7, 3), 4, (1, 1), stride=(2, 2)),
    ConvCase("stride_gt_filter_same", (1, 10, 11, 2), 3, (2, 2), stride=(3, 4)),
    ConvCase("stride_gt_filter_valid", (1, 10, 11, 2), 3, (2, 3), stride=(4, 5), padding=VALID),
    ConvCase("dilation2_same", (1, 9, 9, 2), 3, (3, 3), dilation=(2, 2)),
    ConvCase("dilation2_valid", (1, 9, 8, 2), 3, (3, 3), dilation=(2, 2), padding=VALID),
    ConvCase("dilation_2x3_stride2", (1, 12, 13, 3), 2, (3, 2), stride=(2, 2), dilation=(2, 3)),
    ConvCase("filter_larger_than_input_same", (1, 3, 2, 2), 3, (5, 5)),
    ConvCase("wide_kernel_1x10_ds_cnn", (1, 49, 10, 1), 8, (10, 4), stride=(2, 2)),
    ConvCase("many_channels", (1, 4, 4, 32), 16, (3, 3)),
    ConvCase("pointwise_1x1", (1, 6, 6, 24), 12, (1, 1)),
    ConvCase("batch2", (2, 5, 4, 3), 4, (3, 3), stride=(2, 1)),
    ConvCase("grouped_2_groups", (1, 5, 5, 4), 6, (3, 3), filter_c=2),
    ConvCase("per_tensor_filter_scale", (1, 5, 5, 3), 4, (3, 3), per_channel=False),
    ConvCase("no_bias", (1, 5, 5, 3), 4, (3, 3), bias=False),
    ConvCase("huge_bias", (1, 4, 4, 2), 3, (3, 3), bias_range=2_000_000, out_factor=30),
    ConvCase("relu", (1, 6, 6, 3), 4, (3, 3), act=RELU, out_zp=-20),
    ConvCase("relu6", (1, 6, 6, 3), 4, (3, 3), act=RELU6, in_q=(0.1, 5), out_zp=-100,
             out_scale=0.03),
    ConvCase("relu_n1_to_1", (1, 6, 6, 3), 4, (3, 3), act=RELU1, out_zp=10, out_scale=0.011),
    ConvCase("relu6_zp127_clamps_all", (1, 4, 4, 2), 2, (3, 3), act=RELU6, out_zp=127),
    ConvCase("relu_zp_minus128", (1, 4, 4, 2), 2, (3, 3), act=RELU, out_zp=-128),
    ConvCase("input_zp_minus128", (1, 5, 5, 3), 4, (3, 3), in_q=(0.02, -128), out_zp=0),
    ConvCase("input_zp_127", (1, 5, 5, 3), 4, (3, 3), in_q=(0.02, 127), out_zp=-128),
    ConvCase("output_zp_127", (1, 5, 5, 3), 4, (3, 3), out_zp=127),
    ConvCase("weights_minus128", (1, 5, 5, 3), 4, (3, 3), weight_range=(-128, 127)),
    ConvCase("multiplier_gt_1", (1, 4, 4, 2), 3, (2, 2), out_factor=1 / 2000.0),
    ConvCase("multiplier_gt_1_saturating", (1, 4, 4, 2), 3, (2, 2), scales=(3.0, 50.0, 1000.0),
             out_scale=0.5),
    ConvCase("tiny_effective_scale_flushes_to_0", (1, 4, 4, 2), 3, (3, 3),
             scales=(1e-12, 2e-9, 3e-7), out_scale=1.0),
    ConvCase("mixed_channel_scales", (1, 5, 5, 2), 4, (3, 3),
             scales=(1e-5, 1e-2, 1.0, 0.25), out_scale=0.5),
    ConvCase("multiplier_rounds_up_to_2pow31", (1, 4, 4, 2), 2, (1, 1),
             in_q=((1 + 2**-23) * 2**-4, 0), scales=((1 - 2**-23) * 2**-7, 2**-7),
             out_scale=2**-11),
]


def conv_model(c: ConvCase) -> bytes:
    """The single-op model of case ``c``, its data seeded from the case id."""
    rng = kt.case_rng(c.id)
    n, h, w, in_c = c.input_shape
    k_c = c.filter_c or in_c
    kh, kw = c.kernel
    lo, hi = c.weight_range
    filters = rng.integers(lo, hi + 1, size=(c.out_c, kh, kw, k_c)).astype(np.int8)
    if c.scales is not None:
        scales = c.scales
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.004 * rng.uniform(0.5, 2.0, size=c.out_c))
    else:
        scales = (0.004,)
    out_scale = c.out_scale or kt.output_scale(c.in_q[0], float(np.median(scales)),
                                               kh * kw * k_c, c.out_factor)
    bias = (rng.integers(-c.bias_range, c.bias_range + 1, size=c.out_c).astype(np.int32)
            if c.bias else None)
    opts = Conv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                         dilation_w=c.dilation[1], dilation_h=c.dilation[0], activation=c.act)
    return tb.conv2d_model(c.input_shape, filters, bias, c.in_q, scales, (out_scale, c.out_zp),
                           opts)


def conv_left_shift_wraps() -> bytes:
    """Effective scale 1000 (shift 10) with accumulators around 2^21..2^23: acc * 2^10 leaves
    int32 and wraps in TFLite-Micro's requantization; the C must wrap the same way."""
    bias = np.array([2**21 + 5, 3 * 2**21 + 77, -(2**22) - 3, 2**23 + 2**20 + 9], np.int32)
    filters = np.array([1, -1, 2, 0], np.int8).reshape(4, 1, 1, 1)
    return tb.conv2d_model((1, 1, 1, 1), filters, bias, (0.05, 0), (1000.0,), (0.05, 0),
                           Conv2DOptions(SAME, 1, 1))


def conv_output_offset_wraps() -> bytes:
    """Multiplier 2^31 - 1 (scales (1 + 160 * 2^-23) * (1 - 160 * 2^-23)), zero weights and a bias
    of 2^31 - 100: the requantized value plus the output zero point 127 leaves int32, wraps
    negative in TFLite-Micro and clamps to -128; one step further from the edge it gives 127."""
    bias = np.array([2**31 - 100, 2**31 - 200, 2**31 - 1000], np.int32)
    return tb.conv2d_model((1, 1, 1, 1), np.zeros((3, 1, 1, 1), np.int8), bias,
                           (1 + 160 * 2**-23, 0), (1 - 160 * 2**-23,), (1.0, 127),
                           Conv2DOptions(SAME, 1, 1))


# the two int32 wrap-arounds of TFLite-Micro's requantization that every backend must reproduce
WRAPPING = [conv_left_shift_wraps, conv_output_offset_wraps]

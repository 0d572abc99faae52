"""The DEPTHWISE_CONV2D kernel cases shared by every backend's tests (portable: test_depthwise_conv2d.py;
cmsis-nn: test_cmsis_nn_depthwise_conv2d.py): the case description, the list and its single-op model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU1, RELU6, SAME, VALID
from mcuforge.tflite.graph import Activation, DepthwiseConv2DOptions, Padding


@dataclass(frozen=True)
class DwCase:
    id: str
    input_shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    multiplier: int = 1
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.04, 7)
    out_zp: int = -5
    out_factor: float = 1.0
    per_channel: bool = True
    bias: bool = True
    scales: tuple[float, ...] | None = None
    out_scale: float | None = None


DW_CASES = [
    DwCase("1x1_input_3x3", (1, 1, 1, 4), (3, 3)),
    DwCase("3x3_same", (1, 6, 6, 4), (3, 3)),
    DwCase("3x3_valid", (1, 6, 7, 3), (3, 3), padding=VALID),
    DwCase("3x3_stride2_same_asym", (1, 7, 8, 5), (3, 3), stride=(2, 2)),
    DwCase("4x2_stride2_same", (1, 9, 6, 2), (4, 2), stride=(2, 2)),
    DwCase("stride_gt_filter", (1, 10, 10, 3), (2, 2), stride=(3, 3)),
    DwCase("stride_gt_filter_valid", (1, 10, 9, 3), (1, 2), stride=(4, 3), padding=VALID),
    DwCase("dilation2_same", (1, 9, 9, 3), (3, 3), dilation=(2, 2)),
    DwCase("dilation_3x2_valid", (1, 11, 9, 2), (3, 3), dilation=(3, 2), padding=VALID),
    DwCase("depth_multiplier2", (1, 5, 5, 3), (3, 3), multiplier=2),
    DwCase("depth_multiplier3_stride2", (1, 7, 7, 2), (3, 3), multiplier=3, stride=(2, 2)),
    DwCase("depth_multiplier4_from_1_channel", (1, 6, 6, 1), (3, 3), multiplier=4),
    DwCase("many_channels", (1, 5, 5, 64), (3, 3)),
    DwCase("ds_cnn_like", (1, 25, 5, 16), (3, 3)),
    DwCase("batch2", (2, 5, 5, 3), (3, 3), stride=(1, 2)),
    DwCase("per_tensor_filter_scale", (1, 5, 5, 4), (3, 3), per_channel=False),
    DwCase("no_bias", (1, 5, 5, 4), (3, 3), bias=False),
    DwCase("relu", (1, 5, 5, 4), (3, 3), act=RELU, out_zp=-60),
    DwCase("relu6", (1, 5, 5, 4), (3, 3), act=RELU6, out_zp=-128, out_scale=0.02),
    DwCase("relu_n1_to_1", (1, 5, 5, 4), (3, 3), act=RELU1, out_zp=3, out_scale=0.005),
    DwCase("input_zp_minus128", (1, 5, 5, 4), (3, 3), in_q=(0.02, -128)),
    DwCase("input_zp_127", (1, 5, 5, 4), (3, 3), in_q=(0.02, 127), out_zp=127),
    DwCase("multiplier_gt_1", (1, 4, 4, 3), (2, 2), scales=(2.0, 40.0, 0.5), out_scale=0.25),
    DwCase("tiny_scales", (1, 4, 4, 3), (3, 3), scales=(1e-11, 1e-6, 1e-3), out_scale=0.1),
]


def dw_model(c: DwCase) -> bytes:
    """The single-op model of case ``c``, its data seeded from the case id."""
    rng = kt.case_rng(c.id)
    n, h, w, in_c = c.input_shape
    kh, kw = c.kernel
    out_c = in_c * c.multiplier
    filters = rng.integers(-127, 128, size=(1, kh, kw, out_c)).astype(np.int8)
    if c.scales is not None:
        scales = tuple(np.resize(np.array(c.scales), out_c).tolist())
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.01 * rng.uniform(0.5, 2.0, size=out_c))
    else:
        scales = (0.01,)
    out_scale = c.out_scale or kt.output_scale(c.in_q[0], float(np.median(scales)), kh * kw,
                                               c.out_factor)
    bias = rng.integers(-2000, 2001, size=out_c).astype(np.int32) if c.bias else None
    opts = DepthwiseConv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                                  depth_multiplier=c.multiplier, dilation_w=c.dilation[1],
                                  dilation_h=c.dilation[0], activation=c.act)
    return tb.depthwise_conv2d_model(c.input_shape, filters, bias, c.in_q, scales,
                                     (out_scale, c.out_zp), opts)

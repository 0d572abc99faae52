"""The FULLY_CONNECTED kernel cases shared by every backend's tests (portable: test_fully_connected.py;
cmsis-nn: test_cmsis_nn_fully_connected.py): the case description, the list and its single-op model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU1, RELU6
from mcuforge.tflite.graph import Activation, FullyConnectedOptions


@dataclass(frozen=True)
class FcCase:
    id: str
    input_shape: tuple[int, ...]
    units: int
    keep_num_dims: bool = False
    act: Activation = NONE
    in_q: tuple[float, int] = (0.03, -10)
    out_zp: int = 2
    out_factor: float = 1.0
    per_channel: bool = False
    bias: bool = True
    filter_zp: int = 0
    scales: tuple[float, ...] | None = None
    out_scale: float | None = None


FC_CASES = [
    FcCase("1_to_1", (1, 1), 1),
    FcCase("basic", (1, 16), 8),
    FcCase("from_4d_input", (1, 2, 3, 4), 5),
    FcCase("keep_num_dims_3d", (1, 3, 8), 4, keep_num_dims=True),
    FcCase("batch3", (3, 10), 6),
    FcCase("deep_1024", (1, 1024), 12),
    FcCase("wide_64_units", (1, 20), 64),
    FcCase("per_channel", (1, 32), 10, per_channel=True),
    FcCase("per_channel_batch2", (2, 12), 7, per_channel=True),
    FcCase("no_bias", (1, 16), 8, bias=False),
    FcCase("relu", (1, 16), 8, act=RELU, out_zp=-30),
    FcCase("relu6", (1, 16), 8, act=RELU6, out_zp=-128, out_scale=0.04),
    FcCase("relu_n1_to_1", (1, 16), 8, act=RELU1, out_zp=0, out_scale=0.01),
    FcCase("input_zp_minus128", (1, 24), 6, in_q=(0.01, -128)),
    FcCase("input_zp_127", (1, 24), 6, in_q=(0.01, 127), out_zp=-128),
    FcCase("output_zp_127", (1, 24), 6, out_zp=127),
    FcCase("multiplier_gt_1", (1, 6), 4, scales=(8.0,), out_scale=0.5),
    FcCase("multiplier_gt_1_per_channel", (1, 6), 3, per_channel=True,
           scales=(8.0, 0.001, 300.0), out_scale=0.5),
    FcCase("tiny_scale", (1, 16), 4, scales=(1e-10,), out_scale=1.0),
    FcCase("float32_product_matters", (1, 40), 5, in_q=((1 + 2**-13) * 2**-6, 3),
           scales=((1 + 2**-13) * 2**-8,), out_scale=2**-2),
    FcCase("weights_zero_point_per_tensor", (1, 16), 8, filter_zp=-7),
]


def fc_model(c: FcCase) -> bytes:
    """The single-op model of case ``c``, its data seeded from the case id."""
    rng = kt.case_rng(c.id)
    # keep_num_dims keeps every leading dimension; otherwise the first one is the batch
    depth = c.input_shape[-1] if c.keep_num_dims else int(np.prod(c.input_shape[1:]))
    weights = rng.integers(-127, 128, size=(c.units, depth)).astype(np.int8)
    if c.scales is not None:
        scales = c.scales
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.005 * rng.uniform(0.5, 2.0, size=c.units))
    else:
        scales = (0.005,)
    out_scale = c.out_scale or kt.output_scale(c.in_q[0], float(np.median(scales)), depth,
                                               c.out_factor)
    bias = rng.integers(-3000, 3001, size=c.units).astype(np.int32) if c.bias else None
    opts = FullyConnectedOptions(activation=c.act, keep_num_dims=c.keep_num_dims)
    return tb.fully_connected_model(c.input_shape, weights, bias, c.in_q, scales,
                                    (out_scale, c.out_zp), opts, filter_zero_point=c.filter_zp)

"""FULLY_CONNECTED with int16 activations and int8 weights (TFLite "16x8"):
mcuforge.compile.ops.fully_connected and firmware/kernels/fully_connected_s16.c.

Each case is a single-op model with int16 input and output, run on the host over random and
extreme int16 vectors against TFLite-Micro (kernel_testing.run_case). The bias is int64 (the
converter's default for 16x8: a 64-bit accumulator) or int32 (a 32-bit accumulator).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU6
from mcuforge.errors import UnsupportedModelError
from mcuforge.tflite.graph import Activation, FullyConnectedOptions


@dataclass(frozen=True)
class Fc16Case:
    id: str
    input_shape: tuple[int, ...]
    units: int
    bias: str | None = "int64"      # bias dtype, None: no bias
    per_channel: bool = False
    act: Activation = NONE
    in_scale: float = 1e-3
    keep_num_dims: bool = False
    bias_range: int = 40_000
    scales: tuple[float, ...] | None = None
    out_scale: float | None = None
    out_factor: float = 1.0


FC16_CASES = [
    Fc16Case("1_to_1", (1, 1), 1),
    Fc16Case("basic", (1, 16), 8),
    Fc16Case("from_4d_input", (1, 2, 3, 4), 5),
    Fc16Case("keep_num_dims_3d", (1, 3, 8), 4, keep_num_dims=True),
    Fc16Case("batch3", (3, 10), 6),
    Fc16Case("deep_1024", (1, 1024), 12),
    Fc16Case("per_channel", (1, 32), 10, per_channel=True),
    Fc16Case("per_channel_batch2", (2, 12), 7, per_channel=True),
    Fc16Case("no_bias", (1, 16), 8, bias=None),
    Fc16Case("no_bias_per_channel", (1, 16), 8, bias=None, per_channel=True),
    # its multiplier differs between a float32 and a double input * filter product
    Fc16Case("int32_bias", (1, 16), 8, bias="int32"),
    Fc16Case("float32_product_matters", (1, 40), 5, bias="int32",
             in_scale=(1 + 2**-13) * 2**-6, scales=((1 + 2**-13) * 2**-8,), out_scale=2**-2),
    Fc16Case("int32_bias_per_channel", (1, 24), 6, bias="int32", per_channel=True),
    Fc16Case("huge_int64_bias", (1, 8), 4, bias_range=2**40, out_factor=3000),
    Fc16Case("relu", (1, 16), 8, act=RELU),
    Fc16Case("relu6", (1, 16), 8, act=RELU6, out_scale=3e-4),
    Fc16Case("saturates_both_ways", (1, 16), 8, out_factor=0.05),
    Fc16Case("multiplier_gt_1", (1, 6), 4, scales=(8.0,), in_scale=0.01, out_scale=0.5),
    Fc16Case("multiplier_gt_1_per_channel", (1, 6), 3, per_channel=True,
             scales=(8.0, 0.001, 30.0), in_scale=0.01, out_scale=0.5),
    Fc16Case("multiplier_near_2pow31", (1, 4), 2, scales=((1 - 2**-20) * 2**-7,), in_scale=2**-4,
             out_scale=2**-11),
    Fc16Case("tiny_scale", (1, 16), 4, scales=(1e-12,), out_scale=1.0),
]


def fc16_model(c: Fc16Case) -> bytes:
    rng = kt.case_rng(c.id)
    depth = c.input_shape[-1] if c.keep_num_dims else int(np.prod(c.input_shape[1:]))
    weights = rng.integers(-127, 128, size=(c.units, depth)).astype(np.int8)
    if c.scales is not None:
        scales = c.scales
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.005 * rng.uniform(0.5, 2.0, size=c.units))
    else:
        scales = (0.005,)
    out_scale = c.out_scale or kt.output_scale_s16(c.in_scale, float(np.median(scales)), depth,
                                                   c.out_factor)
    bias = None
    if c.bias is not None:
        limit = min(c.bias_range, 2**31 - 1 if c.bias == "int32" else 2**62)
        bias = rng.integers(-limit, limit + 1, size=c.units).astype(c.bias)
    opts = FullyConnectedOptions(activation=c.act, keep_num_dims=c.keep_num_dims)
    return tb.fully_connected_model(c.input_shape, weights, bias, (c.in_scale, 0), scales,
                                    (out_scale, 0), opts, act_dtype="int16",
                                    bias_dtype=c.bias or "int32")


@pytest.mark.host
@pytest.mark.parametrize("case", FC16_CASES, ids=lambda c: c.id)
def test_fully_connected_s16(case: Fc16Case, tmp_path: Path, host_cc: str):
    kt.run_case(fc16_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering checks (pure Python)


def test_lowering_fc_s16_uses_the_int16_kernel():
    call = kt.lower_op(fc16_model(FC16_CASES[1]))
    assert call.function == "mf_fully_connected_s16" and call.params.acc64 == 1
    call = kt.lower_op(fc16_model(Fc16Case("i32", (1, 16), 8, bias="int32")))
    assert call.params.acc64 == 0


def test_lowering_fc_s16_rejects_int32_accumulator_overflow():
    # 1024 weights of 127 times |x| up to 32768 exceed 2^31 in TFLite-Micro's int32 accumulator
    model = tb.fully_connected_model((1, 1024), np.full((2, 1024), 127, np.int8),
                                     np.zeros(2, np.int32), (1e-3, 0), (0.005,), (1.0, 0),
                                     FullyConnectedOptions(), act_dtype="int16",
                                     bias_dtype="int32")
    with pytest.raises(UnsupportedModelError, match="32-bit accumulation"):
        kt.lower_op(model)


def test_lowering_fc_rejects_mixed_int8_int16():
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0, dtype="int16")
    w = b.add_const(np.ones((2, 4), np.int8), scale=0.01)
    y = b.add_output((1, 2), 0.1, 0)
    b.add_operator("FULLY_CONNECTED", (x, w, -1), (y,), FullyConnectedOptions())
    with pytest.raises(UnsupportedModelError, match="output tensor 'output' is int8"):
        kt.lower_op(b.build())

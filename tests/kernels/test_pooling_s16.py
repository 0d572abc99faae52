"""AVERAGE_POOL_2D and MAX_POOL_2D of int16 tensors (TFLite "16x8"):
mcuforge.compile.ops.pooling and the _s16 functions of firmware/kernels/pooling.c, run on the host against
TFLite-Micro (kernel_testing.run_case) over random and extreme int16 vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU6, SAME, VALID
from mcuforge.tflite.graph import Pool2DOptions

Q16 = (1e-3, 0)

CASES = [
    # (id, input shape, padding, stride (h, w), filter (h, w), activation, scale)
    ("2x2_stride2_valid", (1, 6, 6, 3), VALID, (2, 2), (2, 2), NONE, Q16[0]),
    ("3x3_stride2_same_asym", (1, 7, 6, 2), SAME, (2, 2), (3, 3), NONE, Q16[0]),
    ("3x3_stride1_same_edges", (1, 5, 5, 4), SAME, (1, 1), (3, 3), NONE, Q16[0]),
    ("global_5x4", (1, 5, 4, 6), VALID, (1, 1), (5, 4), NONE, Q16[0]),
    ("wide_1x3_stride_1x3", (2, 3, 9, 2), VALID, (1, 3), (1, 3), NONE, Q16[0]),
    ("relu", (1, 4, 4, 3), SAME, (2, 2), (2, 2), RELU, Q16[0]),
    ("relu6", (1, 4, 4, 3), SAME, (2, 2), (2, 2), RELU6, 3e-4),
]


@pytest.mark.host
@pytest.mark.parametrize("kind", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_pooling_s16(kind: str, case, tmp_path: Path, host_cc: str):
    _, shape, padding, stride, window, act, scale = case
    options = Pool2DOptions(padding, stride_w=stride[1], stride_h=stride[0], filter_w=window[1],
                            filter_h=window[0], activation=act)
    kt.run_case(tb.pool2d_model(kind, shape, (scale, 0), options, dtype="int16"), tmp_path)


def test_lowering_pooling_s16():
    options = Pool2DOptions(VALID, 2, 2, 2, 2)
    model = tb.pool2d_model("AVERAGE_POOL_2D", (1, 4, 4, 1), Q16, options, dtype="int16")
    call = kt.lower_op(model)
    assert (call.kernel, call.function) == ("pooling", "mf_avg_pool2d_s16")
    assert (call.params.act_min, call.params.act_max) == (-32768, 32767)

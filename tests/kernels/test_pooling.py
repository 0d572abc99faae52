"""AVERAGE_POOL_2D and MAX_POOL_2D: mcuforge.compile.ops.pooling and firmware/kernels/pooling.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU1, RELU6, SAME, VALID
from mcuforge.errors import UnsupportedModelError
from mcuforge.tflite.graph import Activation, Padding, Pool2DOptions


@dataclass(frozen=True)
class PoolCase:
    id: str
    kind: str
    input_shape: tuple[int, int, int, int]
    filter: tuple[int, int]
    stride: tuple[int, int]
    padding: Padding = VALID
    act: Activation = NONE
    q: tuple[float, int] = (0.05, -2)


AVG, MAX = "AVERAGE_POOL_2D", "MAX_POOL_2D"
POOL_CASES = [
    PoolCase(f"{kind[:3].lower()}_{name}", kind, shape, flt, stride, pad, act, q)
    for kind in (AVG, MAX)
    for name, shape, flt, stride, pad, act, q in [
        ("2x2_s2_valid", (1, 8, 8, 3), (2, 2), (2, 2), VALID, NONE, (0.05, -2)),
        ("3x3_s1_same", (1, 6, 7, 2), (3, 3), (1, 1), SAME, NONE, (0.05, -2)),
        ("3x3_s2_same_asym", (1, 8, 9, 4), (3, 3), (2, 2), SAME, NONE, (0.05, -2)),
        ("global_25x5", (1, 25, 5, 8), (25, 5), (1, 1), VALID, NONE, (0.1, 0)),
        ("stride_gt_filter", (1, 10, 11, 2), (2, 2), (3, 4), SAME, NONE, (0.05, -2)),
        ("window_larger_than_input_same", (1, 3, 2, 3), (5, 4), (2, 2), SAME, NONE, (0.05, 5)),
        ("1x1_input", (1, 1, 1, 5), (1, 1), (1, 1), VALID, NONE, (0.05, 0)),
        ("relu_zp_minus128", (1, 6, 6, 3), (2, 2), (2, 2), VALID, RELU, (0.02, -128)),
        ("relu6_zp127", (1, 6, 6, 3), (3, 3), (1, 1), SAME, RELU6, (0.05, 127)),
        ("relu6", (1, 6, 6, 3), (3, 3), (2, 1), SAME, RELU6, (0.03, -100)),
        ("relu_n1_to_1", (1, 6, 6, 3), (2, 3), (1, 2), SAME, RELU1, (0.01, 20)),
        ("relu6_float32_rounding", (1, 4, 4, 3), (2, 2), (1, 1), SAME, RELU6, (2.4, 0)),
        ("batch2", (2, 5, 5, 2), (2, 2), (1, 1), VALID, NONE, (0.05, -2)),
    ]
]


@pytest.mark.host
@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: c.id)
def test_pool2d(case: PoolCase, tmp_path: Path, host_cc: str):
    opts = Pool2DOptions(padding=case.padding, stride_w=case.stride[1], stride_h=case.stride[0],
                         filter_w=case.filter[1], filter_h=case.filter[0], activation=case.act)
    kt.run_case(tb.pool2d_model(case.kind, case.input_shape, case.q, opts), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering checks (pure Python)


def test_lowering_pool_rejects_requantization():
    opts = Pool2DOptions(VALID, 2, 2, 2, 2)
    with pytest.raises(UnsupportedModelError, match="quantization differ"):
        kt.lower_op(tb.pool2d_model(AVG, (1, 4, 4, 1), (0.1, 0), opts, output_q=(0.2, 0)))

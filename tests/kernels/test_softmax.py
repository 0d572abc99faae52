"""SOFTMAX: mcuforge.compile.ops.softmax and firmware/kernels/softmax.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.errors import UnsupportedModelError


@dataclass(frozen=True)
class SoftmaxCase:
    id: str
    shape: tuple[int, ...]
    in_q: tuple[float, int]
    beta: float = 1.0


SOFTMAX_CASES = [
    SoftmaxCase("depth1", (1, 1), (0.1, 0)),
    SoftmaxCase("depth2", (1, 2), (0.1, 3)),
    SoftmaxCase("kws_12", (1, 12), (0.1, -20)),
    SoftmaxCase("depth_10_scale_1_over_16", (1, 10), (1 / 16, -128)),
    SoftmaxCase("depth_100_small_scale", (1, 100), (0.01, 127)),
    SoftmaxCase("depth_300", (1, 300), (0.05, 0)),
    SoftmaxCase("large_scale_shift_27", (1, 16), (1.0, 0)),
    SoftmaxCase("huge_scale_capped_multiplier", (1, 16), (40.0, 0)),
    SoftmaxCase("tiny_scale", (1, 16), (2e-6, 0)),
    SoftmaxCase("beta_0_5", (1, 20), (0.2, 1), beta=0.5),
    SoftmaxCase("beta_2_5", (1, 20), (0.2, 1), beta=2.5),
    SoftmaxCase("rows_3d", (1, 4, 9), (0.08, -7)),
    SoftmaxCase("rows_4d", (1, 3, 2, 6), (0.15, 0)),
    SoftmaxCase("rows16_depth64", (1, 16, 64), (0.1, 0)),
    SoftmaxCase("rows8_depth32_scale_0_3", (1, 8, 32), (0.3, 0)),
    # 511 values of exp() <= 1 keep the sum below 512, the most TFLite-Micro accepts
    SoftmaxCase("depth511_largest_safe", (1, 511), (0.02, 0)),
]


@pytest.mark.host
@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=lambda c: c.id)
def test_softmax(case: SoftmaxCase, tmp_path: Path, host_cc: str):
    kt.run_case(tb.softmax_model(case.shape, case.in_q, case.beta), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_softmax_rejects_output_quantization():
    with pytest.raises(UnsupportedModelError, match="1/256"):
        kt.lower_op(tb.softmax_model((1, 10), (0.1, 0), output_q=(1 / 255.0, -128)))


def test_lowering_softmax_params():
    call = kt.lower_op(tb.softmax_model((1, 3, 10), (1.0, 0)))
    p = call.params
    assert call.kernel == "softmax" and call.params_type == "mf_softmax_params"
    assert (p.rows, p.depth) == (3, 10)
    assert p.input_multiplier == 2**30
    assert (p.input_left_shift, p.diff_min) == (27, -15)

"""SOFTMAX on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.softmax and
firmware/kernels/cmsis_nn/softmax.c (arm_softmax_s8), on the portable kernel tests' cases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import cmsis_testing as ct
import tflite_builder as tb


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
    SoftmaxCase("depth511_largest_safe", (1, 511), (0.02, 0)),
    SoftmaxCase("depth_10_resnet", (1, 10), (0.14, 30)),
    SoftmaxCase("rows2_depth7_batch", (2, 7), (0.12, -3)),
]


def softmax_model(c: SoftmaxCase) -> bytes:
    return tb.softmax_model(c.shape, c.in_q, c.beta)


@pytest.mark.host
@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=lambda c: c.id)
def test_softmax(case: SoftmaxCase, tmp_path: Path, host_cc: str):
    program = ct.run_case(softmax_model(case), tmp_path)
    assert program.calls[0].function == "mf_cmsis_softmax_s8"
    assert program.calls[0].scratch_bytes == 0


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=lambda c: c.id)
def test_softmax_on_board(case: SoftmaxCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(softmax_model(case), tmp_path, board, monkeypatch)

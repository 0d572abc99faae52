"""AVERAGE_POOL_2D and MAX_POOL_2D on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.pooling
and firmware/kernels/cmsis_nn/pooling.c (arm_avgpool_s8, arm_max_pool_s8).

The portable kernel tests' cases plus channel counts around CMSIS-NN's 4- and 16-channel blocks
and windows clipped by the padding on every side (the average counts only the in-bounds part).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import cmsis_testing as ct
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU1, RELU6, SAME, VALID
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
        # the portable kernel's cases
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
        # CMSIS-NN's channel blocks, clipped windows
        ("c16_3x3_s2_same", (1, 7, 7, 16), (3, 3), (2, 2), SAME, NONE, (0.05, -2)),
        ("c17_2x2_s2", (1, 6, 6, 17), (2, 2), (2, 2), VALID, NONE, (0.05, 3)),
        ("c33_5x5_same_clipped", (1, 5, 6, 33), (5, 5), (1, 1), SAME, NONE, (0.05, -2)),
        ("c1_4x4_s3_same", (1, 10, 9, 1), (4, 4), (3, 3), SAME, NONE, (0.05, -2)),
        ("global_5x5x24", (1, 5, 5, 24), (5, 5), (5, 5), VALID, NONE, (0.1, -128)),
        ("c5_batch3_relu", (3, 4, 4, 5), (3, 3), (1, 1), SAME, RELU, (0.05, -3)),
    ]
]


def pool_model(case: PoolCase) -> bytes:
    opts = Pool2DOptions(padding=case.padding, stride_w=case.stride[1], stride_h=case.stride[0],
                         filter_w=case.filter[1], filter_h=case.filter[0], activation=case.act)
    return tb.pool2d_model(case.kind, case.input_shape, case.q, opts)


@pytest.mark.host
@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: c.id)
def test_pool2d(case: PoolCase, tmp_path: Path, host_cc: str):
    program = ct.run_case(pool_model(case), tmp_path)
    assert program.calls[0].function == {AVG: "mf_cmsis_avg_pool2d_s8",
                                         MAX: "mf_cmsis_max_pool2d_s8"}[case.kind]


BOARD_CASES = [c for c in POOL_CASES if c.id.split("_", 1)[1] in {
    "2x2_s2_valid", "3x3_s2_same_asym", "global_25x5", "window_larger_than_input_same",
    "relu6_zp127", "relu_n1_to_1", "batch2", "c16_3x3_s2_same", "c17_2x2_s2",
    "c33_5x5_same_clipped", "c1_4x4_s3_same", "global_5x5x24", "c5_batch3_relu"}]


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("case", BOARD_CASES, ids=lambda c: c.id)
def test_pool2d_on_board(case: PoolCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(pool_model(case), tmp_path, board, monkeypatch)


@pytest.mark.parametrize("kind,isa,expected", [
    (AVG, "none", 0), (AVG, "dsp", 16 * 4), (AVG, "mve", 0), (MAX, "dsp", 0)])
def test_scratch_is_cmsis_nn_buffer_size(kind: str, isa: str, expected: int):
    """The DSP average pool sums one window's 16 channels in int32."""
    case = PoolCase("s", kind, (1, 7, 7, 16), (3, 3), (2, 2), SAME)
    _, program = ct.compile_cmsis(pool_model(case), isa)
    call = ct.check_backends(program)
    assert call.scratch_bytes == expected == call.params.ctx.size

"""FULLY_CONNECTED on the optimized backend: mcuforge.compile.ops.optimized.fully_connected, which
runs it as the optimized 1x1 convolution (firmware/kernels/optimized/conv2d_dsp.c on mps2_an386,
conv2d_mve.c on mps3_an547), bit-exact with TFLite-Micro under QEMU on the portable tests' cases
(fully_connected_cases.py): batches, per-channel and per-tensor scales, the weights' zero point,
activations, zero points at both extremes, multipliers above 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
from fully_connected_cases import FC_CASES, FcCase, fc_model
from optimized_testing import BOARD_ISAS, compile_optimized, run_on_board


def _portable_note(case: FcCase, isa: str) -> str:
    """Why the case keeps the portable kernel on ``isa`` ("" when it does not: the only reasons
    are a weights zero point that pushes w - zero point out of int8 on Helium and a
    requantization the DSP kernels do not take, test_most_cases_are_optimized)."""
    _, program = compile_optimized(fc_model(case), isa)
    call = program.calls[-1]
    return "" if call.backend == "optimized" else call.note


# on the boards: a sample reaching every path (odd units, one and several rows, depths not a
# multiple of 8 or 16, per-channel scales, zero points at the extremes, activations)
BOARD_CASES = [c for c in FC_CASES if c.id in {
    "1_to_1", "from_4d_input", "batch3", "deep_1024", "per_channel_batch2", "relu6",
    "input_zp_minus128", "input_zp_127", "multiplier_gt_1_per_channel",
    "weights_zero_point_per_tensor"}]


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", sorted(BOARD_ISAS))
@pytest.mark.parametrize("case", BOARD_CASES, ids=lambda c: c.id)
def test_fully_connected_on_board(case: FcCase, board: str, tmp_path: Path):
    isa = BOARD_ISAS[board]
    note = _portable_note(case, isa)
    if note:
        pytest.skip(f"stays portable on {isa}: {note}")
    call = run_on_board(fc_model(case), tmp_path, board, "FULLY_CONNECTED")
    assert call.function == f"mf_opt_conv2d_1x1_{isa}_s8"


@pytest.mark.parametrize("isa", ["dsp", "mve"])
def test_most_cases_are_optimized(isa: str):
    """The shared cases stay portable only for the documented reasons."""
    portable = []
    for case in FC_CASES:
        _, program = compile_optimized(fc_model(case), isa)
        call = program.calls[-1]
        if call.backend != "optimized":
            portable.append((case.id, call.note))
    allowed = ("weights zero point", "requantizes with shift")
    assert all(any(a in note for a in allowed) for _, note in portable), portable
    assert len(portable) <= 3, portable


def test_fallbacks():
    case = FcCase("zp_far", (1, 16), 4, filter_zp=-100)
    _, program = compile_optimized(fc_model(case), "mve")
    assert program.calls[-1].backend == "portable"
    assert "weights zero point -100" in program.calls[-1].note
    _, program = compile_optimized(fc_model(case), "dsp")   # int16 weights: fine
    assert program.calls[-1].backend == "optimized"


def test_mve_layout_folds_zero_point_and_offset():
    """Weights: rows minus the zero point, by groups of 4 units interleaved by 16 taps; bias':
    bias + input_offset * sum(w - zero point); a per-tensor multiplier repeated per unit."""
    case = FcCase("layout", (2, 20), 6, filter_zp=-3, in_q=(0.03, -9))
    model = fc_model(case)
    portable = kt.lower_op(model)
    _, program = compile_optimized(model, "mve")
    p = program.calls[-1].params
    w = portable.params.filter_data.values.reshape(6, 20).astype(np.int64) + 3
    got = p.weights.values.reshape(2, 2, 4, 16).astype(np.int64)    # [group][k/16][row][16]
    assert list(got[0, 0, 1]) == list(w[1, :16])
    assert list(got[0, 1, 1, :4]) == list(w[1, 16:]) and not got[0, 1, 1, 4:].any()
    assert not got[1, :, 2:].any()                                   # units 6, 7: padding
    q = p.quant.values.reshape(2, 4, 4).astype(np.int64)            # [group][field][unit]
    bias = portable.params.bias.values.astype(np.int64)
    assert list(q[0, 0]) == list(bias[:4] + 9 * w[:4].sum(axis=1))
    assert set(q[:, 1].reshape(-1)[:6]) == {int(portable.params.multiplier.values[0])}
    assert (p.input.w, p.input.c, p.output.c) == (2, 20, 6)

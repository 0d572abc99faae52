"""CONV_2D on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.conv2d and
firmware/kernels/cmsis_nn/conv2d.c (arm_convolve_wrapper_s8).

The portable kernel tests' cases (shapes, strides, padding, dilation, groups, batches,
activations, zero points at the extremes, multipliers above one, int32 wrapping), plus cases
that steer arm_convolve_wrapper_s8 into each of its kernels (1x1 with unit stride, 1x1 strided,
1xN, im2col). Host tests run CMSIS-NN's portable C path against TFLite-Micro; the board tests run
its DSP (mps2_an386, Cortex-M4) and Helium (mps3_an547, Cortex-M55) paths under QEMU.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import cmsis_testing as ct
import kernel_testing as kt
from conv2d_cases import CONV_CASES as PORTABLE_CONV_CASES
from conv2d_cases import WRAPPING, ConvCase, conv_model
from kernel_testing import RELU, VALID
from mcuforge.compile.ops.cmsis_nn.conv2d import mve_1xn_problem

CONV_CASES = [
    *PORTABLE_CONV_CASES,
    ConvCase("grouped_4_groups_8_per_group", (1, 4, 4, 16), 8, (3, 3), filter_c=4),
    # arm_convolve_wrapper_s8's kernels: 1x1 with unit stride (arm_convolve_1x1_s8_fast)
    ConvCase("1x1_fast_c4", (1, 5, 5, 4), 8, (1, 1)),
    ConvCase("1x1_fast_c7_odd", (1, 3, 5, 7), 5, (1, 1)),
    ConvCase("1x1_fast_c16_batch2", (2, 3, 3, 16), 12, (1, 1)),
    ConvCase("1x1_fast_no_bias_zp_extremes", (1, 4, 4, 8), 6, (1, 1), bias=False,
             in_q=(0.02, -128), out_zp=127, act=RELU),
    ConvCase("1x1_fast_valid", (1, 4, 6, 8), 4, (1, 1), padding=VALID),
    # 1x1 strided (arm_convolve_1x1_s8)
    ConvCase("1x1_stride2_c8", (1, 8, 8, 8), 8, (1, 1), stride=(2, 2), padding=VALID),
    ConvCase("1x1_stride_2x3_c5", (1, 7, 9, 5), 3, (1, 1), stride=(2, 3), padding=VALID),
    ConvCase("1x1_stride2_batch2", (2, 6, 6, 4), 4, (1, 1), stride=(2, 2), padding=VALID),
    # 1xN: input height 1, filter height 1, stride_w * c % 4 == 0 (arm_convolve_1_x_n_s8)
    ConvCase("1xn_k3_same_c4", (1, 1, 16, 4), 8, (1, 3)),
    ConvCase("1xn_k5_same_c4", (1, 1, 20, 4), 6, (1, 5)),
    ConvCase("1xn_k4_same_asym_c8", (1, 1, 13, 8), 4, (1, 4)),
    ConvCase("1xn_k3_valid_c4", (1, 1, 12, 4), 5, (1, 3), padding=VALID),
    ConvCase("1xn_k3_stride2_c2", (1, 1, 17, 2), 4, (1, 3), stride=(1, 2)),
    ConvCase("1xn_k2_stride2_valid_c2", (1, 1, 12, 2), 3, (1, 2), stride=(1, 2), padding=VALID),
    ConvCase("1xn_k7_pad_ge_stride", (1, 1, 15, 4), 4, (1, 7)),
    ConvCase("1xn_batch2", (2, 1, 10, 4), 3, (1, 3)),
    ConvCase("1xn_no_bias", (1, 1, 10, 8), 4, (1, 3), bias=False),
    ConvCase("1xn_window_longer_than_input", (1, 1, 3, 4), 2, (1, 5)),
    # im2col + matrix multiply (arm_convolve_s8): odd sizes around the 2-column/4-column blocks
    ConvCase("im2col_c_out_1", (1, 5, 5, 3), 1, (3, 3)),
    ConvCase("im2col_c_out_5_taps_27", (1, 6, 6, 3), 5, (3, 3)),
    ConvCase("im2col_odd_output_pixels", (1, 5, 3, 4), 7, (2, 2), padding=VALID),
    ConvCase("im2col_taps_multiple_of_16", (1, 4, 4, 16), 4, (1, 2)),
    ConvCase("im2col_wide_64", (1, 3, 3, 64), 8, (3, 3)),
    ConvCase("im2col_input_height1_filter_height1_unaligned", (1, 1, 9, 3), 4, (1, 3)),
]




@pytest.mark.host
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: c.id)
def test_conv2d(case: ConvCase, tmp_path: Path, host_cc: str):
    program = ct.run_case(conv_model(case), tmp_path)
    assert program.calls[0].function == "mf_cmsis_conv2d_s8"


@pytest.mark.host
@pytest.mark.parametrize("make", WRAPPING, ids=lambda f: f.__name__)
def test_conv2d_int32_wrapping(make, tmp_path: Path, host_cc: str):
    ct.run_case(make(), tmp_path)


# ---- the DSP and Helium paths, under QEMU ----

BOARD_CASES = [c for c in CONV_CASES if c.id in {
    "3x3_same", "3x2_stride2_same_asym", "5x5_stride3_same", "stride_gt_filter_valid",
    "dilation_2x3_stride2", "wide_kernel_1x10_ds_cnn", "many_channels", "pointwise_1x1",
    "batch2", "grouped_2_groups", "grouped_4_groups_8_per_group", "no_bias", "relu6",
    "input_zp_minus128", "input_zp_127", "multiplier_gt_1_saturating", "1x1_fast_c7_odd",
    "1x1_fast_c16_batch2", "1x1_fast_no_bias_zp_extremes", "1x1_stride_2x3_c5",
    "1x1_stride2_batch2", "1xn_k3_same_c4", "1xn_k5_same_c4", "1xn_k4_same_asym_c8",
    "1xn_k3_valid_c4", "1xn_k3_stride2_c2", "1xn_k7_pad_ge_stride",
    "1xn_batch2", "1xn_no_bias", "1xn_window_longer_than_input", "im2col_c_out_1",
    "im2col_c_out_5_taps_27", "im2col_odd_output_pixels", "im2col_wide_64"}]


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("case", BOARD_CASES, ids=lambda c: c.id)
def test_conv2d_on_board(case: ConvCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(conv_model(case), tmp_path, board, monkeypatch)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("make", WRAPPING, ids=lambda f: f.__name__)
def test_conv2d_int32_wrapping_on_board(make, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(make(), tmp_path, board, monkeypatch)


# ---- fallbacks and scratch (pure Python) ----

HELIUM_1XN_WRONG = [
    # a SAME walk whose last window overhangs by two columns: the kernel copies four input
    # columns where three exist (QEMU mps3_an547 showed the last output column off by one)
    ConvCase("1xn_k5_stride2_same_c4", (1, 1, 21, 4), 4, (1, 5), stride=(1, 2)),
    # VALID walks leaving input columns after the last window
    ConvCase("1xn_valid_one_unread", (1, 1, 12, 4), 4, (1, 3), stride=(1, 4), padding=VALID),
    ConvCase("1xn_valid_two_unread", (1, 1, 13, 4), 4, (1, 3), stride=(1, 4), padding=VALID),
]


@pytest.mark.parametrize("case", HELIUM_1XN_WRONG, ids=lambda c: c.id)
def test_helium_1xn_the_kernel_gets_wrong_stays_portable(case: ConvCase):
    """On "mve" these keep the portable kernel; on "dsp" CMSIS-NN runs them through its im2col
    kernel (right, the board tests check), so they use it."""
    _, mve = ct.compile_cmsis(conv_model(case), "mve")
    ct.check_backends(mve, fallback="CMSIS-NN's Helium 1xN kernel")
    _, dsp = ct.compile_cmsis(conv_model(case), "dsp")
    ct.check_backends(dsp)


@pytest.mark.host
@pytest.mark.parametrize("case", HELIUM_1XN_WRONG, ids=lambda c: c.id)
def test_helium_1xn_cases_on_the_portable_path(case: ConvCase, tmp_path: Path, host_cc: str):
    ct.run_case(conv_model(case), tmp_path)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("case", HELIUM_1XN_WRONG, ids=lambda c: c.id)
def test_helium_1xn_cases_on_board(case: ConvCase, board: str, tmp_path: Path, monkeypatch):
    """Bit-exact on both boards: CMSIS-NN's im2col kernel on the DSP core, the portable kernel
    (the fallback) on the Helium core."""
    fallback = "CMSIS-NN's Helium 1xN kernel" if board == "mps3_an547" else None
    ct.run_case_on_board(conv_model(case), tmp_path, board, monkeypatch, fallback=fallback)


def _geometry(in_w, k, stride, pad, out_w, c=4):
    conv = SimpleNamespace(stride=SimpleNamespace(w=stride, h=1),
                           padding=SimpleNamespace(w=pad, h=0),
                           dilation=SimpleNamespace(w=1, h=1))
    return (conv, SimpleNamespace(n=1, h=1, w=in_w, c=c), SimpleNamespace(n=4, h=1, w=k, c=c),
            SimpleNamespace(n=1, h=1, w=out_w, c=4))


@pytest.mark.parametrize("geometry,problem", [
    ((16, 3, 1, 1, 16), None),                     # SAME, stride 1: right
    ((20, 5, 1, 2, 20), None),
    ((13, 4, 1, 1, 13), None),                     # asymmetric SAME padding
    ((15, 7, 1, 3, 15), None),                     # padding wider than the stride
    ((12, 3, 1, 0, 10), None),                     # VALID reading every column
    ((17, 3, 2, 1, 9), None),
    ((3, 5, 1, 2, 3), None),                       # handed to arm_convolve_s8
    ((21, 5, 2, 2, 11), "would read past the input for output column 10"),
    ((12, 3, 4, 0, 3), "would read padding for output column 2 (TFLite-Micro reads input "
                       "column 10)"),
    ((13, 3, 4, 0, 3), "rejects its padding"),
    ((13, 3, 3, 0, 4, 3), None),                   # stride * channels not a multiple of 4
    ((13, 1, 1, 0, 13), None),                     # the 1x1 kernel
])
def test_mve_1xn_problem(geometry, problem):
    found = mve_1xn_problem(*_geometry(*geometry))
    assert (found is None) if problem is None else (problem in found), found


@pytest.mark.parametrize("isa,expected", [("none", 112), ("dsp", 112), ("mve", 128)])
def test_scratch_is_cmsis_nn_buffer_size(isa: str, expected: int):
    """3x3x3 taps: 27 -> 28 aligned, 2 columns of int16 (portable, DSP); Helium: 4 columns of
    32 bytes. The planner gives the slot to this call only."""
    model = conv_model(ConvCase("scratch", (1, 6, 6, 3), 4, (3, 3)))
    _, program = ct.compile_cmsis(model, isa)
    call = ct.check_backends(program)
    assert call.scratch_bytes == expected
    assert call.params.ctx.size == expected
    slot = program.scratch_slot(0)
    assert slot.size == expected and slot.first_use == slot.last_use == 0


def test_1x1_unit_stride_needs_no_scratch():
    _, program = ct.compile_cmsis(conv_model(ConvCase("pw", (1, 4, 4, 8), 8, (1, 1))), "dsp")
    call = ct.check_backends(program)
    assert call.scratch_bytes == 0 and call.params.ctx.buf is None
    assert all(s.tensor >= 0 for s in program.slots)


def test_constants_are_the_portable_arrays():
    """Same names and the same arrays as the portable call: no weight is stored twice."""
    model = conv_model(ConvCase("consts", (1, 5, 5, 3), 4, (3, 3)))
    portable = {c.name: c for c in kt.lower_op(model).constants}
    _, program = ct.compile_cmsis(model, "dsp")
    call = program.calls[0]
    assert sorted(c.name for c in call.constants) == sorted(portable)
    assert all(np.array_equal(c.values, portable[c.name].values) for c in call.constants)

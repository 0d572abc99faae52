"""FULLY_CONNECTED on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.fully_connected and
firmware/kernels/cmsis_nn/fully_connected.c (arm_fully_connected_wrapper_s8).

The portable kernel tests' cases plus sizes around CMSIS-NN's blocks (2 and 4 rows, 4 and 16
columns), per-tensor weights with zero points (filter_offset), per-channel weights, batches. On
Helium the generator precomputes the kernel sums the kernels start from (``kernel_sums``,
checked against CMSIS-NN's own arm_vector_sum_s8 on the host).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import pytest

import cmsis_testing as ct
import kernel_testing as kt
from fully_connected_cases import FC_CASES as PORTABLE_FC_CASES
from fully_connected_cases import FcCase, fc_model
from kernel_testing import RELU, RELU6
from mcuforge.cmsis import buffer_sizes
from mcuforge.compile.ops.cmsis_nn.fully_connected import kernel_sums

FC_CASES = [
    *PORTABLE_FC_CASES,
    # CMSIS-NN's row and column blocks, weights' zero points, batches
    FcCase("rows_5_cols_7", (1, 7), 5),
    FcCase("rows_3_cols_33", (1, 33), 3),
    FcCase("rows_9_cols_17_no_bias", (1, 17), 9, bias=False),
    FcCase("weights_zp_minus128_to_127", (1, 20), 6, filter_zp=127),
    FcCase("weights_zp_minus128", (1, 20), 6, filter_zp=-128),
    FcCase("weights_zp_batch2_no_bias", (2, 13), 5, filter_zp=5, bias=False),
    FcCase("weights_zp_input_zp_extremes", (1, 24), 7, filter_zp=-50, in_q=(0.01, 127),
           out_zp=-128, act=RELU),
    FcCase("per_channel_rows_5_cols_19", (1, 19), 5, per_channel=True),
    FcCase("per_channel_no_bias_batch3", (3, 16), 6, per_channel=True, bias=False),
    FcCase("per_channel_relu6_zp", (1, 24), 9, per_channel=True, act=RELU6, out_zp=-128,
           out_scale=0.03),
    FcCase("kws_like_classifier", (1, 64), 12),
    FcCase("resnet_like_classifier", (1, 64), 10, per_channel=True, in_q=(0.05, -128)),
]


@pytest.mark.host
@pytest.mark.parametrize("case", FC_CASES, ids=lambda c: c.id)
def test_fully_connected(case: FcCase, tmp_path: Path, host_cc: str):
    program = ct.run_case(fc_model(case), tmp_path)
    assert program.calls[0].function == "mf_cmsis_fully_connected_s8"


BOARD_CASES = [c for c in FC_CASES if c.id in {
    "1_to_1", "basic", "batch3", "deep_1024", "wide_64_units", "per_channel",
    "per_channel_batch2", "no_bias", "relu6", "input_zp_minus128", "input_zp_127",
    "multiplier_gt_1_per_channel", "weights_zero_point_per_tensor", "rows_5_cols_7",
    "rows_3_cols_33", "rows_9_cols_17_no_bias", "weights_zp_minus128_to_127",
    "weights_zp_minus128", "weights_zp_batch2_no_bias", "weights_zp_input_zp_extremes",
    "per_channel_rows_5_cols_19", "per_channel_no_bias_batch3", "kws_like_classifier",
    "resnet_like_classifier"}]


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("case", BOARD_CASES, ids=lambda c: c.id)
def test_fully_connected_on_board(case: FcCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(fc_model(case), tmp_path, board, monkeypatch)


# ---- the Helium kernel sums (pure Python + CMSIS-NN's own function on the host) ----

def test_no_scratch_and_no_extra_constants_on_dsp():
    _, program = ct.compile_cmsis(fc_model(FcCase("x", (1, 16), 8)), "dsp")
    call = ct.check_backends(program)
    assert call.scratch_bytes == 0 and call.params.ctx.buf is None
    assert sorted(c.name for c in call.constants) == sorted(
        c.name for c in kt.lower_op(fc_model(FcCase("x", (1, 16), 8))).constants)


def test_helium_kernel_sums_are_a_constant_context():
    case = FcCase("ksum", (1, 16), 8, filter_zp=3)
    _, program = ct.compile_cmsis(fc_model(case), "mve")
    call = ct.check_backends(program)
    assert call.scratch_bytes == 0
    sums = call.params.ctx.buf
    assert sums.name == "op0_kernel_sums" and any(c is sums for c in call.constants)
    assert call.params.ctx.size == sums.nbytes == 8 * 4
    # the same weights array as the portable call: only the sums are new
    assert sorted(c.name for c in call.constants) == sorted(
        [*(c.name for c in kt.lower_op(fc_model(case)).constants), "op0_kernel_sums"])


@pytest.mark.parametrize("input_offset,filter_offset,bias", [
    (10, 0, True), (-127, 0, False), (128, -7, True), (0, 5, True), (128, 128, False)])
def test_kernel_sums_match_arm_vector_sum_s8(input_offset, filter_offset, bias):
    """The generator's kernel sums equal what CMSIS-NN's arm_vector_sum_s8 computes (its
    portable C path, built for the host)."""
    rng = np.random.default_rng(abs(input_offset) + 1000 * abs(filter_offset))
    rows, cols = 9, 37
    weights = rng.integers(-128, 128, size=(rows, cols)).astype(np.int8)
    b = rng.integers(-2**20, 2**20, size=rows).astype(np.int32) if bias else None
    lib = buffer_sizes(ct.cmsis_trees())._lib
    fn = lib.arm_vector_sum_s8
    i32p = ctypes.POINTER(ctypes.c_int32)
    fn.argtypes = [i32p, ctypes.c_int32, ctypes.c_int32, ctypes.POINTER(ctypes.c_int8),
                   ctypes.c_int32, ctypes.c_int32, i32p]
    out = np.zeros(rows, np.int32)
    w = np.ascontiguousarray(weights)
    fn(out.ctypes.data_as(i32p), cols, rows, w.ctypes.data_as(ctypes.POINTER(ctypes.c_int8)),
       input_offset, filter_offset, None if b is None else b.ctypes.data_as(i32p))
    np.testing.assert_array_equal(kernel_sums(weights, b, input_offset, filter_offset), out)

"""DEPTHWISE_CONV_2D on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.depthwise_conv2d and
firmware/kernels/cmsis_nn/depthwise_conv2d.c (arm_depthwise_conv_wrapper_s8).

The portable kernel tests' cases plus cases for each kernel the wrapper picks: 3x3 with padding
<= 1 and multiplier 1 (arm_depthwise_conv_3x3_s8, not on Helium), multiplier 1 otherwise
(arm_depthwise_conv_s8_opt), multipliers that are multiples of 4 and others, dilations and
batches (arm_depthwise_conv_s8), and on Helium one input channel with several outputs (run as a
regular convolution, the filter transposed into the scratch buffer).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cmsis_testing as ct
from depthwise_conv2d_cases import DW_CASES as PORTABLE_DW_CASES
from depthwise_conv2d_cases import DwCase, dw_model
from kernel_testing import RELU, VALID

DW_CASES = [
    *PORTABLE_DW_CASES,
    # arm_depthwise_conv_3x3_s8 (DSP, portable): channel counts around its 4-channel blocks
    DwCase("3x3_c1", (1, 5, 5, 1), (3, 3)),
    DwCase("3x3_c5_valid", (1, 5, 6, 5), (3, 3), padding=VALID),
    DwCase("3x3_c17_stride2", (1, 8, 7, 17), (3, 3), stride=(2, 2)),
    DwCase("3x3_c8_stride_2x1_no_bias", (1, 6, 6, 8), (3, 3), stride=(2, 1), bias=False),
    DwCase("3x3_c4_input_2x2", (1, 2, 2, 4), (3, 3)),
    # arm_depthwise_conv_s8_opt: multiplier 1, not 3x3 with padding <= 1
    DwCase("opt_5x5_same_c8", (1, 7, 7, 8), (5, 5)),
    DwCase("opt_5x5_same_c3_stride2", (1, 9, 8, 3), (5, 5), stride=(2, 2)),
    DwCase("opt_2x2_valid_c12", (1, 5, 5, 12), (2, 2), padding=VALID),
    DwCase("opt_1x1_c6", (1, 4, 4, 6), (1, 1)),
    DwCase("opt_7x1_c16_zp_extremes", (1, 9, 4, 16), (7, 1), in_q=(0.02, 127), out_zp=-128,
           act=RELU),
    DwCase("opt_3x3_larger_padding", (1, 3, 3, 4), (3, 3), stride=(3, 3)),
    DwCase("opt_c130_above_helium_block", (1, 3, 3, 130), (2, 2), padding=VALID),
    DwCase("opt_no_bias", (1, 6, 6, 5), (5, 3), bias=False),
    # arm_depthwise_conv_s8: other multipliers
    DwCase("mult4_c2", (1, 6, 5, 2), (3, 3), multiplier=4),
    DwCase("mult8_c3_stride2", (1, 7, 7, 3), (3, 3), multiplier=8, stride=(2, 2)),
    DwCase("mult2_dilation2", (1, 8, 8, 2), (3, 3), multiplier=2, dilation=(2, 2)),
    DwCase("mult1_dilation_batch2", (2, 7, 7, 4), (3, 3), dilation=(2, 1)),
    # one input channel (on Helium: a regular convolution)
    DwCase("one_channel_mult8", (1, 6, 6, 1), (3, 3), multiplier=8),
    DwCase("one_channel_mult2_valid", (1, 6, 5, 1), (2, 3), multiplier=2, padding=VALID),
    DwCase("one_channel_mult16_stride2", (1, 9, 9, 1), (3, 3), multiplier=16, stride=(2, 2)),
    DwCase("one_channel_mult1", (1, 6, 6, 1), (3, 3)),
]


@pytest.mark.host
@pytest.mark.parametrize("case", DW_CASES, ids=lambda c: c.id)
def test_depthwise_conv2d(case: DwCase, tmp_path: Path, host_cc: str):
    program = ct.run_case(dw_model(case), tmp_path)
    assert program.calls[0].function == "mf_cmsis_depthwise_conv2d_s8"


BOARD_CASES = [c for c in DW_CASES if c.id in {
    "3x3_same", "3x3_stride2_same_asym", "4x2_stride2_same", "stride_gt_filter_valid",
    "dilation2_same", "depth_multiplier2", "depth_multiplier3_stride2",
    "depth_multiplier4_from_1_channel", "many_channels", "ds_cnn_like", "batch2", "no_bias",
    "relu6", "input_zp_minus128", "input_zp_127", "multiplier_gt_1", "3x3_c1", "3x3_c5_valid",
    "3x3_c17_stride2", "3x3_c8_stride_2x1_no_bias", "3x3_c4_input_2x2", "opt_5x5_same_c8",
    "opt_5x5_same_c3_stride2", "opt_2x2_valid_c12", "opt_1x1_c6", "opt_7x1_c16_zp_extremes",
    "opt_3x3_larger_padding", "opt_c130_above_helium_block", "opt_no_bias", "mult4_c2",
    "mult8_c3_stride2", "mult2_dilation2", "mult1_dilation_batch2", "one_channel_mult8",
    "one_channel_mult2_valid", "one_channel_mult16_stride2", "one_channel_mult1"}]


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("case", BOARD_CASES, ids=lambda c: c.id)
def test_depthwise_conv2d_on_board(case: DwCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(dw_model(case), tmp_path, board, monkeypatch)


# ---- scratch (pure Python) ----

@pytest.mark.parametrize("case,isa,expected", [
    (DwCase("s", (1, 6, 6, 8), (3, 3)), "dsp", 0),              # 3x3 kernel: no buffer
    (DwCase("s", (1, 6, 6, 8), (3, 3)), "mve", 4 * 124 * 9),    # Helium: 4 blocks of 124 x taps
    (DwCase("s", (1, 7, 7, 8), (5, 5)), "dsp", 8 * 25 * 2),     # opt: c * taps int16
    (DwCase("s", (1, 7, 7, 8), (5, 5)), "none", 0),
    (DwCase("s", (1, 6, 6, 2), (3, 3), multiplier=2), "dsp", 0),
    (DwCase("s", (1, 6, 6, 1), (3, 3), multiplier=8), "mve", 64 + 72),    # as a convolution + the filter
], ids=["3x3_dsp", "3x3_mve", "opt_dsp", "opt_none", "mult2_dsp", "one_channel_mve"])
def test_scratch_is_cmsis_nn_buffer_size(case: DwCase, isa: str, expected: int):
    _, program = ct.compile_cmsis(dw_model(case), isa)
    call = ct.check_backends(program)
    assert call.scratch_bytes == expected == call.params.ctx.size

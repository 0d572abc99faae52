"""DEPTHWISE_CONV_2D: mcuforge.compile.ops.depthwise_conv2d and
firmware/kernels/depthwise_conv2d.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the one-line errors in pure Python.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from depthwise_conv2d_cases import DW_CASES, DwCase, dw_model
from kernel_testing import SAME
from mcuforge.errors import ModelFileError
from mcuforge.tflite.graph import DepthwiseConv2DOptions


@pytest.mark.host
@pytest.mark.parametrize("case", DW_CASES, ids=lambda c: c.id)
def test_depthwise_conv2d(case: DwCase, tmp_path: Path, host_cc: str):
    kt.run_case(dw_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering checks (pure Python)


def test_lowering_depthwise_rejects_wrong_multiplier():
    model = tb.depthwise_conv2d_model(
        (1, 4, 4, 2), np.ones((1, 3, 3, 4), np.int8), None, (0.1, 0), (0.01,), (0.1, 0),
        DepthwiseConv2DOptions(SAME, 1, 1, depth_multiplier=3))
    with pytest.raises(ModelFileError, match="depth_multiplier 3"):
        kt.lower_op(model)

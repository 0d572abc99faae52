"""RESHAPE on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.reshape and
firmware/kernels/cmsis_nn/copy.c (arm_reshape_s8, a byte copy)."""

from __future__ import annotations

from pathlib import Path

import pytest

import cmsis_testing as ct
import tflite_builder as tb


@pytest.mark.host
@pytest.mark.parametrize("in_shape,out_shape,shape_tensor", [
    ((1, 5, 2, 3), (1, 30), True),
    ((1, 30), (1, 3, 10), True),
    ((1, 4, 4, 2), (1, 2, 16), False),
    ((1, 1), (1, 1), True),
], ids=["4d_to_2d", "2d_to_3d", "options_only", "one_value"])
def test_reshape(in_shape, out_shape, shape_tensor, tmp_path: Path, host_cc: str):
    program = ct.run_case(tb.reshape_model(in_shape, out_shape, (0.07, -9), shape_tensor),
                          tmp_path)
    assert program.calls[0].function == "mf_cmsis_copy_s8"

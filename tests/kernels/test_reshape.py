"""RESHAPE: mcuforge.compile.ops.reshape and firmware/kernels/copy.c (a reshape is a copy).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering test checks the typed params in pure Python.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.compile.ops.reshape import CopyParams


@pytest.mark.host
@pytest.mark.parametrize("in_shape,out_shape,shape_tensor", [
    ((1, 5, 2, 3), (1, 30), True),
    ((1, 30), (1, 3, 10), True),
    ((1, 4, 4, 2), (1, 2, 16), False),
], ids=["4d_to_2d", "2d_to_3d", "options_only"])
def test_reshape(in_shape, out_shape, shape_tensor, tmp_path: Path, host_cc: str):
    kt.run_case(tb.reshape_model(in_shape, out_shape, (0.07, -9), shape_tensor), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering (pure Python)


def test_lowering_reshape():
    call = kt.lower_op(tb.reshape_model((1, 2, 3, 4), (1, 24), (0.1, 0)))
    assert call.function == "mf_copy_s8" and call.params == CopyParams(size=24)
    assert call.kernel == "copy"
    assert len(call.inputs) == 1

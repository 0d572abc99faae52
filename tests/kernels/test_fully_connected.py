"""FULLY_CONNECTED: mcuforge.compile.ops.fully_connected and firmware/kernels/fully_connected.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the one-line errors in pure Python.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from fully_connected_cases import FC_CASES, FcCase, fc_model
from mcuforge.errors import ModelFileError
from mcuforge.tflite.graph import FullyConnectedOptions


@pytest.mark.host
@pytest.mark.parametrize("case", FC_CASES, ids=lambda c: c.id)
def test_fully_connected(case: FcCase, tmp_path: Path, host_cc: str):
    kt.run_case(fc_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering checks (pure Python)


def test_lowering_fc_rejects_mismatched_bias_scale():
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    w = b.add_const(np.ones((2, 4), np.int8), scale=0.01)
    bias = b.add_const(np.zeros(2, np.int32), scale=0.5)
    y = b.add_output((1, 2), 0.1, 0)
    b.add_operator("FULLY_CONNECTED", (x, w, bias), (y,), FullyConnectedOptions())
    with pytest.raises(ModelFileError, match="bias scale"):
        kt.lower_op(b.build())

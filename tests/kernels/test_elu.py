"""ELU: mcuforge.compile.ops.lut with lut_tables/elu.py, and firmware/kernels/lut.c.

TFLite-Micro's int8 ELU is itself a table, filled in float32 arithmetic (exp(x) - 1 below
zero); the generated table reproduces that arithmetic and is compared with TFLite-Micro on all
256 inputs for many quantizations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import lut_testing as lt
from mcuforge.errors import UnsupportedModelError

# (input quantization, output quantization)
QUANTIZATIONS = [
    ((0.1, 0), (0.1, 0)),
    ((0.05, 20), (0.03, -10)),
    ((0.0625, 0), (0.0625, 0)),
    ((1.0 / 128.0, 0), (1.0 / 128.0, 0)),
    ((0.2, 127), (0.2, 127)),
    ((0.2, -128), (0.05, -128)),
    ((0.04, 60), (0.035, -90)),              # outputs >= -1: zero point near the bottom
    ((0.01, 0), (0.0001, 0)),                # saturates both ways
    ((0.001, -5), (1.0, 0)),                 # everything rounds to the zero point
    ((1.0, 0), (0.0039215, -128)),           # exp of large negative values
    ((5.0, 10), (0.5, -100)),
    ((0.0314159, -17), (0.0271828, 33)),
    ((0.0123, 1), (0.0124, 2)),
    ((0.15, -64), (0.0078125, 0)),
]


@pytest.mark.parametrize("input_q, output_q", QUANTIZATIONS, ids=str)
def test_elu_table_matches_tflm(input_q, output_q):
    lt.assert_table_matches_tflm("ELU", input_q, output_q)


@pytest.mark.host
@pytest.mark.parametrize("input_q, output_q", [((0.05, 20), (0.03, -10)),
                                               ((0.01, 0), (0.0001, 0))], ids=str)
def test_elu_all_values_on_host(input_q, output_q, tmp_path: Path, host_cc: str):
    lt.run_all_values(lt.all_values_model("ELU", input_q, output_q), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("shape", [(1, 4, 6, 5), (2, 11)], ids=str)
def test_elu_shapes_on_host(shape, tmp_path: Path, host_cc: str):
    kt.run_case(lt.unary_model("ELU", shape, (0.05, 10), (0.04, -60)), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_elu_params():
    p = kt.lower_op(lt.unary_model("ELU", (1, 3, 3), (0.05, 0), (0.05, 0))).params
    assert p.size == 9
    x = np.arange(-128, 128) * 0.05
    expected = np.clip(np.round(np.where(x < 0, np.expm1(x), x) / 0.05), -128, 127)
    assert np.max(np.abs(p.table.values - expected)) <= 1
    assert np.array_equal(p.table.values[128:], np.arange(0, 128))
    assert p.table.values[0] == -20                       # exp(-6.4) - 1 = -0.998 -> -19.97


def test_lowering_elu_rejects():
    # 127 * 100 / 1e-6 output steps: beyond int32, where TFLite-Micro's conversion is undefined
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(ELU\).*beyond int32"):
        kt.lower_op(lt.unary_model("ELU", (1, 8), (100.0, 0), (1e-6, 0)))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(ELU\).*beyond int32"):
        kt.lower_op(lt.unary_model("ELU", (1, 8), (0.1, 0), (1e-45, 0)))   # 1 / scale = inf

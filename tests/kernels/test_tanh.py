"""TANH: mcuforge.compile.ops.lut with lut_tables/tanh.py, and firmware/kernels/lut.c.

The generated table is compared with TFLite-Micro on all 256 inputs for many input
quantizations (lut_testing.assert_table_matches_tflm); host runs push every value, and other
shapes, through the generated C. TFLite-Micro ignores the output quantization (always scale
1/128, zero point 0 in converted models): so does mcuforge.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import lut_testing as lt
from mcuforge.errors import UnsupportedModelError

OUT = (1.0 / 128.0, 0)             # what the converter always writes

# (input scale, input zero point)
INPUT_QUANTIZATIONS = [
    (0.1, -10), (0.0625, 0), (0.05, 3), (0.02, -128), (0.02, 127), (0.15, 127), (0.15, -128),
    (0.0234375, 0),                          # 6 / 256: inputs in [-3, 3)
    (1.0 / 32.0, -128),                      # a power of two
    (0.5, 0), (1.0, 20), (4.0, -3),          # most inputs saturate
    (16.0, 0),                               # shift 32: radius 0, x = 0 saturates low
    (2.0**34, -1),                           # shift 62, the largest TFLite-Micro computes
    (0.003, 50), (1e-4, 0),                  # near 0 everywhere
    (2.0**-28, 5),                           # shift 0: the smallest scale TFLite-Micro handles
    (0.123456789, -77), (0.0071, 99),
]


@pytest.mark.parametrize("input_q", INPUT_QUANTIZATIONS, ids=str)
def test_tanh_table_matches_tflm(input_q):
    lt.assert_table_matches_tflm("TANH", input_q, OUT)


@pytest.mark.parametrize("output_q", [(0.1, 5), (1.0 / 256.0, -128), (2.0**-12, 127)], ids=str)
def test_tanh_output_quantization_is_ignored_as_in_tflm(output_q):
    table = lt.assert_table_matches_tflm("TANH", (0.05, 3), output_q)
    assert np.array_equal(table, lt.table_of(lt.all_values_model("TANH", (0.05, 3), OUT)))


@pytest.mark.host
@pytest.mark.parametrize("input_q", [(0.1, -10), (0.02, 127), (16.0, 0)], ids=str)
def test_tanh_all_values_on_host(input_q, tmp_path: Path, host_cc: str):
    lt.run_all_values(lt.all_values_model("TANH", input_q, OUT), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("shape", [(1, 4, 4, 8), (1, 37), (2, 3, 4, 5, 2), (1,)], ids=str)
def test_tanh_shapes_on_host(shape, tmp_path: Path, host_cc: str):
    kt.run_case(lt.unary_model("TANH", shape, (0.03, 9), OUT), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_tanh_params():
    call = kt.lower_op(lt.unary_model("TANH", (1, 3, 7), (0.05, -4), OUT))
    p = call.params
    assert call.function == "mf_lut_s8" and p.size == 21 and p.table.name == "op0_table"
    table = p.table.values.astype(int)
    assert np.all(np.diff(table) >= 0)
    assert table[-4 + 128] == 0                              # tanh(0) = 0
    assert table[0] == -128 and table[255] == 127            # +-6.2: saturated
    x = (np.arange(-128, 128) + 4) * 0.05
    assert np.max(np.abs(table - np.clip(np.round(np.tanh(x) * 128), -128, 127))) <= 1


def test_lowering_tanh_rejects():
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(TANH\).*input scale .*undefined"):
        kt.lower_op(lt.unary_model("TANH", (1, 8), (2.0**-30, 0), OUT))
    b = kt.tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0)
    y = b.add_output((1, 8), 1 / 128, 0, dtype="int16")
    b.add_operator("TANH", (x,), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(TANH\).*output tensor.*int16"):
        kt.lower_op(b.build())

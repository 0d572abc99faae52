"""LOGISTIC: mcuforge.compile.ops.lut with lut_tables/logistic.py, and firmware/kernels/lut.c.

The generated table is compared with TFLite-Micro on all 256 inputs for many input
quantizations (lut_testing.assert_table_matches_tflm); host runs push every value, and other
shapes, through the generated C. TFLite-Micro requires the output zero point -128 and ignores
the output scale (always 1/256 in converted models).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import lut_testing as lt
from mcuforge.errors import ModelFileError, UnsupportedModelError

OUT = (1.0 / 256.0, -128)          # what the converter always writes

# (input scale, input zero point)
INPUT_QUANTIZATIONS = [
    (0.1, -10), (0.0625, 0), (0.05, 3), (0.02, -128), (0.02, 127), (0.15, 127), (0.15, -128),
    (0.0390625, -1),                         # 10 / 256: inputs in [-5, 5)
    (1.0 / 16.0, -128),                      # a power of two
    (0.5, 0), (1.0, 20), (4.0, -3),          # most inputs saturate
    (16.0, 0),                               # shift 32: radius 0, x = 0 saturates low
    (2.0**34, 0),                            # shift 62, the largest TFLite-Micro computes
    (0.003, 50), (1e-4, 0),                  # near 0.5 everywhere
    (2.0**-28, 5),                           # shift 0: the smallest scale TFLite-Micro handles
    (0.123456789, -77), (0.0071, 99),
]


@pytest.mark.parametrize("input_q", INPUT_QUANTIZATIONS, ids=str)
def test_logistic_table_matches_tflm(input_q):
    lt.assert_table_matches_tflm("LOGISTIC", input_q, OUT)


@pytest.mark.parametrize("output_scale", [0.1, 1.0 / 128.0, 2.0**-12])
def test_logistic_output_scale_is_ignored_as_in_tflm(output_scale):
    table = lt.assert_table_matches_tflm("LOGISTIC", (0.05, 3), (output_scale, -128))
    assert np.array_equal(table, lt.table_of(lt.all_values_model("LOGISTIC", (0.05, 3), OUT)))


@pytest.mark.host
@pytest.mark.parametrize("input_q", [(0.1, -10), (0.02, 127), (16.0, 0)], ids=str)
def test_logistic_all_values_on_host(input_q, tmp_path: Path, host_cc: str):
    lt.run_all_values(lt.all_values_model("LOGISTIC", input_q, OUT), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("shape", [(1, 4, 4, 8), (1, 37), (2, 3, 4, 5, 2), (1,)], ids=str)
def test_logistic_shapes_on_host(shape, tmp_path: Path, host_cc: str):
    kt.run_case(lt.unary_model("LOGISTIC", shape, (0.08, -5), OUT), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_logistic_params():
    call = kt.lower_op(lt.unary_model("LOGISTIC", (1, 4, 5, 6), (0.1, 7), OUT))
    p = call.params
    assert call.function == "mf_lut_s8" and call.kernel == "lut"
    assert p.size == 120 and p.table.name == "op0_table" and p.table.c_type == "int8_t"
    assert call.constants == (p.table,) and p.table.values.shape == (256,)
    table = p.table.values.astype(int)
    assert np.all(np.diff(table) >= 0)                       # non-decreasing
    assert table[7 + 128] == 0                               # logistic(0) = 1/2 -> 128 - 128
    assert table[0] == -128 + round(256 / (1 + np.exp(13.5)))  # x = -135 * 0.1
    assert table[255] == 127


def test_lowering_logistic_rejects():
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(LOGISTIC\).*output zero point is 0"):
        kt.lower_op(lt.unary_model("LOGISTIC", (1, 8), (0.1, 0), (1 / 256, 0)))
    with pytest.raises(UnsupportedModelError, match=r"\(LOGISTIC\).*input scale .*undefined"):
        kt.lower_op(lt.unary_model("LOGISTIC", (1, 8), (2.0**-29, 0), OUT))
    with pytest.raises(UnsupportedModelError, match=r"\(LOGISTIC\).*input scale .*undefined"):
        kt.lower_op(lt.unary_model("LOGISTIC", (1, 8), (2.0**35, 0), OUT))
    b = kt.tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0, dtype="int16")
    y = b.add_output((1, 8), 1 / 256, -128, dtype="int16")
    b.add_operator("LOGISTIC", (x,), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(LOGISTIC\).*int16 zero points 0 .*-128"):
        kt.lower_op(b.build())
    b = kt.tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0)
    y = b.add_output((1, 2, 4), 1 / 256, -128)
    b.add_operator("LOGISTIC", (x,), (y,))
    with pytest.raises(ModelFileError, match=r"\(LOGISTIC\).*output shape \[1, 2, 4\] differs"):
        kt.lower_op(b.build())

"""HARD_SWISH: mcuforge.compile.ops.lut with lut_tables/hard_swish.py, and firmware/kernels/lut.c.

TFLite-Micro computes x * relu6(x + 3) / 6 in int16 fixed point with two Q0.15 multipliers;
the generated table reproduces it and is compared with TFLite-Micro on all 256 inputs for many
quantizations: the reluish multiplier shifting left or right, the output multiplier exponent
from 0 (int16 overflow before the clamp) down to below -16 (where gemmlowp's int16 rounding
shift degenerates), zero points at the ends of the range.
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
    ((0.1, -10), (0.05, -120)),              # MobileNetV3-like: output >= -0.375
    ((0.05, 3), (0.05, 3)),
    ((0.0235, 0), (0.0122, -97)),
    ((0.05, -128), (0.03, -128)),
    ((0.05, 127), (0.03, 127)),
    ((0.2, -128), (0.1, 127)),
    ((0.5, 0), (0.25, -50)),                 # reluish exponent > 0: saturating left shifts
    ((3.0 / 256.0, 0), (0.02, -128)),        # reluish multiplier exactly 1
    ((0.001, 7), (0.0005, -100)),            # reluish exponent < 0: rounding right shift
    ((0.8, 0), (0.01, 0)),                   # output exponent 0: int16 overflow, then clamp
    ((0.8, -100), (0.0127, 90)),
    ((0.01, 0), (1.0, 0)),                   # output exponent -14
    ((1e-5, 100), (2.0, -100)),              # output exponent < -16: gemmlowp's int16 quirk
    ((0.0001, 3), (0.5, -7)),
    ((10.0, 0), (1.0, 0)),                   # large inputs: most are beyond +-3
    ((0.123456, -77), (0.0654321, 55)),
]


@pytest.mark.parametrize("input_q, output_q", QUANTIZATIONS, ids=str)
def test_hard_swish_table_matches_tflm(input_q, output_q):
    lt.assert_table_matches_tflm("HARD_SWISH", input_q, output_q)


@pytest.mark.host
@pytest.mark.parametrize("input_q, output_q", [((0.1, -10), (0.05, -120)),
                                               ((0.8, 0), (0.01, 0)),
                                               ((1e-5, 100), (2.0, -100))], ids=str)
def test_hard_swish_all_values_on_host(input_q, output_q, tmp_path: Path, host_cc: str):
    lt.run_all_values(lt.all_values_model("HARD_SWISH", input_q, output_q), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("shape", [(1, 7, 7, 16), (1, 3)], ids=str)
def test_hard_swish_shapes_on_host(shape, tmp_path: Path, host_cc: str):
    kt.run_case(lt.unary_model("HARD_SWISH", shape, (0.06, -20), (0.04, -110)), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_hard_swish_params():
    p = kt.lower_op(lt.unary_model("HARD_SWISH", (1, 2, 2, 3), (0.05, 0), (0.05, 0))).params
    assert p.size == 12
    table = p.table.values.astype(int)
    x = np.arange(-128, 128) * 0.05
    expected = np.clip(np.round(x * np.clip(x + 3, 0, 6) / 6 / 0.05), -128, 127)
    assert np.max(np.abs(table - expected)) <= 1
    assert table[128] == 0 and np.all(table[:128 - 60] == 0)   # x <= -3 -> 0
    assert np.array_equal(table[128 + 60:], np.arange(60, 128))  # x >= 3 -> x


def test_lowering_hard_swish_rejects():
    # input / output >= 128: TFLite-Micro's output multiplier exponent would be > 0
    with pytest.raises(UnsupportedModelError,
                       match=r"op 0 \(HARD_SWISH\).*128 or more.*exponent <= 0"):
        kt.lower_op(lt.unary_model("HARD_SWISH", (1, 8), (1.0, 0), (0.005, 0)))
    with pytest.raises(UnsupportedModelError, match=r"\(HARD_SWISH\).*infinite float32"):
        kt.lower_op(lt.unary_model("HARD_SWISH", (1, 8), (1e38, 0), (1e-42, 0)))
    b = kt.tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0, dtype="int16")
    y = b.add_output((1, 8), 0.1, 0, dtype="int16")
    b.add_operator("HARD_SWISH", (x,), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(HARD_SWISH\).*int16"):
        kt.lower_op(b.build())

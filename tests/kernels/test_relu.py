"""RELU and RELU6: mcuforge.compile.ops.lut with lut_tables/relu.py, and firmware/kernels/lut.c.
RELU_N1_TO_1 is not lowered: TFLite-Micro has no kernel for it.

RELU requantizes from the input's quantization to the output's, then clamps at the output's
zero point; RELU6 clamps the input values to [zero point, quantized 6] and ignores the output's
quantization, as TFLite-Micro does. Every table is compared with TFLite-Micro on all 256 inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import lut_testing as lt
from mcuforge.errors import UnsupportedModelError

# (input quantization, output quantization)
RELU_QUANTIZATIONS = [
    ((0.05, 3), (0.05, 3)),                  # the same quantization: a clamp at the zero point
    ((0.05, -128), (0.05, -128)),
    ((0.05, 127), (0.05, 127)),
    ((0.1, 10), (0.05, -128)),               # multiplier 2 (> 1)
    ((0.02, -20), (0.1, -128)),              # multiplier 0.2
    ((0.02, 0), (0.0001, -100)),             # multiplier 200: saturates
    ((0.0001, 5), (1.0, 0)),                 # a tiny multiplier: all zero point
    ((1e-12, 0), (1.0, -128)),               # flushed to a zero multiplier
    ((0.2, 127), (0.01, 127)),
    ((0.0123, -128), (0.0456, 127)),
    ((0.3, 33), (0.3000001, -33)),
]
RELU6_QUANTIZATIONS = [
    ((6.0 / 255.0, -128), (6.0 / 255.0, -128)),   # the converter's: [0, 6] over the int8 range
    ((0.05, 3), (0.05, 3)),
    ((0.05, 127), (0.05, 127)),              # six saturates at 127
    ((0.05, -128), (0.05, -128)),
    ((0.1, -30), (0.2, 10)),                 # output quantization ignored by TFLite-Micro
    ((0.02, 0), (0.02, 0)),                  # 6 / 0.02 = 300: six clamps to 127
    ((1.0, -5), (1.0, -5)),
    ((5.0, 0), (5.0, 0)),                    # round(1.2) = 1
    ((4.0, 0), (4.0, 0)),                    # 6 / 4 = 1.5: rounds half away to 2
    ((1e-7, 0), (1e-7, 0)),                  # 6 / scale = 6e7: six clamps to 127
]


@pytest.mark.parametrize("input_q, output_q", RELU_QUANTIZATIONS, ids=str)
def test_relu_table_matches_tflm(input_q, output_q):
    lt.assert_table_matches_tflm("RELU", input_q, output_q)


@pytest.mark.parametrize("input_q, output_q", RELU6_QUANTIZATIONS, ids=str)
def test_relu6_table_matches_tflm(input_q, output_q):
    lt.assert_table_matches_tflm("RELU6", input_q, output_q)


@pytest.mark.host
@pytest.mark.parametrize("opcode, input_q, output_q", [
    ("RELU", (0.1, 10), (0.05, -128)), ("RELU", (0.05, 127), (0.05, 127)),
    ("RELU6", (6.0 / 255.0, -128), (6.0 / 255.0, -128)), ("RELU6", (0.02, 0), (0.02, 0)),
], ids=str)
def test_relu_all_values_on_host(opcode, input_q, output_q, tmp_path: Path, host_cc: str):
    lt.run_all_values(lt.all_values_model(opcode, input_q, output_q), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("opcode", ["RELU", "RELU6"])
@pytest.mark.parametrize("shape", [(1, 6, 5, 4), (3, 50)], ids=str)
def test_relu_shapes_on_host(opcode, shape, tmp_path: Path, host_cc: str):
    kt.run_case(lt.unary_model(opcode, shape, (0.04, -7), (0.04, -7)), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_relu_params():
    p = kt.lower_op(lt.unary_model("RELU", (1, 2, 3, 4), (0.05, 3), (0.05, 3))).params
    assert p.size == 24
    expected = np.maximum(np.arange(-128, 128), 3)
    assert np.array_equal(p.table.values, expected)
    p = kt.lower_op(lt.unary_model("RELU", (1, 8), (0.1, 0), (0.05, -128))).params
    assert p.table.values[128] == -128 and p.table.values[128 + 60] == -8   # 60 * 2 - 128
    assert p.table.values[128 + 63] == -2 and p.table.values[255] == 126    # 127 * 2 - 128


def test_lowering_relu6_params():
    p = kt.lower_op(lt.unary_model("RELU6", (1, 8), (0.05, 3), (0.05, 3))).params
    assert np.array_equal(p.table.values, np.clip(np.arange(-128, 128), 3, 3 + 120))


def test_lowering_relu_rejects():
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(RELU\).*2\^30 or more"):
        kt.lower_op(lt.unary_model("RELU", (1, 8), (1.0, 0), (2.0**-31, 0)))
    # a subnormal output scale: the float32 quotient is infinite
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(RELU\).*= inf is 2\^30 or more"):
        kt.lower_op(lt.unary_model("RELU", (1, 8), (1.0, 0), (1e-42, 0)))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(RELU6\).*leaves int32"):
        kt.lower_op(lt.unary_model("RELU6", (1, 8), (2.0**-30, 0), (1.0, 0)))


def test_relu_n1_to_1_is_not_lowered(tmp_path: Path):
    """TFLite-Micro has no RELU_N1_TO_1 kernel (its op resolver has none), so there is nothing to
    be bit-exact with: the op is not in the registry and compiling names it."""
    from mcuforge.compile import compile_model
    from mcuforge.compile.ops import LOWERINGS

    assert "RELU_N1_TO_1" not in LOWERINGS
    path = tmp_path / "relu1.tflite"
    path.write_bytes(lt.unary_model("RELU_N1_TO_1", (1, 8), (0.01, 0), (0.01, 0)))
    with pytest.raises(UnsupportedModelError, match=r"unsupported op RELU_N1_TO_1 v[0-9]+ \(op 0\)"):
        compile_model(path)

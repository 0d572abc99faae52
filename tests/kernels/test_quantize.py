"""QUANTIZE (int8 -> int8 requantization): mcuforge.compile.ops.lut with lut_tables/quantize.py,
and firmware/kernels/lut.c (int16 on either side: test_quantize_s16.py). DEQUANTIZE (int8 ->
float32) is not lowered: mcuforge generates integer code only, and no lowered op reads a float32
tensor.

TFLite-Micro's Requantize: (x - input zero point) * input_scale / output_scale (double quotient,
QuantizeMultiplier, double-rounding requantization) + output zero point, clamped. Every table is
compared with TFLite-Micro on all 256 inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import lut_testing as lt
import tflite_builder as tb
from mcuforge.errors import UnsupportedModelError

# (input quantization, output quantization)
QUANTIZATIONS = [
    ((0.05, 3), (0.05, 3)),                  # identity
    ((0.05, 3), (0.05, -7)),                 # a zero point shift only
    ((0.05, -128), (0.05, 127)),             # saturates everything but -128
    ((0.1, 0), (0.05, 0)),                   # multiplier 2
    ((0.05, 0), (0.1, 0)),                   # multiplier 1/2: ties
    ((0.0235, -20), (0.0717, 40)),
    ((0.2, 127), (0.001, -128)),             # multiplier 200: saturates
    ((0.001, 5), (0.2, -5)),                 # tiny multiplier
    ((1e-12, 0), (1.0, 10)),                 # flushed to a zero multiplier
    ((0.3, -128), (0.3000001, -128)),        # a multiplier just below 1
    ((0.3000001, 127), (0.3, 127)),          # and just above
    ((1.0, 0), (2.0**-30 * 1.5, 0)),         # multiplier 2^29.6: shift 30, the largest
    ((0.0123456, 64), (0.0654321, -64)),
]


@pytest.mark.parametrize("input_q, output_q", QUANTIZATIONS, ids=str)
def test_quantize_table_matches_tflm(input_q, output_q):
    lt.assert_table_matches_tflm("QUANTIZE", input_q, output_q)


@pytest.mark.host
@pytest.mark.parametrize("input_q, output_q", [((0.0235, -20), (0.0717, 40)),
                                               ((0.1, 0), (0.05, 0))], ids=str)
def test_quantize_all_values_on_host(input_q, output_q, tmp_path: Path, host_cc: str):
    lt.run_all_values(lt.all_values_model("QUANTIZE", input_q, output_q), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("shape", [(1, 8, 8, 3), (5,)], ids=str)
def test_quantize_shapes_on_host(shape, tmp_path: Path, host_cc: str):
    kt.run_case(lt.unary_model("QUANTIZE", shape, (0.05, -3), (0.07, 12)), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_quantize_params():
    p = kt.lower_op(lt.unary_model("QUANTIZE", (1, 2, 5), (0.05, 3), (0.05, -7))).params
    assert p.size == 10
    assert np.array_equal(p.table.values, np.clip(np.arange(-128, 128) - 10, -128, 127))
    p = kt.lower_op(lt.unary_model("QUANTIZE", (1, 4), (0.1, 0), (0.05, 0))).params
    assert np.array_equal(p.table.values, np.clip(2 * np.arange(-128, 128), -128, 127))


def test_lowering_quantize_rejects():
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(QUANTIZE\).*2\^30 or more"):
        kt.lower_op(lt.unary_model("QUANTIZE", (1, 8), (1.0, 0), (2.0**-31, 0)))
    # float32 -> int8 (the model's quantize-on-input) is not lowered
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0)
    f = b.add_tensor((1, 8), "float32", name="float_values")
    q = b.add_tensor((1, 8), scale=0.1, zero_point=0, name="requantized")
    y = b.add_output((1, 8), 0.1, 0)
    b.add_operator("DEQUANTIZE", (x,), (f,))
    b.add_operator("QUANTIZE", (f,), (q,))
    b.add_operator("QUANTIZE", (q,), (y,))
    model = b.build()
    with pytest.raises(UnsupportedModelError, match=r"op 1 \(QUANTIZE\).*float32.*only int8"):
        kt.lower_op(model, 1)
    # int8 -> uint8 (int8 <-> int16 is lowered: test_quantize_s16.py)
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0)
    y = b.add_output((1, 8), 0.1, 128, dtype="uint8")
    b.add_operator("QUANTIZE", (x,), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(QUANTIZE\).*output tensor.*uint8"):
        kt.lower_op(b.build())


def test_dequantize_output_rejected_and_island_fused(tmp_path: Path, host_cc: str):
    """int8 -> float32 cannot be a model output (mcuforge's API is integer): one line. Between
    DEQUANTIZE and QUANTIZE it is a float island (compile.fuse_float): one table, bit-exact."""
    from mcuforge.compile import compile_model
    from mcuforge.compile.ops import LOWERINGS

    assert "DEQUANTIZE" not in LOWERINGS
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0)
    y = b.add_output((1, 8), dtype="float32", scale=None, zero_point=None)
    b.add_operator("DEQUANTIZE", (x,), (y,))
    path = tmp_path / "dequantize.tflite"
    path.write_bytes(b.build())
    with pytest.raises(UnsupportedModelError, match=r"output tensor 'output' is float32"):
        compile_model(path)
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 0)
    f = b.add_tensor((1, 8), "float32", name="float_values")
    y = b.add_output((1, 8), 0.1, 0)
    b.add_operator("DEQUANTIZE", (x,), (f,))
    b.add_operator("QUANTIZE", (f,), (y,))
    path.write_bytes(b.build())
    assert [c.opcode for c in compile_model(path).calls] == ["MF_FLOAT_TABLE"]
    kt.run_case(b.build(), tmp_path)

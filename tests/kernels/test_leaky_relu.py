"""LEAKY_RELU: mcuforge.compile.ops.lut with lut_tables/leaky_relu.py, its options
(mcuforge.tflite.options.activations), and firmware/kernels/lut.c.

Inputs at or above the zero point are requantized by input / output scale, those below by
input * alpha / output (a negative alpha gives a negative multiplier, applied as its magnitude
and negated, as TFLite-Micro does). Every table is compared with TFLite-Micro on all 256 inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import lut_testing as lt
import tflite_builder as tb
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.options.activations import LeakyReluOptions

# (alpha, input quantization, output quantization)
CASES = [
    (0.2, (0.05, 3), (0.05, 3)),             # Keras' default slope, same quantization
    (0.1, (0.1, -10), (0.06, -100)),
    (0.01, (0.02, 0), (0.02, 0)),
    (0.3, (0.05, -128), (0.04, -128)),
    (0.3, (0.05, 127), (0.04, 127)),
    (0.2, (0.1, 20), (0.01, -30)),           # identity multiplier 10: saturates
    (0.2, (0.001, 0), (1.0, 0)),             # tiny multipliers
    (0.5, (0.1, 0), (0.1, 0)),               # exact halves: ties in the rounding
    (-0.5, (0.1, 0), (0.1, 0)),              # negative alpha, ties: magnitude then negated
    (-1.0, (0.1, 5), (0.1, 5)),              # |x|
    (-3.0, (0.05, -128), (0.2, 0)),
    (1.5, (0.02, 40), (0.05, -60)),          # alpha > 1
    (0.0, (0.05, 3), (0.05, 3)),             # ReLU
    (1.0, (0.05, 3), (0.03, -3)),            # identity
    (1e-6, (0.05, 0), (0.05, 0)),            # flushed-to-tiny slope
    (0.123456, (0.0777, -33), (0.0333, 44)),
]


@pytest.mark.parametrize("alpha, input_q, output_q", CASES, ids=str)
def test_leaky_relu_table_matches_tflm(alpha, input_q, output_q):
    lt.assert_table_matches_tflm("LEAKY_RELU", input_q, output_q, lt.leaky_relu_options(alpha))


def test_leaky_relu_without_options_has_slope_zero_as_in_tflm():
    table = lt.assert_table_matches_tflm("LEAKY_RELU", (0.05, 3), (0.05, 3))
    assert np.array_equal(table, np.maximum(np.arange(-128, 128), 3))


@pytest.mark.host
@pytest.mark.parametrize("alpha, input_q, output_q", [(0.2, (0.05, 3), (0.05, 3)),
                                                      (-0.5, (0.1, 0), (0.1, 0)),
                                                      (0.1, (0.1, -10), (0.06, -100))], ids=str)
def test_leaky_relu_all_values_on_host(alpha, input_q, output_q, tmp_path: Path, host_cc: str):
    model = lt.all_values_model("LEAKY_RELU", input_q, output_q, lt.leaky_relu_options(alpha))
    lt.run_all_values(model, tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("shape", [(1, 5, 5, 6), (4, 9)], ids=str)
def test_leaky_relu_shapes_on_host(shape, tmp_path: Path, host_cc: str):
    kt.run_case(lt.unary_model("LEAKY_RELU", shape, (0.05, -6), (0.04, -40),
                               lt.leaky_relu_options(0.2)), tmp_path)


# ---------------------------------------------------------------------------------------------
# options and lowering (pure Python)


def test_leaky_relu_options_are_read():
    graph = kt.read_graph(lt.unary_model("LEAKY_RELU", (1, 4), (0.1, 0), (0.1, 0),
                                         lt.leaky_relu_options(0.25)))
    assert graph.operators[0].options == LeakyReluOptions(alpha=0.25)
    graph = kt.read_graph(lt.unary_model("LEAKY_RELU", (1, 4), (0.1, 0), (0.1, 0)))
    assert graph.operators[0].options == LeakyReluOptions(alpha=0.0)


def test_leaky_relu_options_reject_a_non_finite_alpha():
    with pytest.raises(ModelFileError, match=r"operator 0 \(LEAKY_RELU\): alpha is nan"):
        kt.read_graph(lt.unary_model("LEAKY_RELU", (1, 4), (0.1, 0), (0.1, 0),
                                     lt.leaky_relu_options(float("nan"))))
    wrong = tb.RawOptions(9, 1, ((0, "float32", 1.0),))      # SoftmaxOptions
    with pytest.raises(ModelFileError, match=r"\(LEAKY_RELU\).*union type 9"):
        kt.read_graph(lt.unary_model("LEAKY_RELU", (1, 4), (0.1, 0), (0.1, 0), wrong))


def test_lowering_leaky_relu_params():
    p = kt.lower_op(lt.unary_model("LEAKY_RELU", (1, 10), (0.1, 0), (0.1, 0),
                                   lt.leaky_relu_options(0.25))).params
    assert p.size == 10
    x = np.arange(-128, 128)
    expected = np.where(x >= 0, x, np.round(x * 0.25 + 1e-9))   # ties: -2.5 -> -2 (up)
    assert np.max(np.abs(p.table.values - expected)) <= 1
    assert np.array_equal(p.table.values[128:], np.arange(0, 128))
    assert p.table.values[128 - 8] == -2 and p.table.values[0] == -32


def test_lowering_leaky_relu_rejects():
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(LEAKY_RELU\).*2\^30 or more"):
        kt.lower_op(lt.unary_model("LEAKY_RELU", (1, 8), (1.0, 0), (2.0**-31, 0),
                                   lt.leaky_relu_options(0.2)))
    with pytest.raises(UnsupportedModelError, match=r"\(LEAKY_RELU\).*alpha .* 2\^30 or more"):
        kt.lower_op(lt.unary_model("LEAKY_RELU", (1, 8), (0.01, 0), (0.01, 0),
                                   lt.leaky_relu_options(2.0**31)))
    with pytest.raises(UnsupportedModelError, match=r"\(LEAKY_RELU\).*alpha .* not finite"):
        kt.lower_op(lt.unary_model("LEAKY_RELU", (1, 8), (1.0, 0), (1e-42, 0),
                                   lt.leaky_relu_options(0.2)))

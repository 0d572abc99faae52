"""MUL: mcuforge.compile.ops.mul and firmware/kernels/mul.c.

Host tests run each case's model against TFLite-Micro (kernel_testing.run_case); the second
operand is computed from the model input, is the input again, or is a constant
(binary_testing). The lowering tests check the typed params and the one-line errors in pure
Python.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import binary_testing as bt
import kernel_testing as kt
import tflite_builder as tb
from binary_testing import BinaryCase
from kernel_testing import RELU, RELU1, RELU6
from mcuforge.compile import quant
from mcuforge.errors import ModelFileError, UnsupportedModelError

MUL_CASES = bt.shape_cases(out_q=(0.3, 2)) + [
    BinaryCase("relu", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.2, -100), act=RELU),
    BinaryCase("relu6", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.05, -100), act=RELU6),
    BinaryCase("relu_n1_to_1", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.01, 5), act=RELU1),
    BinaryCase("relu_constant", (1, 4, 5, 3), (3,), out_q=(0.1, -128), act=RELU, constant=True),
    BinaryCase("same_scales", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -3), other_q=(0.05, -3),
               out_q=(0.05, -3)),
    BinaryCase("square_of_input", (1, 64), None, x_q=(0.02, 0), out_q=(0.02, -128)),
    BinaryCase("zero_points_extreme", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -128),
               other_q=(0.08, 127), out_q=(0.5, 127)),
    BinaryCase("zero_points_extreme_relu", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, 127),
               other_q=(0.08, -128), out_q=(0.5, -128), act=RELU),
    BinaryCase("zero_points_extreme_constant", (1, 4, 4, 4), (4,), x_q=(0.05, -128),
               other_q=(0.08, 127), out_q=(0.5, -128), constant=True),
    # the effective scale s1 * s2 / s_out above one: a left shift before the multiply
    BinaryCase("multiplier_above_one", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.5, 0),
               other_q=(0.5, 0), out_q=(0.01, 0)),
    # 40,000 = 0.61 * 2^16: shift 16, the largest the product 128 * 128 allows
    BinaryCase("multiplier_left_shift_16", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(1.0, 0),
               other_q=(1.0, 0), out_q=(1.0 / 40000, 0)),
    BinaryCase("multiplier_tiny", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.001, 3),
               other_q=(0.002, -4), out_q=(100.0, 1)),
    # below 2^-32: QuantizeMultiplier flushes it to 0, every output is the zero point
    BinaryCase("multiplier_flushed_to_zero", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(1e-6, 0),
               other_q=(1e-6, 0), out_q=(100.0, 9)),
    bt.all_pairs_case("all_pairs", out_q=(0.3, 2)),
    bt.all_pairs_case("all_pairs_zero_points_extreme_relu", x_q=(0.05, 127), other_q=(0.08, -128),
                      out_q=(0.2, -128), act=RELU),
    BinaryCase("output_saturates", (1, 4, 4, 4), (1, 4, 4, 4), out_q=(0.001, 0)),
]


def _mul_model(c: BinaryCase) -> bytes:
    return bt.binary_model("MUL", c, bt.activation_options(bt.MUL_OPTIONS, c.act))


@pytest.mark.host
@pytest.mark.parametrize("case", MUL_CASES, ids=lambda c: c.id)
def test_mul(case: BinaryCase, tmp_path: Path, host_cc: str):
    kt.run_case(_mul_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_mul_params():
    call = kt.lower_op(_mul_model(BinaryCase("x", (1, 4, 5, 8), (1, 1, 1, 8))), -1)
    p = call.params
    assert call.function == "mf_mul_s8" and call.kernel == "mul" and not call.constants
    assert p.broadcast.rank == 2 and p.broadcast.output_dims == (20, 8)
    assert p.broadcast.input1_strides == (8, 1) and p.broadcast.input2_strides == (0, 1)
    assert p.broadcast.constant_input == 0 and p.broadcast.constant is None
    assert p.input1_offset == 3 and p.input2_offset == -10 and p.output_offset == 2
    assert (p.output_multiplier, p.output_shift) == quant.quantize_multiplier(
        float(np.float32(0.05)) * float(np.float32(0.08)) / float(np.float32(0.1)))
    assert (p.act_min, p.act_max) == (-128, 127)
    p = kt.lower_op(_mul_model(BinaryCase("x", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(1.0, 0),
                                          other_q=(1.0, 0), out_q=(1.0 / 40000, 0))), -1).params
    assert p.output_shift == 16 and p.broadcast.output_dims == (64,)
    p = kt.lower_op(_mul_model(BinaryCase("x", (1, 2, 2, 2), (1, 2, 2, 2), out_q=(0.1, -20),
                                          act=RELU6)), -1).params
    assert (p.act_min, p.act_max) == (-20, 40)


def test_lowering_mul_constant_operand():
    c = BinaryCase("const", (1, 4, 1, 6), (1, 1, 5, 1), constant=True, swap=True)
    call = kt.lower_op(_mul_model(c), -1)
    p = call.params.broadcast
    assert call.function == "mf_mul_const_s8" and len(call.inputs) == 1
    assert p.constant_input == 1 and p.constant is not None and p.constant.name == "op0_input1"
    assert call.constants == (p.constant,) and p.constant.values.shape == (5,)
    assert p.output_dims == (4, 5, 6) and p.input1_strides == (0, 1, 0)
    assert p.input2_strides == (6, 0, 1)


def test_lowering_mul_rejects():
    # 2^17: the shifted product 128 * 128 * 2^17 leaves int32
    with pytest.raises(UnsupportedModelError, match=r"\(MUL\).*too large"):
        kt.lower_op(_mul_model(BinaryCase("x", (1, 4), (1, 4), x_q=(1.0, 0), other_q=(1.0, 0),
                                          out_q=(1.0 / 70000, 0))), -1)
    with pytest.raises(UnsupportedModelError, match=r"\(MUL\).*TANH"):
        kt.lower_op(_mul_model(BinaryCase("x", (1, 4), (1, 4), act=kt.Activation.TANH)), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 5), 0.1, 0)
    b.add_operator("MUL", (x, x), (y,), bt.activation_options(bt.MUL_OPTIONS, kt.NONE))
    with pytest.raises(ModelFileError, match=r"\(MUL\).*broadcasting"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((1, 4), np.int32), name="int32_constant")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("MUL", (x, c), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(MUL\).*int32 constant"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((1, 4), np.int8), scale=(0.1, 0.2, 0.3, 0.4), axis=1, name="pc")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("MUL", (x, c), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(MUL\).*per channel"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c1 = b.add_const(np.ones((1, 4), np.int8), scale=0.1, name="c1")
    c2 = b.add_const(np.ones((1, 4), np.int8), scale=0.1, name="c2")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("ADD", (x, x), (y,))
    y2 = b.add_tensor((1, 4), scale=0.1, zero_point=0, name="y2")
    b.add_operator("MUL", (c1, c2), (y2,))
    with pytest.raises(UnsupportedModelError, match=r"op 1 \(MUL\).*both inputs"):
        kt.lower_op(b.build(), 1)
    # int16 with int8 mixed (all-int16 MUL is lowered: test_binary_s16.py)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0, dtype="int16")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("MUL", (x, x), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(MUL\).*int16"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 3, 4, 1, 2, 3), 0.1, 0)
    y = b.add_output((1, 2, 3, 4, 1, 2, 3), 0.1, 0)
    b.add_operator("MUL", (x, x), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(MUL\).*7-dimensional"):
        kt.lower_op(b.build(), -1)

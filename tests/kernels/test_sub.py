"""SUB: mcuforge.compile.ops.sub and firmware/kernels/sub.c.

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
from mcuforge.compile.ops.sub import sub_rescale
from mcuforge.errors import ModelFileError, UnsupportedModelError

# Scales whose rescaling constants differ when the ratios are taken in float32 (TFLite-Micro's
# SUB sources up to August 2026) and in double (its ADD, and the tflite-micro package's SUB):
# for x1 = -49, x2 = -43 the output is 20 in float32, 19 in double.
RESCALING_SCALES = (0.0337369441986084, 0.07565425336360931, 0.06403089314699173)

SUB_CASES = bt.shape_cases(out_q=(0.1, 2)) + [
    BinaryCase("same_scales", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -3), other_q=(0.05, -3),
               out_q=(0.05, -3)),
    BinaryCase("relu", (1, 8, 8, 16), (1, 8, 8, 16), x_q=(0.0086, -128), other_q=(0.0136, -49),
               out_q=(0.0093, -128), act=RELU),
    BinaryCase("relu6", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.03, -100), act=RELU6),
    BinaryCase("relu_n1_to_1", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.01, 5), act=RELU1),
    BinaryCase("relu_constant_first", (1, 4, 5, 3), (3,), out_q=(0.05, -128), act=RELU,
               constant=True, swap=True),
    BinaryCase("input_minus_itself", (1, 4, 4, 5), None, out_q=(0.01, 7)),
    BinaryCase("input_scales_1000x_apart", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.0001, 0),
               other_q=(0.1, 0), out_q=(0.1, 0)),
    BinaryCase("input_scales_1000x_apart_first", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.0001, 0),
               other_q=(0.1, 0), out_q=(0.1, 0), swap=True),
    BinaryCase("output_scale_much_finer_saturates", (1, 4, 4, 4), (1, 4, 4, 4),
               out_q=(0.0005, 0)),
    # the output rescale 2 * max / (2^20 * out) just below 1: out a hair above max / 2^19
    BinaryCase("output_rescale_near_limit", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(2.0**-3, 0),
               other_q=(2.0**-4, 0), out_q=(2.0**-22 * (1 + 2**-20), 0)),
    BinaryCase("zero_points_extreme", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -128),
               other_q=(0.08, 127), out_q=(0.1, 127)),
    BinaryCase("zero_points_extreme_relu", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, 127),
               other_q=(0.08, -128), out_q=(0.1, -128), act=RELU),
    BinaryCase("zero_points_extreme_constant_first", (1, 4, 4, 4), (1, 1, 1, 4),
               x_q=(0.05, -128), other_q=(0.08, 127), out_q=(0.1, 0), constant=True, swap=True),
    bt.all_pairs_case("all_pairs", out_q=(0.1, 2)),
    bt.all_pairs_case("all_pairs_zero_points_extreme_relu6", x_q=(0.05, -128),
                      other_q=(0.08, 127), out_q=(0.05, -128), act=RELU6),
    # x - (-43) over every x: one of them (x = -49) tells float32 from double rescaling
    BinaryCase("double_rescaling", (1, 256), (1,), x_q=(RESCALING_SCALES[0], 3),
               other_q=(RESCALING_SCALES[1], -5), out_q=(RESCALING_SCALES[2], 2), constant=True,
               constant_fill=-43),
]


def _sub_model(c: BinaryCase) -> bytes:
    return bt.binary_model("SUB", c, bt.activation_options(bt.SUB_OPTIONS, c.act))


@pytest.mark.host
@pytest.mark.parametrize("case", SUB_CASES, ids=lambda c: c.id)
def test_sub(case: BinaryCase, tmp_path: Path, host_cc: str):
    kt.run_case(_sub_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# the rescaling, in pure Python


def _sub_reference(r: quant.AddRescale, zp1: int, zp2: int, zpo: int, x1: int, x2: int) -> int:
    a1 = quant.requantize((x1 - zp1) << r.left_shift, r.input1_multiplier, r.input1_shift)
    a2 = quant.requantize((x2 - zp2) << r.left_shift, r.input2_multiplier, r.input2_shift)
    y = quant.requantize(a1 - a2, r.output_multiplier, r.output_shift) + zpo
    return min(max(y, -128), 127)


def _float32_rescale(s1: float, s2: float, so: float) -> quant.AddRescale:
    """The rescaling as TFLite-Micro's sources computed it up to August 2026: float32 ratios."""
    f32 = np.float32
    twice_max = f32(2) * max(f32(s1), f32(s2))
    ratios = (float(f32(s1) / twice_max), float(f32(s2) / twice_max),
              float(twice_max / (f32(2**20) * f32(so))))
    (m1, sh1), (m2, sh2), (mo, sho) = (quant.multiplier_below_one(r, "r") for r in ratios)
    return quant.AddRescale(20, m1, sh1, m2, sh2, mo, sho)


def test_sub_rescale_is_double():
    s1, s2, so = RESCALING_SCALES
    r, r_float32 = sub_rescale(s1, s2, so), _float32_rescale(s1, s2, so)
    assert r == quant.add_rescale(s1, s2, so)
    assert r.input1_multiplier == 1915279916 and r_float32.input1_multiplier == 1915279872
    assert r.output_multiplier == 1268655363 and r_float32.output_multiplier == 1268655360
    assert _sub_reference(r, 3, -5, 2, -49, -43) == 19
    assert _sub_reference(r_float32, 3, -5, 2, -49, -43) == 20
    # the larger input's ratio is exactly 1/2
    assert (r.input2_multiplier, r.input2_shift) == (2**30, 0)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_sub_params():
    call = kt.lower_op(_sub_model(BinaryCase("x", (1, 4, 5, 8), (1, 1, 1, 8))), -1)
    p = call.params
    assert call.function == "mf_sub_s8" and call.kernel == "sub"
    assert p.broadcast.rank == 2 and p.broadcast.output_dims == (20, 8)
    assert p.broadcast.input1_strides == (8, 1) and p.broadcast.input2_strides == (0, 1)
    assert p.left_shift == 20
    assert p.input1_offset == 3 and p.input2_offset == -10 and p.output_offset == 2
    r = sub_rescale(*(float(np.float32(s)) for s in (0.05, 0.08, 0.1)))
    assert (p.input1_multiplier, p.input1_shift) == (r.input1_multiplier, r.input1_shift)
    assert (p.output_multiplier, p.output_shift) == (r.output_multiplier, r.output_shift)
    call = kt.lower_op(_sub_model(BinaryCase("x", (1, 4, 5, 8), (8,), constant=True,
                                             swap=True)), -1)
    assert call.function == "mf_sub_const_s8" and len(call.inputs) == 1
    assert call.params.broadcast.constant_input == 1
    assert call.params.broadcast.input1_strides == (0, 1)


def test_lowering_sub_rejects():
    with pytest.raises(UnsupportedModelError, match=r"\(SUB\).*output rescale"):
        kt.lower_op(_sub_model(BinaryCase("x", (1, 2, 2, 2), (1, 2, 2, 2), x_q=(1.0, 0),
                                          other_q=(1.0, 0), out_q=(2.0**-19, 0))), -1)
    with pytest.raises(UnsupportedModelError, match=r"\(SUB\).*SIGN_BIT"):
        kt.lower_op(_sub_model(BinaryCase("x", (1, 4), (1, 4), act=kt.Activation.SIGN_BIT)), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 5), 0.1, 0)
    b.add_operator("SUB", (x, x), (y,))
    with pytest.raises(ModelFileError, match=r"\(SUB\).*broadcasting"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("SUB", (x,), (y,))
    with pytest.raises(ModelFileError, match=r"\(SUB\).*1 inputs; SUB takes 2"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((1, 4), np.int8), name="unquantized")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("SUB", (x, c), (y,))
    with pytest.raises(UnsupportedModelError, match=r"\(SUB\).*'unquantized' has no quant"):
        kt.lower_op(b.build(), -1)

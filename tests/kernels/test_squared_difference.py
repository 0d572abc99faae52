"""SQUARED_DIFFERENCE: mcuforge.compile.ops.squared_difference and
firmware/kernels/squared_difference.c.

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
from mcuforge.compile import quant
from mcuforge.compile.ops.squared_difference import squared_difference_rescale
from mcuforge.errors import ModelFileError, UnsupportedModelError

# (x1 - x2)^2 of values within +-6.4 and +-10 reaches about 270: an output scale of 1.0 spreads
# it over the int8 range.
CASES = bt.shape_cases(out_q=(1.0, -128)) + [
    BinaryCase("same_scales", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -3), other_q=(0.05, -3),
               out_q=(0.1, -128)),
    BinaryCase("input_minus_itself_is_zero", (1, 4, 4, 5), None, out_q=(0.01, -7)),
    BinaryCase("input_scales_1000x_apart", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.0001, 0),
               other_q=(0.1, 0), out_q=(0.5, -128)),
    BinaryCase("input_scales_1000x_apart_first", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.0001, 0),
               other_q=(0.1, 0), out_q=(0.5, -128), swap=True),
    BinaryCase("zero_points_extreme", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -128),
               other_q=(0.08, 127), out_q=(1.0, 127)),
    BinaryCase("zero_points_extreme_constant", (1, 4, 4, 4), (1, 1, 1, 4), x_q=(0.05, 127),
               other_q=(0.08, -128), out_q=(1.0, -128), constant=True),
    bt.all_pairs_case("all_pairs", out_q=(1.0, -128)),
    bt.all_pairs_case("all_pairs_zero_points_extreme", x_q=(0.05, 127), other_q=(0.08, -128),
                      out_q=(2.0, -128)),
    BinaryCase("output_scale_fine_saturates", (1, 4, 4, 4), (1, 4, 4, 4), out_q=(0.001, 0)),
    BinaryCase("output_scale_coarse", (1, 4, 4, 4), (1, 4, 4, 4), out_q=(50.0, -100)),
    # an output multiplier of 6 (output_shift 3): the largest square, 16,320^2 (zero points 0),
    # still fits in int32 after the shift
    BinaryCase("output_multiplier_above_one", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(2.0**-7, 0),
               other_q=(2.0**-7, 0), out_q=(2.0**-26 / 6, 0)),
    # below 2^-32: QuantizeMultiplier flushes it to 0, every output is the zero point
    BinaryCase("output_multiplier_flushed_to_zero", (1, 4, 4, 4), (1, 4, 4, 4),
               x_q=(1e-8, 0), other_q=(1e-8, 0), out_q=(1e8, 5)),
]


def _model(c: BinaryCase) -> bytes:
    return bt.binary_model("SQUARED_DIFFERENCE", c,
                           bt.empty_options(bt.SQUARED_DIFFERENCE_OPTIONS))


@pytest.mark.host
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_squared_difference(case: BinaryCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_squared_difference_rescale():
    r = squared_difference_rescale(0.05, 0.1, 0.5)
    assert r.left_shift == 7
    assert (r.input2_multiplier, r.input2_shift) == (2**30, 0)          # 0.1 / 0.2 = 1/2
    assert (r.input1_multiplier, r.input1_shift) == (2**30, -1)         # 0.05 / 0.2 = 1/4
    # 0.2^2 / (2^14 * 0.5)
    assert (r.output_multiplier, r.output_shift) == quant.quantize_multiplier(
        0.2 * 0.2 / (2**14 * 0.5))
    assert squared_difference_rescale(1e-8, 1e-8, 1e8).output_multiplier == 0


def test_lowering_squared_difference_params():
    call = kt.lower_op(_model(BinaryCase("x", (1, 4, 5, 8), (8,))), -1)
    p = call.params
    assert call.function == "mf_squared_difference_s8" and call.kernel == "squared_difference"
    assert p.broadcast.output_dims == (20, 8) and p.broadcast.input2_strides == (0, 1)
    assert p.input1_offset == 3 and p.input2_offset == -10 and p.output_offset == 2
    r = squared_difference_rescale(*(float(np.float32(s)) for s in (0.05, 0.08, 0.1)))
    assert (p.left_shift, p.output_multiplier, p.output_shift) == (
        7, r.output_multiplier, r.output_shift)
    call = kt.lower_op(_model(BinaryCase("x", (1, 4, 5, 8), (8,), constant=True, swap=True)),
                       -1)
    assert call.function == "mf_squared_difference_const_s8"
    assert call.params.broadcast.constant_input == 1
    p = kt.lower_op(_model(BinaryCase("x", (1, 4), (1, 4), x_q=(2.0**-7, 0),
                                      other_q=(2.0**-7, 0), out_q=(2.0**-26 / 6, 0))),
                    -1).params
    assert p.output_shift == 3


def test_lowering_squared_difference_rejects():
    # output shift 4: the largest square, 16,320^2 (about 2^28), shifted by 4 leaves int32
    with pytest.raises(UnsupportedModelError, match=r"\(SQUARED_DIFFERENCE\).*too fine"):
        kt.lower_op(_model(BinaryCase("x", (1, 4), (1, 4), x_q=(2.0**-7, 0),
                                      other_q=(2.0**-7, 0), out_q=(2.0**-26 / 12, 0))), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 4, 1), 0.1, 0)
    b.add_operator("SQUARED_DIFFERENCE", (x, x), (y,))
    with pytest.raises(ModelFileError, match=r"\(SQUARED_DIFFERENCE\).*broadcasting"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((0,), np.int8), scale=0.1, name="empty")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("SQUARED_DIFFERENCE", (x, c), (y,))
    # (a constant without data reads as a computed tensor)
    with pytest.raises(UnsupportedModelError, match=r"\(SQUARED_DIFFERENCE\).*'empty'.*empty"):
        kt.lower_op(b.build(), -1)

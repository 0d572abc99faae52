"""MAXIMUM and MINIMUM: mcuforge.compile.ops.maximum_minimum and
firmware/kernels/maximum_minimum.c.

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
from mcuforge.errors import ModelFileError, UnsupportedModelError

Q = (0.05, -3)
CASES = bt.shape_cases(x_q=Q, other_q=Q, out_q=Q) + [
    BinaryCase("zero_point_minus128", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.02, -128),
               other_q=(0.02, -128), out_q=(0.02, -128)),
    BinaryCase("zero_point_127_constant", (1, 4, 4, 4), (4,), x_q=(0.02, 127),
               other_q=(0.02, 127), out_q=(0.02, 127), constant=True),
    bt.all_pairs_case("all_pairs", x_q=Q, other_q=Q, out_q=Q),
    # the clip of a ReLU6 written as MINIMUM(x, 6) with a constant scalar
    BinaryCase("clip_by_constant_scalar", (1, 8, 8, 3), (), x_q=(0.05, -128),
               other_q=(0.05, -128), out_q=(0.05, -128), constant=True),
    # TFLite-Micro compares the stored values whatever their quantization; so does mcuforge
    BinaryCase("quantizations_differ", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -3),
               other_q=(0.08, 10), out_q=(0.1, 2)),
]
OPCODES = ("MAXIMUM", "MINIMUM")


def _model(opcode: str, c: BinaryCase) -> bytes:
    return bt.binary_model(opcode, c, bt.empty_options(bt.MAXIMUM_MINIMUM_OPTIONS))


@pytest.mark.host
@pytest.mark.parametrize("opcode", OPCODES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_maximum_minimum(opcode: str, case: BinaryCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(opcode, case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("opcode", OPCODES)
def test_lowering_maximum_minimum_params(opcode: str):
    name = opcode.lower()
    call = kt.lower_op(_model(opcode, BinaryCase("x", (1, 4, 1, 6), (1, 1, 5, 6))), -1)
    p = call.params.broadcast
    assert call.function == f"mf_{name}_s8" and call.kernel == "maximum_minimum"
    assert p.output_dims == (4, 5, 6) and p.input1_strides == (6, 0, 1)
    assert p.input2_strides == (0, 6, 1) and p.constant is None
    call = kt.lower_op(_model(opcode, BinaryCase("x", (1, 3, 3, 4), (), constant=True)), -1)
    p = call.params.broadcast
    assert call.function == f"mf_{name}_const_s8" and len(call.inputs) == 1
    assert p.constant_input == 2 and p.rank == 1 and p.output_dims == (36,)
    assert p.input1_strides == (1,) and p.input2_strides == (0,)
    assert call.constants == (p.constant,) and p.constant.values.size == 1
    # no options table at all is the schema's empty table
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator(opcode, (x, x), (y,))
    assert kt.lower_op(b.build(), -1).params.broadcast.output_dims == (4,)


@pytest.mark.parametrize("opcode", OPCODES)
def test_lowering_maximum_minimum_rejects(opcode: str):
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 3), 0.1, 0)
    b.add_operator(opcode, (x, x), (y,))
    with pytest.raises(ModelFileError, match=rf"\({opcode}\).*broadcasting"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((1, 3), np.int8), scale=0.1, name="c")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator(opcode, (x, c), (y,))
    with pytest.raises(ModelFileError, match=rf"\({opcode}\).*do not broadcast"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0, dtype="uint8")
    y = b.add_output((1, 4), 0.1, 0, dtype="uint8")
    b.add_operator(opcode, (x, x), (y,))
    with pytest.raises(UnsupportedModelError, match=rf"\({opcode}\).*uint8"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((1, 4), np.float32), name="float_constant")
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator(opcode, (c, x), (y,))
    with pytest.raises(UnsupportedModelError,
                       match=rf"\({opcode}\): input 1 tensor 'float_constant' is a float32"):
        kt.lower_op(b.build(), -1)

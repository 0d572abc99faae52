"""CONCATENATION: mcuforge.compile.ops.concatenation and firmware/kernels/concatenation.c.

Host tests run each case's model against TFLite-Micro (kernel_testing.run_case). mcuforge
compiles models with one input, so the other operands are computed from the model input
(kernel_testing.derived: FULLY_CONNECTED, then RESHAPE). The lowering tests check the typed
params and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import ConcatenationOptions, ReshapeOptions


@dataclass(frozen=True)
class ConcatCase:
    id: str
    x_shape: tuple[int, ...]
    # operands in order: "x" for the model input, or the shape of a computed operand
    operands: tuple[str | tuple[int, ...], ...]
    axis: int
    q: tuple[float, int] = (0.05, -3)
    reshape_to: tuple[int, ...] | None = None    # a RESHAPE after it (keeps the batch at 1)


CONCAT_CASES = [
    ConcatCase("channels", (1, 4, 5, 3), ("x", (1, 4, 5, 5)), 3),
    ConcatCase("channels_negative_axis", (1, 4, 5, 3), ((1, 4, 5, 2), "x"), -1),
    ConcatCase("height", (1, 4, 5, 3), ("x", (1, 2, 5, 3)), 1),
    ConcatCase("three_inputs", (1, 3, 3, 2), ((1, 3, 3, 4), "x", (1, 3, 3, 1)), 3),
    ConcatCase("same_tensor_twice", (1, 3, 4, 2), ("x", "x"), 2),
    ConcatCase("ten_inputs", (1, 2, 2, 1), ("x", (1, 2, 2, 2), "x", (1, 2, 2, 1), "x", "x",
                                            (1, 2, 2, 3), "x", (1, 2, 2, 1), "x"), 3),
    ConcatCase("one_input", (1, 3, 3, 2), ("x",), 3),
    ConcatCase("axis0_then_reshape", (1, 4, 6), ((2, 4, 6), "x"), 0, reshape_to=(1, 12, 6)),
    ConcatCase("zero_point_minus128", (1, 3, 3, 2), ("x", (1, 3, 3, 3)), 3, q=(0.02, -128)),
]


def _concat_model(c: ConcatCase) -> bytes:
    rng = kt.case_rng(c.id)
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.q)
    operands, shapes = [], []
    for k, o in enumerate(c.operands):
        if o == "x":
            operands.append(x)
            shapes.append(c.x_shape)
        else:
            operands.append(kt.derived(b, x, c.x_shape, c.q[0], o, c.q, rng, f"operand{k}"))
            shapes.append(o)
    axis = c.axis % len(c.x_shape)
    out_shape = list(c.x_shape)
    out_shape[axis] = sum(s[axis] for s in shapes)
    options = ConcatenationOptions(axis=c.axis)
    if c.reshape_to is None:
        y = b.add_output(out_shape, *c.q)
        b.add_operator("CONCATENATION", operands, (y,), options)
    else:
        mid = b.add_tensor(out_shape, scale=c.q[0], zero_point=c.q[1], name="concatenated")
        b.add_operator("CONCATENATION", operands, (mid,), options)
        y = b.add_output(c.reshape_to, *c.q)
        shape = b.add_const(np.array(c.reshape_to, dtype=np.int32), name="shape")
        b.add_operator("RESHAPE", (mid, shape), (y,), ReshapeOptions(new_shape=c.reshape_to))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", CONCAT_CASES, ids=lambda c: c.id)
def test_concatenation(case: ConcatCase, tmp_path: Path, host_cc: str):
    kt.run_case(_concat_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_concatenation_params():
    call = kt.lower_op(_concat_model(ConcatCase("x", (1, 4, 5, 3), ("x", (1, 4, 5, 5)), 3)), -1)
    p = call.params
    assert call.function == "mf_concatenation_s8" and len(call.inputs) == 2
    assert call.kernel == "concatenation"
    assert p.num_inputs == 2 and p.outer == 20 and p.input_sizes == (3, 5)
    p = kt.lower_op(_concat_model(ConcatCase("x", (1, 4, 5, 3), ("x", (1, 2, 5, 3)), 1)),
                    -1).params
    assert p.outer == 1 and p.input_sizes == (60, 30)


def _concat_two(q1, q2, out_q, axis=3, activation=NONE, out_c=4) -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 2, 2), *q1)
    other = kt.derived(b, x, (1, 2, 2, 2), q1[0], (1, 2, 2, 2), q2, np.random.default_rng(0), "o")
    y = b.add_output((1, 2, 2, out_c), *out_q)
    b.add_operator("CONCATENATION", (x, other), (y,),
                   ConcatenationOptions(axis=axis, activation=activation))
    return b.build()


def test_lowering_concatenation_rejects():
    with pytest.raises(UnsupportedModelError, match="does not requantize"):
        kt.lower_op(_concat_two((0.1, 0), (0.2, 0), (0.1, 0)), -1)
    with pytest.raises(UnsupportedModelError, match="does not requantize"):
        kt.lower_op(_concat_two((0.1, 0), (0.1, 1), (0.1, 0)), -1)
    with pytest.raises(UnsupportedModelError, match="fused activation RELU"):
        kt.lower_op(_concat_two((0.1, 0), (0.1, 0), (0.1, 0), activation=RELU), -1)
    with pytest.raises(ModelFileError, match="add up to 4"):
        kt.lower_op(_concat_two((0.1, 0), (0.1, 0), (0.1, 0), out_c=5), -1)
    with pytest.raises(ModelFileError, match="does not match"):
        kt.lower_op(_concat_two((0.1, 0), (0.1, 0), (0.1, 0), axis=1), -1)

"""ADD: mcuforge.compile.ops.add and firmware/kernels/add.c.

Host tests run each case's model against TFLite-Micro (kernel_testing.run_case). mcuforge
compiles models with one input, so the second operand is computed from the model input
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
from kernel_testing import NONE, RELU, RELU1, RELU6
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import Activation, AddOptions


@dataclass(frozen=True)
class AddCase:
    id: str
    x_shape: tuple[int, ...]                 # the model input, one operand
    other_shape: tuple[int, ...] | None      # the computed operand; None: ADD(x, x)
    x_q: tuple[float, int] = (0.05, -3)
    other_q: tuple[float, int] = (0.08, 10)
    out_q: tuple[float, int] = (0.1, 2)
    act: Activation = NONE
    swap: bool = False                       # the computed operand first


ADD_CASES = [
    AddCase("same_shape_4d", (1, 5, 6, 8), (1, 5, 6, 8)),
    AddCase("same_scales", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -3), other_q=(0.05, -3),
            out_q=(0.05, -3)),
    AddCase("resnet_like_relu", (1, 8, 8, 16), (1, 8, 8, 16), x_q=(0.0086, -128),
            other_q=(0.0136, -49), out_q=(0.0093, -128), act=RELU),
    AddCase("relu6", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.03, -100), act=RELU6),
    AddCase("relu_n1_to_1", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.01, 5), act=RELU1),
    AddCase("2d", (1, 40), (1, 40)),
    AddCase("same_tensor_twice", (1, 4, 4, 5), None),
    AddCase("broadcast_per_channel_4d", (1, 4, 5, 8), (1, 1, 1, 8)),
    AddCase("broadcast_per_channel_4d_first", (1, 4, 5, 8), (1, 1, 1, 8), swap=True),
    AddCase("broadcast_per_channel_1d", (1, 4, 5, 8), (8,)),
    AddCase("broadcast_scalar_1d", (1, 4, 5, 8), (1,)),
    AddCase("broadcast_scalar_0d_first", (1, 3, 5, 4), (), swap=True),
    AddCase("broadcast_rows_against_columns", (1, 4, 1, 6), (1, 1, 5, 6)),
    AddCase("broadcast_channels_of_1", (1, 4, 5, 1), (1, 4, 5, 6)),
    AddCase("broadcast_5d", (1, 2, 3, 4, 5), (1, 2, 1, 4, 1)),
    AddCase("input_scales_1000x_apart", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.0001, 0),
            other_q=(0.1, 0), out_q=(0.1, 0)),
    AddCase("output_scale_much_finer_saturates", (1, 4, 4, 4), (1, 4, 4, 4), out_q=(0.0005, 0)),
    # the output rescale 2 * max / (2^20 * out) just below 1: out a hair above max / 2^19
    AddCase("output_rescale_near_limit", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(2.0**-3, 0),
            other_q=(2.0**-4, 0), out_q=(2.0**-22 * (1 + 2**-20), 0)),
    AddCase("zero_points_extreme", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -128),
            other_q=(0.08, 127), out_q=(0.1, 127)),
    AddCase("zero_points_extreme_relu", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, 127),
            other_q=(0.08, -128), out_q=(0.1, -128), act=RELU),
]


def _add_model(c: AddCase) -> bytes:
    rng = kt.case_rng(c.id)
    shape = tuple(int(d) for d in np.broadcast_shapes(
        c.x_shape, c.x_shape if c.other_shape is None else c.other_shape))
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.x_q)
    if c.other_shape is None:
        a, other = x, x
    else:
        other = kt.derived(b, x, c.x_shape, c.x_q[0], c.other_shape, c.other_q, rng, "other")
        a = x
    if c.swap:
        a, other = other, a
    y = b.add_output(shape, *c.out_q)
    b.add_operator("ADD", (a, other), (y,), AddOptions(activation=c.act))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", ADD_CASES, ids=lambda c: c.id)
def test_add(case: AddCase, tmp_path: Path, host_cc: str):
    kt.run_case(_add_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_add_merges_dimensions_and_broadcast_strides():
    call = kt.lower_op(_add_model(AddCase("x", (1, 4, 5, 8), (1, 1, 1, 8))), -1)
    p = call.params
    assert call.function == "mf_add_s8" and call.kernel == "add"
    # [4, 5, 8] with a per-channel operand: H and W merge, the operand repeats along them
    assert p.rank == 2 and p.output_dims == (20, 8)
    assert p.input1_strides == (8, 1) and p.input2_strides == (0, 1)
    assert p.left_shift == 20
    p = kt.lower_op(_add_model(AddCase("x", (1, 5, 6, 8), (1, 5, 6, 8))), -1).params
    assert p.rank == 1 and p.output_dims == (240,)
    assert p.input1_offset == 3 and p.input2_offset == -10 and p.output_offset == 2
    p = kt.lower_op(_add_model(AddCase("x", (1, 4, 1, 6), (1, 1, 5, 6))), -1).params
    assert p.output_dims == (4, 5, 6)
    assert p.input1_strides == (6, 0, 1) and p.input2_strides == (0, 6, 1)


def test_lowering_add_rejects():
    with pytest.raises(UnsupportedModelError, match="op 2 \\(ADD\\).*output rescale"):
        kt.lower_op(_add_model(AddCase("x", (1, 2, 2, 2), (1, 2, 2, 2), x_q=(1.0, 0),
                                       other_q=(1.0, 0), out_q=(2.0**-19, 0))), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((1, 4), np.int8), scale=0.1, zero_point=0)
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("ADD", (x, c), (y,), AddOptions())
    with pytest.raises(UnsupportedModelError, match="constant"):
        kt.lower_op(b.build(), -1)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 5), 0.1, 0)
    b.add_operator("ADD", (x, x), (y,), AddOptions())
    with pytest.raises(ModelFileError, match="broadcasting"):
        kt.lower_op(b.build(), -1)

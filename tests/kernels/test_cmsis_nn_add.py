"""ADD on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.add and
firmware/kernels/cmsis_nn/add.c (arm_elementwise_add_s8).

Same-shape ADDs run on CMSIS-NN (lengths around its 4-value DSP blocks, zero points at the
extremes, activations, very different scales); broadcasting ADDs keep the portable kernel and
say so. The second operand is computed from the model input (kernel_testing.derived), as in the
portable kernel tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import cmsis_testing as ct
import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU1, RELU6
from mcuforge.tflite.graph import Activation, AddOptions


@dataclass(frozen=True)
class AddCase:
    id: str
    x_shape: tuple[int, ...]
    other_shape: tuple[int, ...] | None      # the computed operand; None: ADD(x, x)
    x_q: tuple[float, int] = (0.05, -3)
    other_q: tuple[float, int] = (0.08, 10)
    out_q: tuple[float, int] = (0.1, 2)
    act: Activation = NONE
    swap: bool = False


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
    AddCase("input_scales_1000x_apart", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.0001, 0),
            other_q=(0.1, 0), out_q=(0.1, 0)),
    AddCase("output_scale_much_finer_saturates", (1, 4, 4, 4), (1, 4, 4, 4), out_q=(0.0005, 0)),
    AddCase("output_rescale_near_limit", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(2.0**-3, 0),
            other_q=(2.0**-4, 0), out_q=(2.0**-22 * (1 + 2**-20), 0)),
    AddCase("zero_points_extreme", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -128),
            other_q=(0.08, 127), out_q=(0.1, 127)),
    AddCase("zero_points_extreme_relu", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, 127),
            other_q=(0.08, -128), out_q=(0.1, -128), act=RELU),
    AddCase("length_1", (1, 1), (1, 1)),
    AddCase("length_7_tail", (1, 7), (1, 7), swap=True),
    AddCase("length_13_zp_extremes", (1, 13), (1, 13), x_q=(0.05, 127), other_q=(0.02, 127),
            out_q=(0.03, -128)),
]

BROADCAST_CASES = [
    AddCase("broadcast_per_channel_4d", (1, 4, 5, 8), (1, 1, 1, 8)),
    AddCase("broadcast_scalar_1d", (1, 4, 5, 8), (1,)),
    AddCase("broadcast_rows_against_columns", (1, 4, 1, 6), (1, 1, 5, 6)),
]


def add_model(c: AddCase) -> bytes:
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
    program = ct.run_case(add_model(case), tmp_path, op="ADD")
    assert [c for c in program.calls if c.opcode == "ADD"][0].function == "mf_cmsis_add_s8"


@pytest.mark.host
@pytest.mark.parametrize("case", BROADCAST_CASES, ids=lambda c: c.id)
def test_broadcasting_add_stays_portable(case: AddCase, tmp_path: Path, host_cc: str):
    ct.run_case(add_model(case), tmp_path, op="ADD",
                fallback="broadcasting ADD: arm_elementwise_add_s8 adds same-shape inputs only")


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
# (resnet_like_relu's computed operand, a 1024 x 1024 FULLY_CONNECTED, does not fit every board)
@pytest.mark.parametrize("case", [c for c in ADD_CASES if c.id != "resnet_like_relu"],
                         ids=lambda c: c.id)
def test_add_on_board(case: AddCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(add_model(case), tmp_path, board, monkeypatch, op="ADD")

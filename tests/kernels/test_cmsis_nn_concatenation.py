"""CONCATENATION on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.concatenation and
firmware/kernels/cmsis_nn/concatenation.c (arm_concatenation_s8_x per input), on the portable
kernel tests' cases; rows or row lengths above 65,535 keep the portable kernel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import cmsis_testing as ct
import kernel_testing as kt
import tflite_builder as tb
from mcuforge.tflite.graph import ConcatenationOptions, ReshapeOptions


@dataclass(frozen=True)
class ConcatCase:
    id: str
    x_shape: tuple[int, ...]
    operands: tuple[str | tuple[int, ...], ...]   # "x": the model input; else a computed shape
    axis: int
    q: tuple[float, int] = (0.05, -3)
    reshape_to: tuple[int, ...] | None = None


CONCAT_CASES = [
    ConcatCase("channels", (1, 4, 5, 3), ("x", (1, 4, 5, 5)), 3),
    ConcatCase("channels_negative_axis", (1, 4, 5, 3), ((1, 4, 5, 2), "x"), -1),
    ConcatCase("height", (1, 4, 5, 3), ("x", (1, 2, 5, 3)), 1),
    ConcatCase("width", (1, 3, 4, 2), ("x", (1, 3, 1, 2)), 2),
    ConcatCase("three_inputs", (1, 3, 3, 2), ((1, 3, 3, 4), "x", (1, 3, 3, 1)), 3),
    ConcatCase("same_tensor_twice", (1, 3, 4, 2), ("x", "x"), 2),
    ConcatCase("ten_inputs", (1, 2, 2, 1), ("x", (1, 2, 2, 2), "x", (1, 2, 2, 1), "x", "x",
                                            (1, 2, 2, 3), "x", (1, 2, 2, 1), "x"), 3),
    ConcatCase("one_input", (1, 3, 3, 2), ("x",), 3),
    ConcatCase("axis0_then_reshape", (1, 4, 6), ((2, 4, 6), "x"), 0, reshape_to=(1, 12, 6)),
    ConcatCase("zero_point_minus128", (1, 3, 3, 2), ("x", (1, 3, 3, 3)), 3, q=(0.02, -128)),
]


def concat_model(c: ConcatCase) -> bytes:
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
    program = ct.run_case(concat_model(case), tmp_path, op="CONCATENATION")
    call = ct.check_backends(program, op="CONCATENATION")
    assert call.function == "mf_cmsis_concatenation_s8"


def test_rows_are_the_extents_before_the_axis():
    _, program = ct.compile_cmsis(concat_model(CONCAT_CASES[0]))
    p = ct.check_backends(program, op="CONCATENATION").params
    assert (p.num_inputs, p.rows, p.output_row, p.input_rows) == (2, 20, 8, (3, 5))


def test_long_rows_stay_portable():
    case = ConcatCase("long", (1, 40000), ("x", "x"), 1)
    _, program = ct.compile_cmsis(concat_model(case))
    ct.check_backends(program, op="CONCATENATION",
                      fallback="output rows of 80,000 values: arm_concatenation_s8_x counts them")


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386"])
@pytest.mark.parametrize("case", [c for c in CONCAT_CASES if c.id in {"channels", "ten_inputs"}],
                         ids=lambda c: c.id)
def test_concatenation_on_board(case: ConcatCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(concat_model(case), tmp_path, board, monkeypatch, op="CONCATENATION")

"""ADD, SUB and MUL with int16 operands (TFLite "16x8"): mcuforge.compile.ops.add / sub / mul
(through binary.py) and the _s16 functions of firmware/kernels/add.c, sub.c, mul.c.

mcuforge compiles models with one input, so one operand is the int16 model input and the other
is computed from it by an int16 FULLY_CONNECTED (then RESHAPE), or is the input again. Each
model runs on the host over random and extreme int16 vectors against TFLite-Micro
(kernel_testing.run_case).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import binary_testing as bt
import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU6
from mcuforge.errors import UnsupportedModelError
from mcuforge.tflite.graph import AddOptions


@dataclass(frozen=True)
class Binary16Case:
    id: str
    x_shape: tuple[int, ...]
    other_shape: tuple[int, ...] | None     # None: the model input again
    x_scale: float = 1e-3
    other_scale: float = 2.5e-3
    out_scale: float = 2e-3
    act: kt.Activation = NONE
    swap: bool = False


CASES = [
    Binary16Case("same_shape_4d", (1, 4, 5, 6), (1, 4, 5, 6)),
    Binary16Case("broadcast_channel", (1, 4, 5, 6), (1, 1, 1, 6)),
    Binary16Case("broadcast_rows_swapped", (1, 3, 8), (1, 3, 1), swap=True),
    Binary16Case("broadcast_both", (1, 4, 1, 3), (1, 1, 5, 1)),
    Binary16Case("same_tensor_twice", (1, 40), None),
    Binary16Case("relu", (1, 30), (1, 30), act=RELU),
    Binary16Case("relu6", (1, 30), (1, 30), act=RELU6, out_scale=3e-4),
    Binary16Case("output_saturates", (1, 30), (1, 30), out_scale=1e-4),
    Binary16Case("coarse_output", (1, 30), (1, 30), x_scale=1e-4, other_scale=7e-3,
                 out_scale=0.05),
]
# MUL's output scale is about x_scale * other_scale * 2^15 for the products to fill int16
MUL_OUT_FACTOR = 2.0**15 / 3


def binary16_model(opcode: str, c: Binary16Case) -> bytes:
    rng = kt.case_rng(f"{opcode}_{c.id}")
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, c.x_scale, 0, dtype="int16")
    if c.other_shape is None:
        other, other_shape, other_scale = x, c.x_shape, c.x_scale
    else:
        other_shape, other_scale = c.other_shape, c.other_scale
        other = kt.derived_s16(b, x, c.x_shape, c.x_scale, other_shape, other_scale, rng)
    out_scale = c.out_scale
    if opcode == "MUL":
        out_scale = c.x_scale * other_scale * MUL_OUT_FACTOR * (c.out_scale / 2e-3)
    shape = tuple(int(d) for d in np.broadcast_shapes(c.x_shape, other_shape))
    y = b.add_output(shape, out_scale, 0, dtype="int16")
    options = {"ADD": AddOptions(activation=c.act),
               "SUB": bt.activation_options(bt.SUB_OPTIONS, c.act),
               "MUL": bt.activation_options(bt.MUL_OPTIONS, c.act)}[opcode]
    b.add_operator(opcode, (other, x) if c.swap else (x, other), (y,), options)
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("opcode", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_binary_s16(opcode: str, case: Binary16Case, tmp_path: Path, host_cc: str):
    kt.run_case(binary16_model(opcode, case), tmp_path)


def test_lowering_binary_s16_kernels():
    for opcode in ("ADD", "SUB", "MUL"):
        call = kt.lower_op(binary16_model(opcode, CASES[0]), -1)
        assert (call.kernel, call.function) == (opcode.lower(), f"mf_{opcode.lower()}_s16")
    add = kt.lower_op(binary16_model("ADD", CASES[0]), -1)
    assert add.params.left_shift == 15


def test_lowering_binary_s16_rejects_a_constant_operand():
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 1e-3, 0, dtype="int16")
    k = b.add_const(np.arange(4, dtype=np.int16), scale=1e-3, zero_point=0)
    y = b.add_output((1, 4), 1e-3, 0, dtype="int16")
    b.add_operator("MUL", (x, k), (y,), bt.empty_options(bt.MUL_OPTIONS))
    with pytest.raises(UnsupportedModelError, match="is a constant; int16 MUL takes computed"):
        kt.lower_op(b.build())

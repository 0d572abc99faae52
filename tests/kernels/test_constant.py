"""MF_CONSTANT (compile.materialize, compile.ops.constant, firmware/kernels/constant.c): a
constant operand of an element-wise op (as a BatchNormalization on the model input converts:
MUL and ADD with constant vectors) copied into the arena. Host runs against TFLite-Micro; the
graph rewrite in pure Python."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.compile.materialize import OPCODE, materialize_constants
from mcuforge.tflite.graph import AddOptions


def _model(order: str, const_shape: tuple[int, ...], op: str = "ADD") -> bytes:
    """x [1, 3, 4, 5] (op) a constant; ``order`` 'xc' or 'cx'; a second op reads the same constant."""
    rng = np.random.default_rng(len(const_shape) + len(op))
    b = tb.ModelBuilder()
    x = b.add_input((1, 3, 4, 5), 0.05, -3)
    c = b.add_const(rng.integers(-128, 128, const_shape).astype(np.int8), scale=0.03, zero_point=7,
                    name="gamma")
    h = b.add_tensor((1, 3, 4, 5), scale=0.08, zero_point=-1, name="h")
    options = AddOptions() if op == "ADD" else None
    b.add_operator(op, (x, c) if order == "xc" else (c, x), (h,), options)
    y = b.add_output((1, 3, 4, 5), 0.1, 2)
    b.add_operator(op, (h, c), (y,), options)
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("order", ["xc", "cx"])
@pytest.mark.parametrize("const_shape", [(5,), (1, 3, 4, 5), (1, 1, 4, 1)])
def test_add_of_a_constant(order, const_shape, tmp_path: Path, host_cc: str):
    kt.run_case(_model(order, const_shape, "ADD"), tmp_path)


def test_int8_constants_of_sub_and_mul_stay_in_flash():
    """ops.binary reads an int8 constant operand from flash itself: no twin, no copy."""
    for op in ("SUB", "MUL"):
        graph = kt.read_graph(_model("xc", (5,), op))
        assert materialize_constants(graph) is graph


def test_one_twin_per_constant_before_its_first_reader():
    graph = materialize_constants(kt.read_graph(_model("xc", (5,))))
    opcodes = [o.opcode for o in graph.operators]
    assert opcodes == [OPCODE, "ADD", "ADD"]
    twin = graph.operators[0].outputs[0]
    assert graph.operators[1].inputs[1] == twin == graph.operators[2].inputs[1]
    assert not graph.tensor(twin).is_constant and graph.tensor(twin).shape == (5,)
    assert graph.operators[0].index == 2       # after the file's ops: C names stay unique


def test_a_graph_without_constant_operands_is_unchanged():
    graph = kt.read_graph(tb.softmax_model((1, 10), (0.1, 3)))
    assert materialize_constants(graph) is graph

"""MF_FLOAT_TABLE (compile.fuse_float, compile.ops.float_table, over firmware/kernels/lut.c): a
DEQUANTIZE -> float ELU -> QUANTIZE island of an int8 model (as the converter leaves Keras ELU)
as one table. Every one of the 256 input values, over several quantizations, against
TFLite-Micro running the three ops; the graph rewrite in pure Python."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.codegen import render_program
from mcuforge.compile import compile_model
from mcuforge.compile.fuse_float import OPCODE, fuse_float_islands
from mcuforge.emulate import check_on_host


def _island(in_q: tuple[float, int], out_q: tuple[float, int], chain=("ELU",),
            output_float_too: bool = False) -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input((1, 256), *in_q)
    t = b.add_tensor((1, 256), "float32", name="dequantized")
    b.add_operator("DEQUANTIZE", (x,), (t,))
    for k, opcode in enumerate(chain):
        u = b.add_tensor((1, 256), "float32", name=f"f{k}")
        b.add_operator(opcode, (t,), (u,))
        t = u
    if output_float_too:
        b.outputs.append(t)
    y = b.add_output((1, 256), *out_q)
    b.add_operator("QUANTIZE", (t,), (y,))
    return b.build()


QUANTIZATIONS = [((0.05, -3), (0.04, 20)), ((0.1, 0), (0.01, -128)), ((0.02, 100), (0.5, 3)),
                 ((0.2, -128), (0.0078125, 127)), ((1.0 / 16, 5), (1.0 / 32, -100))]


@pytest.mark.host
@pytest.mark.parametrize("in_q, out_q", QUANTIZATIONS)
def test_elu_island_every_input_value(in_q, out_q, tmp_path: Path, host_cc: str):
    model = _island(in_q, out_q)
    path = tmp_path / "island.tflite"
    path.write_bytes(model)
    program = compile_model(path)
    assert [c.opcode for c in program.calls] == [OPCODE]
    c_dir = render_program(program, tmp_path / "c", model)
    every_value = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    rng = np.random.default_rng(0)
    inputs = np.concatenate([every_value, rng.permutation(every_value, axis=1)])
    result = check_on_host(c_dir, inputs, tmp_path / "build", with_litert=False)
    assert np.array_equal(result.generated, result.tflm), kt.first_differences(result.generated,
                                                                               result.tflm)


def test_a_float_tensor_read_elsewhere_is_not_fused():
    """An intermediate float tensor that is also a model output stays: the chain is not private."""
    graph = kt.read_graph(_island((0.05, 0), (0.05, 0), output_float_too=True))
    assert fuse_float_islands(graph) is graph


def test_the_rewrite_keeps_order_and_names():
    graph = fuse_float_islands(kt.read_graph(_island((0.05, 0), (0.05, 0))))
    (op,) = graph.operators
    assert op.opcode == OPCODE and op.index == 0
    table = graph.tensor(op.inputs[1])
    assert table.is_constant and table.shape == (256,)

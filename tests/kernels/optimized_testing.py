"""Shared by the optimized-backend tests (tests/kernels/test_optimized_*.py): compiling a model
on the optimized backend for an ISA, and running it as firmware under QEMU through mcuforge's own
firmware build, every output element compared with TFLite-Micro."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
from conftest import require_tool
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.compile.backends import OPTIMIZED, SHARED_KERNELS, Target
from mcuforge.compile.program import KernelCall, Program
from mcuforge.emulate import check_against_references
from mcuforge.emulate.vectors import vector_shape
from mcuforge.tflite.graph import Graph

BOARD_ISAS = {"mps2_an386": "dsp", "mps3_an547": "mve"}


def compile_optimized(model: bytes, isa: str) -> tuple[Graph, Program]:
    graph = kt.read_graph(model, "case")
    return graph, compile_graph(graph, "case", backend=OPTIMIZED, target=Target(isa=isa))


def optimized_call(program: Program, opcode: str) -> KernelCall:
    """The last call of ``opcode``, which must run on the optimized backend; every other call
    runs there, says why not, or is a kernel every backend shares (a byte copy)."""
    call = [c for c in program.calls if c.opcode == opcode][-1]
    assert call.backend == "optimized", f"op {call.op_index} stayed portable: {call.note}"
    assert all(c.backend == "optimized" or c.note or c.kernel in SHARED_KERNELS
               for c in program.calls)
    return call


def run_on_board(model: bytes, tmp_path: Path, board_id: str, opcode: str,
                 vectors: int = 4) -> KernelCall:
    """Compile for the board's ISA, generate, build the firmware, run the extreme and some random
    vectors under QEMU and require every output element to equal TFLite-Micro's."""
    from mcuforge.boards import get_board
    from mcuforge.builder import build_firmware
    from mcuforge.emulate.qemu import QemuMachine, run_vectors

    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    board = get_board(board_id)
    graph, program = compile_optimized(model, BOARD_ISAS[board_id])
    call = optimized_call(program, opcode)
    c_dir = render_program(program, tmp_path / "c", model)
    info = ModelInfo.load(c_dir)
    elf = build_firmware(info, board, tmp_path / "fw", platformio=False).elf
    inp = graph.tensor(graph.inputs[0])
    inputs = kt.input_vectors(inp.shape, inp.quant.zero_point[0], zlib.crc32(tmp_path.name.encode()))
    inputs = inputs[:3 + vectors].reshape(3 + vectors, *vector_shape(inp.shape))
    with QemuMachine(board, elf, timeout=120.0) as machine:
        run = run_vectors(machine, info.sha256, info.input.size, vector_shape(info.output.shape),
                          inputs)
    result = check_against_references(info, inputs, run.outputs, with_litert=False)
    assert result.generated.shape == result.tflm.shape
    if not np.array_equal(result.generated, result.tflm):
        pytest.fail(f"{board_id}: optimized C differs from TFLite-Micro: "
                    + kt.first_differences(result.generated, result.tflm), pytrace=False)
    return call

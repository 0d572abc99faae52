"""ADD on the optimized backend: mcuforge.compile.ops.optimized.add and
firmware/kernels/optimized/add_dsp.c (mps2_an386) / add_mve.c (mps3_an547), bit-exact with
TFLite-Micro under QEMU: element-wise ADDs (a length that leaves a tail after Helium's 4 lanes,
zero points at the extremes, an activation, input scales far apart); broadcasting stays portable.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from conftest import require_tool
from kernel_testing import NONE, RELU
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.compile.backends import OPTIMIZED, Target
from mcuforge.compile.program import KernelCall, Program
from mcuforge.emulate import check_against_references
from mcuforge.emulate.vectors import vector_shape
from mcuforge.tflite.graph import Activation, AddOptions, Graph


@dataclass(frozen=True)
class AddCase:
    id: str
    x_shape: tuple[int, ...]
    other_shape: tuple[int, ...]
    x_q: tuple[float, int] = (0.05, -3)
    other_q: tuple[float, int] = (0.08, 10)
    out_q: tuple[float, int] = (0.1, 2)
    act: Activation = NONE


CASES = [
    AddCase("resnet_like_relu_zp_extremes_c13", (1, 3, 5, 13), (1, 3, 5, 13), x_q=(0.0086, -128),
            other_q=(0.0136, 127), out_q=(0.0093, -128), act=RELU),
    AddCase("scales_1000x_apart_length_7", (1, 7), (1, 7), x_q=(0.0001, 127),
            other_q=(0.1, -128), out_q=(0.1, 127)),
]


def add_model(c: AddCase) -> bytes:
    rng = kt.case_rng(c.id)
    shape = tuple(int(d) for d in np.broadcast_shapes(c.x_shape, c.other_shape))
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.x_q)
    other = kt.derived(b, x, c.x_shape, c.x_q[0], c.other_shape, c.other_q, rng, "other")
    y = b.add_output(shape, *c.out_q)
    b.add_operator("ADD", (x, other), (y,), AddOptions(activation=c.act))
    return b.build()


# ---- running a case on the optimized backend under QEMU (the same in each test_optimized_*.py;
# the firmware build does not compile kernels/optimized/ yet, so the sources are added here) ----

BOARD_ISAS = {"mps2_an386": "dsp", "mps3_an547": "mve"}


def compile_optimized(model: bytes, isa: str) -> tuple[Graph, Program]:
    graph = kt.read_graph(model, "case")
    return graph, compile_graph(graph, "case", backend=OPTIMIZED, target=Target(isa=isa))


def optimized_call(program: Program, opcode: str) -> KernelCall:
    """The last call of ``opcode``, which must run on the optimized backend; every other call
    runs there or says why not."""
    call = [c for c in program.calls if c.opcode == opcode][-1]
    assert call.backend == "optimized", f"op {call.op_index} stayed portable: {call.note}"
    assert all(c.backend == "optimized" or c.note for c in program.calls)
    return call


def run_on_board(model: bytes, tmp_path: Path, board_id: str, monkeypatch, opcode: str,
                 vectors: int = 4) -> KernelCall:
    """Compile for the board's ISA, generate, build with kernels/optimized/, run the extreme and
    some random vectors under QEMU and require every output element to equal TFLite-Micro's."""
    from mcuforge.boards import get_board
    from mcuforge.builder import firmware
    from mcuforge.emulate.qemu import QemuMachine, run_vectors

    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    board = get_board(board_id)
    graph, program = compile_optimized(model, BOARD_ISAS[board_id])
    call = optimized_call(program, opcode)
    c_dir = render_program(program, tmp_path / "c", model)
    sources = firmware.firmware_sources
    monkeypatch.setattr(firmware, "firmware_sources", lambda m, b, generated: [
        *sources(m, b, generated), *sorted((m.folder / "kernels" / "optimized").glob("*.c"))])
    info = ModelInfo.load(c_dir)
    elf = firmware.build_firmware(info, board, tmp_path / "fw", platformio=False).elf
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


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", sorted(BOARD_ISAS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_add_on_board(case: AddCase, board: str, tmp_path: Path, monkeypatch):
    call = run_on_board(add_model(case), tmp_path, board, monkeypatch, "ADD")
    assert call.function == f"mf_opt_add_{BOARD_ISAS[board]}_s8"


@pytest.mark.parametrize("isa", ["dsp", "mve"])
def test_broadcasting_add_stays_portable(isa: str):
    _, program = compile_optimized(add_model(AddCase("bcast", (1, 4, 5, 8), (1, 1, 1, 8))), isa)
    call = [c for c in program.calls if c.opcode == "ADD"][0]
    assert call.backend == "portable" and "broadcasting ADD" in call.note

"""Shared by the cmsis-nn backend tests (tests/kernels/test_cmsis_nn_*.py): finding the pinned
CMSIS trees, compiling a model with the cmsis-nn backend, building the generated C with CMSIS-NN
on the host (its portable C path) or for a board under QEMU (its DSP and Helium paths), and
comparing every output element with TFLite-Micro.

The CMSIS trees come from $MCUFORGE_CMSIS_NN / $MCUFORGE_CMSIS_CORE, else from the pinned copies
beside the repository (../shared/third_party); without either the tests skip (and fail under
CI=true). CMSIS-NN's sources are compiled once per compiler and flags into a cached static
library (mcuforge.cmsis.static_library).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
from conftest import require_cmsis, require_tool
from mcuforge.cmsis import include_dirs, static_library
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.compile.backends import CMSIS_NN, Target
from mcuforge.compile.program import KernelCall, Program
from mcuforge.emulate import check_against_references, run_host
from mcuforge.emulate.vectors import vector_shape
from mcuforge.tflite.graph import Graph

BACKEND_FOLDER = "cmsis_nn"
# the generated code's flags (mcuforge's C builds), and CMSIS-NN's own sources': no -Werror
C_FLAGS = ("-std=c99", "-O2", "-Wall", "-Wextra", "-Werror")
HOST_LIBRARY_FLAGS = ("-std=c99", "-O2")


# the CMSIS-NN and CMSIS Core trees; skips the test without them (fails under CI)
cmsis_trees = require_cmsis


def target(isa: str = "none") -> Target:
    trees = cmsis_trees()
    return Target(isa=isa, cmsis_nn=trees.nn, cmsis_core=trees.core)


# ---------------------------------------------------------------------------------------------
# compiling with the backend


def compile_cmsis(model: bytes, isa: str = "none", name: str = "case") -> tuple[Graph, Program]:
    """The model's graph and its Program on the cmsis-nn backend for ``isa``."""
    graph = kt.read_graph(model, name)
    return graph, compile_graph(graph, name, CMSIS_NN, target(isa))


def check_backends(program: Program, fallback: str | None = None,
                   op: int | str = -1) -> KernelCall:
    """The call of interest (``op``: a position in the call list, -1 the last, or an opcode:
    its last call) runs on CMSIS-NN, or, when ``fallback`` is given, stays portable with a note
    containing it. Every other call either runs on CMSIS-NN or says why not. Returns that call."""
    if isinstance(op, str):
        call = [c for c in program.calls if c.opcode == op][-1]
    else:
        call = program.calls[op]
    if fallback is None:
        assert call.backend == BACKEND_FOLDER, f"op {call.op_index} ({call.opcode}) stayed " \
                                               f"portable: {call.note}"
    else:
        assert call.backend == "portable" and fallback in call.note, (call.backend, call.note)
    for c in program.calls:
        assert c.backend == BACKEND_FOLDER or c.note, f"op {c.op_index} fell back silently"
    return call


# ---------------------------------------------------------------------------------------------
# the host build: CMSIS-NN's portable C path


def host_cc() -> str:
    return require_tool("gcc", "cc", "clang")


def host_library() -> Path:
    return static_library(cmsis_trees(), host_cc(), HOST_LIBRARY_FLAGS)


def generated_sources(c_dir: Path) -> list[Path]:
    """Every C file of a generated folder: the model, the portable kernels, the cmsis_nn ones."""
    return [*sorted(c_dir.glob("*.c")), *sorted((c_dir / "kernels").glob("*.c")),
            *sorted((c_dir / "kernels" / BACKEND_FOLDER).glob("*.c"))]


def build_host(c_dir: Path, work: Path) -> Path:
    """The generated folder + the host driver + CMSIS-NN, built with the generated code's flags
    (-std=c99 -O2 -Wall -Wextra -Werror; CMSIS-NN's own files come from the library, built
    without -Werror)."""
    from mcuforge.emulate.host import _render_driver

    cc = host_cc()
    model = ModelInfo.load(c_dir)
    work.mkdir(parents=True, exist_ok=True)
    driver = work / "host_main.c"
    _render_driver(model, driver)
    exe = work / f"{model.name}_host"
    includes = [f"-I{p}" for p in [c_dir, *include_dirs(cmsis_trees())]]
    cmd = [cc, *C_FLAGS, *includes, *map(str, generated_sources(c_dir)), str(driver),
           str(host_library()), "-lm", "-o", str(exe)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 0, f"host build failed:\n{' '.join(cmd)}\n{run.stderr}"
    return exe


def model_inputs(graph: Graph, seed: int = 0, count: int | None = None) -> np.ndarray:
    """kernel_testing's vectors (extremes, then random), one per inference, shaped as the
    generated code's vectors; ``count`` random vectors only, when given."""
    inp = graph.tensor(graph.inputs[0])
    if count is None:
        vectors = kt.input_vectors(inp.shape, inp.quant.zero_point[0], seed)
    else:
        rng = np.random.default_rng(seed)
        vectors = rng.integers(-128, 128, size=(count, *inp.shape), dtype=np.int8)
    return vectors.reshape(len(vectors), *vector_shape(inp.shape))


def assert_bit_exact(c_dir: Path, inputs: np.ndarray, generated: np.ndarray) -> None:
    result = check_against_references(ModelInfo.load(c_dir), inputs, generated,
                                      with_litert=False)
    got, tflm = result.generated, result.tflm
    assert got.shape == tflm.shape, f"output shape {got.shape} != TFLM {tflm.shape}"
    if not np.array_equal(got, tflm):
        pytest.fail("cmsis-nn C differs from TFLite-Micro: " + kt.first_differences(got, tflm),
                    pytrace=False)


def run_case(model: bytes, tmp_path: Path, isa: str = "none", fallback: str | None = None,
             op: int | str = -1, seed: int = 0) -> Program:
    """Compile with the cmsis-nn backend for ``isa`` (the host runs CMSIS-NN's portable path,
    so "none" is what it checks), check which calls use it (``check_backends``), generate,
    build on the host with CMSIS-NN, run, and require every output element to equal
    TFLite-Micro's. Returns the program."""
    graph, program = compile_cmsis(model, isa)
    check_backends(program, fallback, op)
    c_dir = render_program(program, tmp_path / "c", model)
    inputs = model_inputs(graph, seed)
    exe = build_host(c_dir, tmp_path / "build")
    assert_bit_exact(c_dir, inputs, run_host(exe, ModelInfo.load(c_dir), inputs))
    return program


# ---------------------------------------------------------------------------------------------
# boards under QEMU: CMSIS-NN's DSP (mps2_an386, Cortex-M4) and Helium (mps3_an547, Cortex-M55)
# paths. mcuforge's firmware build does not know the cmsis_nn kernels yet: the build below adds
# their sources, CMSIS's include paths and the cross-compiled CMSIS-NN library to it.

BOARD_ISAS = {"mps2_an385": "none", "mps2_an386": "dsp", "mps2_an500": "dsp", "mps2_an505": "dsp",
              "mps3_an547": "mve"}


def build_firmware(c_dir: Path, board, out: Path, monkeypatch) -> Path:
    """mcuforge's own firmware build of ``c_dir`` for ``board`` (it compiles the cmsis_nn
    kernels and links CMSIS-NN, built for the board's core). Returns the ELF."""
    from mcuforge.builder import firmware
    from mcuforge.compile.backends import KernelRequest

    trees = cmsis_trees()
    request = KernelRequest(None, str(trees.nn), str(trees.core))
    build = firmware.build_firmware(ModelInfo.load(c_dir), board, out, platformio=False,
                                    kernels=request)
    return build.elf


def run_on_board(c_dir: Path, board, elf: Path, inputs: np.ndarray) -> np.ndarray:
    from mcuforge.emulate.qemu import QemuMachine, run_vectors

    model = ModelInfo.load(c_dir)
    with QemuMachine(board, elf, timeout=120.0) as machine:
        run = run_vectors(machine, model.sha256, model.input.size,
                          vector_shape(model.output.shape), inputs)
    return run.outputs


def run_case_on_board(model: bytes, tmp_path: Path, board_id: str, monkeypatch,
                      fallback: str | None = None, op: int | str = -1, seed: int = 0,
                      count: int | None = 6) -> Program:
    """run_case for a board under QEMU: compiled for the board's ISA, built for its core (so
    CMSIS-NN takes its DSP or Helium path), run there, compared with TFLite-Micro."""
    from mcuforge.boards import get_board

    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    board = get_board(board_id)
    graph, program = compile_cmsis(model, BOARD_ISAS[board_id])
    check_backends(program, fallback, op)
    c_dir = render_program(program, tmp_path / "c", model)
    inputs = model_inputs(graph, seed) if count is None else np.concatenate(
        [model_inputs(graph, seed)[:3], model_inputs(graph, seed, count)])
    elf = build_firmware(c_dir, board, tmp_path / "fw", monkeypatch)
    assert_bit_exact(c_dir, inputs, run_on_board(c_dir, board, elf, inputs))
    return program

"""`mcuforge compile MODEL.tflite`: read and validate the model, lower it to kernel calls, render
the C folder, and put our arena next to TFLite-Micro's for the same model."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from pathlib import Path

from ..boards import get_board
from ..compile import compile_graph
from ..compile.backends import (
    DEFAULT_REQUEST,
    PORTABLE,
    KernelRequest,
    Target,
    board_isa,
    cmsis_trees_for,
    default_backend,
)
from ..compile.program import Program
from ..fsutil import check_output_dir
from ..reference import ReferenceRunError, tflm_arena_bytes
from ..tflite.reader import read_model
from ..ui import Summary, nbytes
from . import render_program
from .model_info import ModelInfo


@dataclass(frozen=True)
class TflmArena:
    """TFLite-Micro's arena for the same model: a comparison figure, not a requirement (a model
    TFLite-Micro cannot load still compiles). Measured once per command and handed on."""

    bytes: int | None
    text: str

    @classmethod
    def measure(cls, tflite: builtins.bytes) -> TflmArena:   # the field `bytes` shadows the type
        try:
            n = tflm_arena_bytes(tflite)
        except ReferenceRunError as exc:
            return cls(None, f"n/a, {exc}")
        return cls(n, nbytes(n))


def add_arena_row(summary: Summary, arena_bytes: int, tflm: TflmArena) -> None:
    summary.add("arena (RAM)", f"{nbytes(arena_bytes)}  (TFLite-Micro: {tflm.text})",
                "arena_bytes", arena_bytes)
    summary.data["tflm_arena_bytes"] = tflm.bytes


@dataclass(frozen=True)
class Compiled:
    program: Program
    tflm_arena: TflmArena


def add_kernel_rows(summary: Summary, model: ModelInfo) -> None:
    """The kernel backend, and every call that stayed portable although another was asked for,
    with the reason (no backend falls back silently)."""
    counts: dict[str, int] = {}
    for layer in model.layers:
        counts[layer.backend] = counts.get(layer.backend, 0) + 1
    isa = f", {model.isa.upper()}" if model.isa != "none" else ""
    used = ", ".join(f"{n} on {b}" for b, n in sorted(counts.items()))
    summary.add("kernels", f"{model.backend}{isa} ({used})", "kernels", model.backend)
    fallbacks = [la for la in model.layers if la.note]
    if fallbacks:
        summary.add("kept portable", "; ".join(f"op {la.op} {la.opcode}: {la.note}"
                                               for la in fallbacks))
    summary.data["isa"] = model.isa
    summary.data["portable_fallbacks"] = [{"op": la.op, "opcode": la.opcode, "reason": la.note}
                                          for la in fallbacks]


def target_for(backend: str, board_name: str | None, request: KernelRequest) -> Target:
    """The Target a model is compiled for: the board's instruction set (the host's, none, without
    a board) and the CMSIS trees when the backend is cmsis-nn."""
    board = get_board(board_name) if board_name else None
    trees = cmsis_trees_for(backend, request)
    return Target(isa=board_isa(board) if board else "none",
                  cmsis_nn=trees.nn if trees else None, cmsis_core=trees.core if trees else None)


def do_compile(model_path: str, out: str, name: str | None, summary: Summary,
               kernels: KernelRequest = DEFAULT_REQUEST, board_name: str | None = None,
               force: bool = False) -> Compiled:
    check_output_dir(out, force, inputs=(model_path,))    # before any work
    board = get_board(board_name) if board_name else None
    backend = kernels.kernels or (default_backend(board) if board else PORTABLE)
    target = target_for(backend, board_name, kernels)
    graph = read_model(model_path)  # read_model names a missing file
    program = compile_graph(graph, name, backend, target)
    tflite = Path(model_path).read_bytes()
    render_program(program, Path(out), tflite, force=force)
    summary.add("generated C", str(out), "c_dir", str(out))
    add_kernel_rows(summary, ModelInfo.from_program(program, Path(out)))
    summary.add("kernel calls", str(len(program.calls)), "calls", len(program.calls))
    summary.add("MACs per inference", f"{program.macs:,}", "macs", program.macs)
    summary.add("weights (flash)", nbytes(program.weight_bytes), "weight_bytes", program.weight_bytes)
    tflm = TflmArena.measure(tflite)
    add_arena_row(summary, program.arena_size, tflm)
    return Compiled(program, tflm)

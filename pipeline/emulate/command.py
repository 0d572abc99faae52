"""`mcuforge emulate C_DIR --host | --board B`: run generated C natively or as firmware under QEMU
and compare every output with TFLite-Micro (and LiteRT, reported). The host and board runs are
also the last stages of `mcuforge run`, which hands them what it already measured (the
TFLite-Micro arena, the reference outputs) instead of measuring it again."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..boards import Board, get_board, load_boards
from ..builder import build_firmware, find_toolchain
from ..builder.command import add_board_row, add_memory_rows
from ..codegen.command import TflmArena, add_arena_row, add_kernel_rows
from ..codegen.model_info import ModelInfo
from ..compile.backends import DEFAULT_REQUEST, KernelRequest
from ..errors import EmulationError
from ..ui import Summary, nbytes, progress_bar
from . import ReferenceCheck, ReferenceOutputs, check_against_references, check_on_host
from .profile import LayerProfile, add_profile_rows, layer_profile, print_table, profile_table
from .qemu import QemuMachine, QemuRun, find_qemu, require_emulated, run_vectors
from .vectors import Vectors, load_vectors_file, random_vectors, vector_shape
from .verdict import add_reference_rows, require_bit_exact


def do_emulate(c_dir: str, board_name: str | None, vectors_file: str | None, random: int | None,
               seed: int, timeout: float, stack: int | None, progress: bool, summary: Summary,
               kernels: KernelRequest = DEFAULT_REQUEST, profile: bool = False,
               as_json: bool = False) -> None:
    """The `emulate` command: vectors from a file or random, on the host or an emulated board;
    ``profile`` (a board only) also times every kernel call and prints the per-layer table."""
    model = ModelInfo.load(c_dir)
    if vectors_file:
        vectors = load_vectors_file(Path(vectors_file), model.input.shape,
                                    dtype=model.input.numpy_dtype)
    else:
        vectors = random_vectors(random if random is not None else 100, model.input.shape, seed,
                                 model.input.numpy_dtype)
    if board_name:
        board = emulated_board(board_name)

        def show(p: LayerProfile) -> None:
            print_table(profile_table(p, f"per-layer profile: {model.name} on {board.id} "
                                         f"(QEMU {board.qemu}, instructions)"), as_json)

        do_emulate_board(model, board, vectors, timeout, stack, progress, summary,
                         kernels=kernels, on_profile=show if profile else None)
    else:
        if profile:
            raise EmulationError("--profile needs --board: the per-layer counts come from an "
                                 "emulated board")
        do_emulate_host(model, vectors, progress, summary, kernels=kernels)


def do_emulate_host(model: ModelInfo, vectors: Vectors, progress: bool, summary: Summary,
                    tflm_arena: TflmArena | None = None,
                    kernels: KernelRequest = DEFAULT_REQUEST) -> ReferenceCheck:
    """Host build and run; ``tflm_arena`` when the caller has already measured it."""
    t0 = time.monotonic()
    check = check_on_host(model, vectors.inputs, progress=progress, kernels=kernels)
    seconds = time.monotonic() - t0
    add_reference_rows(summary, check, vectors, "int8 accuracy (generated C)")
    summary.add("weights (flash)", nbytes(model.weight_bytes), "weight_bytes", model.weight_bytes)
    add_arena_row(summary, model.arena_bytes,
                  tflm_arena or TflmArena.measure(model.tflite_path.read_bytes()))
    summary.add("MACs per inference", f"{model.macs:,}", "macs", model.macs)
    summary.add("host build, run and references", f"{seconds:.1f} s", "host_seconds", round(seconds, 2))
    require_bit_exact(check, f"{model.folder} (host)")
    return check


def emulated_board(board_name: str) -> Board:
    """The board, if it can be emulated here: fails fast (e.g. before a long training run) on an
    unknown or non-emulated board or a missing cross compiler or QEMU."""
    board = get_board(board_name)
    require_emulated(board, [b.id for b in load_boards().values() if b.emulated])
    find_toolchain()
    find_qemu()
    return board


def do_emulate_board(model: ModelInfo, board: Board, vectors: Vectors, timeout: float,
                     stack: int | None, progress: bool, summary: Summary,
                     references: ReferenceOutputs | None = None,
                     kernels: KernelRequest = DEFAULT_REQUEST,
                     on_profile: Callable[[LayerProfile], None] | None = None) -> QemuRun:
    """Builds for ``board`` (checked by ``emulated_board``), runs the vectors under QEMU over the
    serial protocol and compares every output with the references: ``references`` (on exactly
    these vectors) when the caller has them, else computed here. With ``on_profile`` every vector
    is also profiled (PROFILE), the per-layer figures join the summary and go to ``on_profile``."""
    add_board_row(summary, board)
    # without --stack, build_firmware's default: the stack sized from its static bound
    fw = (build_firmware(model, board, stack_bytes=stack, platformio=False, kernels=kernels) if stack
          else build_firmware(model, board, platformio=False, kernels=kernels))
    add_kernel_rows(summary, fw.model)

    n = len(vectors.inputs)
    with progress_bar(n, f"QEMU {board.qemu}", progress, unit="vector") as bar, \
            QemuMachine(board, fw.elf, timeout=timeout) as machine:
        run = run_vectors(machine, model.sha256, model.input.size, vector_shape(model.output.shape),
                          vectors.inputs, bar.update, backend=getattr(fw.model, "backend", "portable"),
                          isa=getattr(fw.model, "isa", "none"), profile=on_profile is not None)
    check = check_against_references(model, vectors.inputs, run.outputs, progress=progress,
                                     references=references)
    add_reference_rows(summary, check, vectors, "int8 accuracy (on the board)")
    add_memory_rows(summary, fw)
    summary.add("stack used (high-water mark)", f"{nbytes(run.stack_used)} of {nbytes(run.stack_size)}",
                "stack_used_bytes", run.stack_used)
    _stack_bound_row(summary, getattr(fw, "stack_bound", None), fw.memory.stack_bytes, stack)
    scratch = int(getattr(fw.model, "scratch_bytes", 0))
    summary.add("scratch (inside the arena)", nbytes(scratch), "scratch_bytes", scratch)
    _instruction_rows(summary, run.instructions, model.macs)
    layers = None
    if on_profile is not None:
        if run.layer_instructions is None or run.instructions is None or run.mark_instructions is None:
            summary.add("per-layer profile", "unknown (the firmware reports no counter rate, hz=0)",
                        "layers", None)
        else:
            layers = layer_profile(fw.model, run.layer_instructions, run.instructions,
                                   run.mark_instructions, f"{board.id} (QEMU {board.qemu})")
            add_profile_rows(summary, layers, f"{fw.model.name}_invoke")
    summary.add("firmware", str(fw.elf), "elf", str(fw.elf))
    summary.add("QEMU wall time", f"{run.wall_seconds:.1f} s ({board.qemu}, -icount shift=7)",
                "qemu_seconds", round(run.wall_seconds, 2))
    require_bit_exact(check, f"{board.id} (QEMU {board.qemu})")
    if layers is not None and on_profile is not None:
        on_profile(layers)
    return run


def _stack_bound_row(summary: Summary, bound, reserved: int, given: int | None) -> None:
    """The static stack bound (builder.stack) and how the reserved stack follows from it."""
    if bound is None:
        return
    from ..builder.stack import MARGIN_BYTES, MARGIN_FRACTION

    how = (f"--stack {given:,} B" if given else
           f"reserved {reserved:,} B = bound + {MARGIN_FRACTION:.0%} + {MARGIN_BYTES} B, rounded to 8")
    summary.add("stack (static bound)", f"{bound.describe()}; {how}", "stack_bound_bytes", bound.bytes)
    summary.data["stack_bound_path"] = list(bound.path)


def _instruction_rows(summary: Summary, counts: np.ndarray | None, macs: int) -> None:
    """Median instructions per inference (the count varies slightly with the input) and per MAC;
    unknown when the firmware reports no counter rate."""
    summary.add("MACs per inference", f"{macs:,}", "macs", macs)
    if counts is None:
        summary.add("instructions per inference", "unknown (the firmware reports no counter rate, hz=0)",
                    "instructions", None)
        summary.data.update({"instructions_min": None, "instructions_max": None})
        summary.add("instructions per MAC", "unknown", "instructions_per_mac", None)
        return
    median, low, high = int(np.median(counts)), int(counts.min()), int(counts.max())
    spread = f" (min {low:,}, max {high:,})" if low != high else ""
    summary.add("instructions per inference", f"{median:,}{spread}", "instructions", median)
    summary.data.update({"instructions_min": low, "instructions_max": high})
    per_mac = median / macs if macs else float("nan")
    summary.add("instructions per MAC", f"{per_mac:.2f}", "instructions_per_mac", round(per_mac, 4))


def do_run_on_board(model: ModelInfo, board: Board, vectors: Vectors, limit: int | None,
                    timeout: float, progress: bool, summary: Summary,
                    references: ReferenceOutputs | None = None,
                    kernels: KernelRequest = DEFAULT_REQUEST) -> None:
    """The last stage of `run --board`: the board's rows join the run's summary, prefixed by the
    board; its JSON figures go under "board_run". ``references`` are those of all of ``vectors``
    (from the host run); the board gets the first ``limit`` of them."""
    if limit is not None:
        vectors = vectors.first(limit)
        references = references.first(limit) if references is not None else None
    board_summary = Summary("board")
    try:
        do_emulate_board(model, board, vectors, timeout, None, progress, board_summary, references,
                         kernels=kernels)
    finally:
        for label, text in board_summary.rows:
            summary.add(f"{board.id}: {label}", text)
        summary.data["board_run"] = board_summary.data

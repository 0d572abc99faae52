"""The board stages of the command line: `boards`, `build` and `emulate --board` (also used by
`run --board`). Kept beside cli.py so that cli.py stays a thin table of commands."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .boards import Board, get_board, load_boards
from .report import Summary, nbytes, progress_bar


def _mhz(hz: int) -> str:
    return f"{hz / 1e6:g} MHz"


def _kib(n: int) -> str:
    return f"{n / 1024:,g}"


def board_record(b: Board) -> dict:
    return {"id": b.id, "name": b.name, "core": b.core, "fpu": b.fpu, "dsp": b.dsp, "mve": b.mve,
            "clock_hz": b.clock_hz, "flash_bytes": b.flash_bytes, "ram_bytes": b.ram_bytes,
            "qemu": b.qemu, "platformio_board": b.platformio.board if b.platformio else None,
            "framework": b.platformio.framework if b.platformio else None,
            "flash_method": b.flash_method, "note": b.note}


def do_boards(as_json: bool, summary: Summary) -> list[Board]:
    """Prints the board table (to stderr with --json, where the JSON carries the same data)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    boards = list(load_boards().values())
    table = Table(title="boards (boards.yaml)", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("board", no_wrap=True)
    table.add_column("core", no_wrap=True)
    table.add_column("clock", justify="right", no_wrap=True)
    table.add_column("flash KiB", justify="right", no_wrap=True)
    table.add_column("RAM KiB", justify="right", no_wrap=True)
    table.add_column("QEMU", no_wrap=True)
    for b in boards:
        core = " ".join([b.core_short] + (["DSP"] if b.dsp else []) + (["MVE"] if b.mve else []))
        table.add_row(b.id, core, _mhz(b.clock_hz), _kib(b.flash_bytes), _kib(b.ram_bytes),
                      b.qemu or "-")
    Console(file=sys.stderr if as_json else sys.stdout).print(table)
    emulated = [b.id for b in boards if b.emulated]
    summary.add("boards", f"{len(boards)} ({len(emulated)} emulated: {', '.join(emulated)})",
                "boards", [board_record(b) for b in boards])
    return boards


def _memory_rows(summary: Summary, fw) -> None:
    m = fw.memory
    summary.add("flash", f"{nbytes(m.flash_bytes)} ({m.flash_parts()}) of {nbytes(m.flash_capacity)}",
                "flash_bytes", m.flash_bytes)
    summary.add("RAM", f"{nbytes(m.ram_bytes)} ({m.ram_parts()}) of {nbytes(m.ram_capacity)}",
                "ram_bytes", m.ram_bytes)
    summary.data.update({"weights_bytes": m.weights_bytes, "code_bytes": m.code_bytes,
                         "arena_bytes": m.arena_bytes, "stack_bytes": m.stack_bytes,
                         "other_ram_bytes": m.other_ram_bytes, "flash_capacity": m.flash_capacity,
                         "ram_capacity": m.ram_capacity})


def _board_row(summary: Summary, board: Board) -> None:
    summary.add("board", f"{board.id} ({board.name})", "board", board.id)


def do_build(c_dir: str, board_name: str, out: str | None, stack: int | None, summary: Summary):
    from .build import build_firmware
    from .build.render import DEFAULT_STACK_BYTES
    from .emulate import load_generated

    board = get_board(board_name)
    model = load_generated(c_dir)
    _board_row(summary, board)
    fw = build_firmware(model, board, Path(out) if out else None, stack_bytes=stack or DEFAULT_STACK_BYTES)
    summary.add("firmware", f"{fw.elf}  (+ .bin, .hex, .map)", "elf", str(fw.elf))
    summary.data.update({"bin": str(fw.bin), "hex": str(fw.hex)})
    _memory_rows(summary, fw)
    summary.add("fits", "yes", "fits", True)
    if fw.platformio is not None:
        summary.add("PlatformIO project", f"{fw.platformio}  (pio run -t upload)",
                    "platformio", str(fw.platformio))
    return fw


def do_emulate_board(c_dir: str, board_name: str, vectors, timeout: float, stack: int | None,
                     progress: bool, summary: Summary):
    """Builds for an emulated board, runs the vectors under QEMU over the serial protocol and
    compares every output with TFLite-Micro (and LiteRT, reported)."""
    from .build import build_firmware, find_toolchain
    from .build.render import DEFAULT_STACK_BYTES
    from .emulate import check_against_references, load_generated
    from .emulate.qemu import QemuMachine, find_qemu, require_emulated, run_vectors
    from .emulate.vectors import vector_shape
    from .emulate.verdict import add_reference_rows, require_bit_exact

    board = get_board(board_name)
    require_emulated(board, [b.id for b in load_boards().values() if b.emulated])
    find_toolchain()
    find_qemu()
    model = load_generated(c_dir)
    _board_row(summary, board)
    fw = build_firmware(model, board, stack_bytes=stack or DEFAULT_STACK_BYTES, platformio=False)

    n = len(vectors.inputs)
    with progress_bar(n, f"QEMU {board.qemu}", progress, unit="vector") as bar, \
            QemuMachine(board, fw.elf, timeout=timeout) as machine:
        run = run_vectors(machine, model.sha256, model.input.size, vector_shape(model.output.shape),
                          vectors.inputs, bar.update)
    check = check_against_references(model, vectors.inputs, run.outputs, progress=progress)
    add_reference_rows(summary, check, vectors, "int8 accuracy (on the board)")
    _memory_rows(summary, fw)
    summary.add("stack used (high-water mark)", f"{nbytes(run.stack_used)} of {nbytes(run.stack_size)}",
                "stack_used_bytes", run.stack_used)
    _instruction_rows(summary, run.instructions, model.macs)
    summary.add("firmware", str(fw.elf), "elf", str(fw.elf))
    summary.add("QEMU wall time", f"{run.wall_seconds:.1f} s ({board.qemu}, -icount shift=7)",
                "qemu_seconds", round(run.wall_seconds, 2))
    require_bit_exact(check, f"{board.id} (QEMU {board.qemu})")
    return run


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


def check_emulated_board(board_name: str) -> Board:
    """Fails fast (before a long training run) on an unknown or non-emulated board or missing tools."""
    from .build import find_toolchain
    from .emulate.qemu import find_qemu, require_emulated

    board = get_board(board_name)
    require_emulated(board, [b.id for b in load_boards().values() if b.emulated])
    find_toolchain()
    find_qemu()
    return board


def do_run_on_board(c_dir: str, board_name: str, vectors, limit: int | None, timeout: float,
                    progress: bool, summary: Summary) -> None:
    """The last stage of `run --board`: the board's rows join the run's summary, prefixed by the
    board; its JSON figures go under "board_run"."""
    if limit is not None:
        vectors = vectors.first(limit)
    board_summary = Summary("board")
    try:
        do_emulate_board(c_dir, board_name, vectors, timeout, None, progress, board_summary)
    finally:
        for label, text in board_summary.rows:
            summary.add(f"{board_name}: {label}", text)
        summary.data["board_run"] = board_summary.data


"""`mcuforge boards`: the boards of boards.yaml as a table (and as JSON records)."""

from __future__ import annotations

import sys

from .boards import Board, load_boards
from .ui import Summary


def _mhz(hz: int) -> str:
    return f"{hz / 1e6:g} MHz"


def _kib(n: int) -> str:
    return f"{n / 1024:,g}"


def board_record(b: Board) -> dict:
    return {"id": b.id, "name": b.name, "core": b.core, "fpu": b.fpu, "dsp": b.dsp, "mve": b.mve,
            "clock_hz": b.clock_hz, "flash_bytes": b.flash_bytes, "ram_bytes": b.ram_bytes,
            "qemu": b.qemu, "platformio_board": b.platformio.board if b.platformio else None,
            "framework": b.platformio.framework if b.platformio else None,
            "flash_methods": list(b.flash.methods), "note": b.note}


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

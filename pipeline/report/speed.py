"""Speed: per-layer instructions on emulated boards (QEMU -icount, exact counts), one figure per
board with the kernel backends side by side.

`mcuforge report --board B` measures them as `mcuforge bench --layers` does (``bench.measure``:
compiled for each backend and the board's core, built, run on random vectors, every output
checked bit for bit against TFLite-Micro, every kernel call timed) and saves the rows in
``speed/<board>.json`` of the reported folder; a later report without --board shows what was
saved. A backend that cannot be used here (CMSIS-NN not found) is left out with a note.
"""

from __future__ import annotations

import json

import numpy as np

from ..bench.measure import compile_for, measure, references_for
from ..boards import Board
from ..cmsis import CmsisError, CmsisTrees, find_cmsis
from ..compile.backends import BACKENDS, CMSIS_NN, PORTABLE, KernelRequest, board_isa
from ..emulate.vectors import random_vectors
from ..fsutil import ensure_dir, write_text_atomic
from ..ui import progress_bar
from .figures import Figure, pyplot, render, short, subplots
from .html import Section
from .source import Source

ID, TITLE = "speed", "Speed"
VECTORS = 3          # random vectors per backend (each checked bit for bit)


def measure_board(source: Source, board: Board, progress: bool) -> tuple[list[dict], list[str]]:
    """Every backend on ``board`` (checked by ``emulate.command.emulated_board``); returns (rows,
    notes) and saves the rows."""
    notes: list[str] = []
    trees: CmsisTrees | None = None
    backends = list(BACKENDS)
    if CMSIS_NN in backends:
        try:
            trees = find_cmsis(None, None)
        except CmsisError as exc:
            backends.remove(CMSIS_NN)
            notes.append(f"cmsis-nn not measured: {exc}")
    root = ensure_dir(source.speed_dir / board.id)
    isa = board_isa(board)
    base = compile_for(source.tflite, PORTABLE, "none", None, root / "portable" / "c")
    inputs = random_vectors(VECTORS, base.inputs, 0).inputs
    references = references_for(base, inputs)
    rows = []
    with progress_bar(len(backends), f"per-layer profile on {board.id}", progress, unit="backend") as bar:
        for backend in backends:
            model = base if backend == PORTABLE else compile_for(
                source.tflite, backend, isa, trees if backend == CMSIS_NN else None, root / backend / "c")
            request = KernelRequest(backend, str(trees.nn) if trees else None,
                                    str(trees.core) if trees else None)
            result = measure(model, board, request, inputs, references, root / backend / "firmware",
                             layers=True)
            rows.append(result.to_json())
            bar.update(1)
    write_text_atomic(source.speed_dir / f"{board.id}.json",
                      json.dumps({"board": board.id, "rows": rows, "notes": notes}, indent=2) + "\n")
    return rows, notes


def saved(source: Source) -> dict[str, dict]:
    """speed/<board>.json of the folder, by board."""
    found = {}
    for path in sorted(source.speed_dir.glob("*.json")):
        data = source.json(path)
        if isinstance(data, dict) and data.get("rows"):
            found[str(data.get("board", path.stem))] = data
    return found


def board_figure(board: str, rows: list[dict]) -> Figure:
    plt = pyplot()
    ops: dict[int, str] = {}
    for r in rows:
        for la in r["layers"]:
            ops.setdefault(int(la["op"]), str(la["opcode"]))
    order = sorted(ops)
    width = 0.8 / max(len(rows), 1)
    fig, ax = subplots(3.6)
    colours = plt.get_cmap("tab10")
    x = np.arange(len(order))
    for k, r in enumerate(rows):
        by_op = {int(la["op"]): int(la["instructions"]) for la in r["layers"]}
        ax.bar(x + (k - (len(rows) - 1) / 2) * width, [by_op.get(op, 0) for op in order], width,
               color=colours(k), label=f"{r['backend']} ({r['instructions']:,} per inference)")
    ax.set_xticks(x, [short(f"op {op} {ops[op]}", 24) for op in order], rotation=45, ha="right",
                  fontsize=7)
    ax.set_ylabel("instructions")
    ax.set_title(f"per-layer instructions on {board} (QEMU -icount)")
    ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    return render(fig, f"fig-speed-{board}", f"Per-layer instructions on {board}, kernel backends "
                  "side by side")


def section(source: Source, board: Board | None, progress: bool) -> Section:
    s = Section(ID, TITLE)
    notes: list[str] = []
    if board is not None:
        _, notes = measure_board(source, board, progress)
    found = saved(source)
    if not found:
        s.text("No per-layer profile saved for this folder: `mcuforge report "
               f"{source.root} --board mps2_an386` (an emulated board) measures one with every "
               "kernel backend.")
        return s
    for note in notes:
        s.text(note)
    for name, data in found.items():
        rows = [r for r in data["rows"] if r.get("layers")]
        if not rows:
            continue
        s.heading(name)
        for note in data.get("notes", ()):
            s.text(note)
        s.figure(board_figure(name, rows))
        ops = sorted({int(la["op"]) for r in rows for la in r["layers"]})
        cols = ["op", "<opcode"] + [f"{r['backend']}" for r in rows]
        body = []
        for op in ops:
            cells = []
            opcode = ""
            for r in rows:
                la = next((la for la in r["layers"] if int(la["op"]) == op), None)
                if la is not None:
                    opcode = str(la["opcode"])
                fell_back = la is not None and r["backend"] != PORTABLE and la["backend"] == PORTABLE
                cells.append("-" if la is None else f"{int(la['instructions']):,}"
                             + (" (portable)" if fell_back else ""))
            body.append([str(op), opcode, *cells])
        body.append(["", "inference", *[f"{int(r['instructions']):,}" for r in rows]])
        body.append(["", "bit-exact vectors", *[f"{r['bit_exact']}/{r['vectors']}" for r in rows]])
        s.table(cols, body, caption=f"Per-layer instructions on {name}", id=f"table-speed-{name}")
    return s



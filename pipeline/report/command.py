"""`mcuforge report RUN_DIR_OR_C_DIR [--board B] [--out FILE] [--force]`: one self-contained HTML
file (default ``report.html`` in the folder) with the training, quantization, memory, speed and
fit sections. A section that cannot be made here (no float model, no TensorFlow, no saved
profile) says why in the page instead of failing the report."""

from __future__ import annotations

import time
from pathlib import Path

from ..boards import load_boards
from ..check.analyse import analyse
from ..emulate.command import emulated_board
from ..errors import McuforgeError, MissingDependencyError, OutputPathError
from ..fsutil import write_text_atomic
from ..ui import Summary, nbytes
from . import fit, memory, quantization, speed, training
from .figures import pyplot
from .html import GENERATOR, omitted, page
from .source import find_source


def _check_out(out: Path, force: bool) -> None:
    """A report may replace a report; anything else only with --force."""
    if out.is_dir():
        raise OutputPathError(f"{out}: is a folder; give the report's file name (e.g. {out}/report.html)")
    if not out.parent.is_dir():
        raise OutputPathError(f"{out}: no such folder {out.parent}")
    if out.is_file() and not force:
        with open(out, "rb") as f:
            head = f.read(512)
        if b'<meta name="generator" content="mcuforge' not in head:
            raise OutputPathError(f"{out}: exists and is not a report mcuforge wrote; choose another "
                                  "file, or pass --force to replace it")


def do_report(path: str | Path, board_name: str | None, out: str | Path | None, force: bool,
              progress: bool, summary: Summary) -> Path:
    t0 = time.monotonic()
    source = find_source(path)
    target = Path(out) if out else source.default_out()
    _check_out(target, force)
    # --board measures on it: an unknown or non-emulated board, or no cross compiler or QEMU,
    # fails now, before the other sections' work
    board = emulated_board(board_name) if board_name else None
    pyplot()                                    # no matplotlib: one line now, not after the work
    boards = list(load_boards().values())
    int8 = source.tflite.read_bytes()
    analysis = analyse(source.tflite)
    fits = fit.board_fits(analysis, boards)

    sections = [training.section(source)]
    try:
        quant, comparison = quantization.section(source, analysis.graph, int8)
    except McuforgeError as exc:
        if isinstance(exc, MissingDependencyError) and "matplotlib" in str(exc):
            raise
        quant, comparison = omitted(quantization.ID, quantization.TITLE, str(exc)), None
    sections += [quant, memory.section(source, analysis, fits, boards, board),
                 speed.section(source, board, progress), fit.section(analysis, fits)]

    info = source.model_info
    macs = info.macs if info is not None else analysis.plan().macs
    intro = [f"{source.name}: {source.tflite} (sha256 {analysis.graph.sha256[:12]}), "
             f"{len(analysis.graph.operators)} operators, {macs:,} MACs per inference"
             + (f", arena {info.arena_bytes:,} B and {info.weight_bytes:,} B of weights in the "
                f"generated C ({info.backend} kernels)" if info is not None else "") + "."]
    html = page(f"mcuforge report: {source.name}", intro, sections)
    write_text_atomic(target, html)

    figures = [f.id for s in sections for f in s.figures]
    summary.add("report", str(target), "report", str(target))
    summary.add("size", nbytes(len(html.encode())), "report_bytes", len(html.encode()))
    summary.add("figures", f"{len(figures)}: {', '.join(figures)}", "figures", figures)
    left_out = [f"{s.title} ({s.omitted})" for s in sections if s.omitted]
    summary.data["omitted"] = {s.id: s.omitted for s in sections if s.omitted}
    if left_out:
        summary.add("left out", "; ".join(left_out))
    if comparison is not None and comparison.ranking:
        worst = comparison.ranking[0]
        standing = [f"op {la.op}" for la in comparison.ranking if la.flagged]
        summary.add("worst int8 layer", f"op {worst.op} {worst.opcode} ({worst.label}), own SNR "
                    f"{quantization.fmt(worst.own_db, '.1f')} dB"
                    + (f"; standing out: {', '.join(standing)}" if standing else ""),
                    "worst_layer", worst.op)
        summary.data["flagged_layers"] = [la.op for la in comparison.ranking if la.flagged]
    summary.data["generator"] = GENERATOR
    summary.add("report wall time", f"{time.monotonic() - t0:.1f} s", "report_seconds",
                round(time.monotonic() - t0, 1))
    return target

"""Fit: the board-fit table of `mcuforge check` (flash = weights + code estimate, RAM = arena +
stack + runtime, per board with its default kernels), from the same analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..boards import Board
from ..check.analyse import Analysis
from ..check.command import fit_board
from .html import Section

ID, TITLE = "fit", "Fit"


@dataclass(frozen=True)
class BoardFit:
    record: dict[str, Any]      # check's record (its --json "boards" entries)

    @property
    def kernels(self) -> str:
        return str(self.record["kernels"])

    @property
    def fits(self) -> bool:
        return bool(self.record["fits"])


def board_fits(analysis: Analysis, boards: list[Board]) -> list[BoardFit]:
    return [BoardFit(fit_board(analysis, b)) for b in boards]


def _margin(n: int) -> str:
    return f"{n:+,}" if n >= 0 else f"{n:+,} OVER"


def section(analysis: Analysis, fits: list[BoardFit]) -> Section:
    s = Section(ID, TITLE)
    yes = sum(f.fits for f in fits)
    s.text(f"Fits {yes} of {len(fits)} board{'s' if len(fits) != 1 else ''}"
           + ("" if analysis.complete else " at best (some ops do not compile: figures are lower "
              "bounds)") + ". Flash = weights + code estimate; RAM = arena + stack + runtime, with "
           "each board's default kernels, as `mcuforge check` computes them.")
    rows, flagged = [], []
    for k, f in enumerate(fits):
        r = f.record
        if not f.fits:
            flagged.append(k)
        rows.append([r["board"], r["core"], r["kernels"], f"{r['flash_bytes']:,}",
                     f"{r['flash_capacity']:,}", _margin(r["flash_margin"]), f"{r['ram_bytes']:,}",
                     f"{r['ram_capacity']:,}", _margin(r["ram_margin"]), "yes" if f.fits else "NO"])
    s.table(["<board", "<core", "<kernels", "flash", "of", "left", "RAM", "of", "left", "<fits"],
            rows, flagged=flagged, caption="Board fit (bytes)", id="table-fit")
    methods = sorted({str(f.record["estimate"]) for f in fits})
    s.text(f"Code estimate: {'; '.join(methods)}.")
    return s

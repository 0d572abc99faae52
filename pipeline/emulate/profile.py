"""Per-layer cost on an emulated board (`mcuforge emulate --board B --profile`).

The firmware runs each vector once more through PROFILE (README, "Per-layer profile"): the
generated ``<name>_invoke`` calls the layer hook before its first kernel call and after every
one, the hook stores the counter, and the device answers the counter difference around each call.
Each difference holds the kernel call (its argument set-up, the call, the status test) plus one
hook call; the host converts it to instructions exactly as for the whole inference (README,
"Counting instructions") and subtracts one hook call, measured by the firmware at start-up as two
hook calls back to back (``mark=`` of the greeting). What the layers do not cover is the rest of
``<name>_invoke``: copying the input into the arena and the output out of it, its prologue and
epilogue and the hook tests.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from ..codegen.model_info import ModelInfo
from ..errors import EmulationError
from ..ui import Summary


@dataclass(frozen=True)
class LayerCost:
    """One kernel call's instructions (median over the profiled vectors)."""

    call: int           # position in the call sequence
    op: int             # operator index in the .tflite
    opcode: str
    kernel: str         # the C function
    backend: str        # the kernel folder it comes from (portable, optimized, cmsis_nn)
    macs: int
    instructions: int
    share: float        # of the whole inference (INFER's count, no hook)

    @property
    def per_mac(self) -> float | None:
        return self.instructions / self.macs if self.macs else None

    def to_json(self) -> dict[str, Any]:
        per_mac = self.per_mac
        return {"call": self.call, "op": self.op, "opcode": self.opcode, "kernel": self.kernel,
                "backend": self.backend, "macs": self.macs, "instructions": self.instructions,
                "instructions_per_mac": round(per_mac, 4) if per_mac is not None else None,
                "share": round(self.share, 6)}


@dataclass(frozen=True)
class LayerProfile:
    layers: tuple[LayerCost, ...]
    total: int                  # instructions per inference without the hook (median)
    mark: int                   # instructions of one hook call, subtracted from every layer
    vectors: int

    @property
    def layer_sum(self) -> int:
        return sum(la.instructions for la in self.layers)

    @property
    def rest(self) -> int:
        """Instructions of the inference outside the kernel calls (copies, prologue)."""
        return self.total - self.layer_sum


def layer_profile(model: ModelInfo, layer_instructions: np.ndarray, totals: np.ndarray,
                  mark: int, where: str) -> LayerProfile:
    """Rows from a run's ``layer_instructions`` [N, calls] and INFER counts ``totals`` [N]."""
    if layer_instructions.shape[1] != len(model.layers):
        raise EmulationError(f"{where}: the firmware timed {layer_instructions.shape[1]} kernel calls, "
                             f"{model.folder} lists {len(model.layers)} (rebuild it)")
    medians = np.median(layer_instructions, axis=0)
    total = int(np.median(totals))
    layers = tuple(
        LayerCost(call=k, op=la.op, opcode=la.opcode, kernel=la.kernel,
                  backend=getattr(la, "backend", "portable"), macs=la.macs,
                  instructions=int(round(float(medians[k]))),
                  share=float(medians[k]) / total if total else 0.0)
        for k, la in enumerate(model.layers))
    return LayerProfile(layers, total, mark, len(totals))


def add_profile_rows(summary: Summary, profile: LayerProfile, invoke: str) -> None:
    """The profile's totals as summary rows; the rows themselves under ``layers`` in the JSON."""
    covered = profile.layer_sum / profile.total if profile.total else 0.0
    summary.add("per-layer sum", f"{profile.layer_sum:,} of {profile.total:,} instructions "
                f"({100 * covered:.3f} %; the other {profile.rest:,} are {invoke}'s input and "
                f"output copies and call sequence)", "layer_sum_instructions", profile.layer_sum)
    summary.add("per-layer method", f"median of {profile.vectors} vector(s); counter ticks between the "
                f"layer hook's calls, minus one hook call ({profile.mark} instructions) per layer",
                "layer_mark_instructions", profile.mark)
    summary.data["layers"] = [la.to_json() for la in profile.layers]
    summary.data["layer_rest_instructions"] = profile.rest


def profile_table(profile: LayerProfile, title: str) -> Table:
    """op index, op (with its backend when not portable), MACs, instructions, per MAC, share."""
    table = Table(title=title, title_justify="left")
    table.add_column("op", justify="right", no_wrap=True)
    table.add_column("opcode", overflow="fold")
    for name in ("MACs", "instructions", "per MAC", "share"):
        table.add_column(name, justify="right", no_wrap=True)
    for la in profile.layers:
        per_mac = la.per_mac
        opcode = la.opcode if la.backend == "portable" else f"{la.opcode} [{la.backend}]"
        table.add_row(str(la.op), opcode, f"{la.macs:,}", f"{la.instructions:,}",
                      f"{per_mac:.2f}" if per_mac is not None else "-", f"{100 * la.share:.2f} %")
    macs = sum(la.macs for la in profile.layers)
    table.add_row("", "kernel calls", f"{macs:,}", f"{profile.layer_sum:,}",
                  f"{profile.layer_sum / macs:.2f}" if macs else "-",
                  f"{100 * profile.layer_sum / profile.total:.2f} %" if profile.total else "-",
                  style="bold")
    table.add_row("", "inference", "", f"{profile.total:,}",
                  f"{profile.total / macs:.2f}" if macs else "-", "100.00 %", style="bold")
    return table


def print_table(table: Table, as_json: bool, width: int | None = None) -> None:
    """On stdout, or stderr when stdout carries JSON (its last line must be the JSON object).
    ``width``: the columns to use when that stream is not a terminal (logs; rich's default 80)."""
    out = sys.stderr if as_json else sys.stdout
    Console(file=out, width=None if out.isatty() or width is None else width).print(table)


def text_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]],
               right: Sequence[str] = ()) -> Table:
    """A plain multi-column table (the bench uses it)."""
    table = Table(title=title, title_justify="left")
    for name in columns:
        table.add_column(name, justify="right" if name in right else "left")
    for row in rows:
        table.add_row(*row)
    return table

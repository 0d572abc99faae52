"""Memory: the arena plan as a timeline (every tensor a bar over the kernel calls it is live for,
at its offset), and per board the flash (weights per layer, code, other) and the RAM (arena,
scratch, stack used and reserved, other).

Figures per board come from the board's build when there is one (``firmware/<board>/size.json``:
the ELF's sections, measured; the build `report --board` made for the board's default kernels
first, with the stack high-water mark measured under QEMU) and otherwise from `mcuforge check`'s
estimate (weights and arena as compile plans them, code from measured kernel sizes,
``check.codesize``); the table says which.
Weights per layer are the constant arrays of each call as compiled for the board's kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..boards import Board
from ..check.analyse import Analysis, Plan
from .figures import Figure, pyplot, render, short, subplots
from .fit import BoardFit
from .html import Section
from .source import Source
from .speed import saved

ID, TITLE = "memory", "Memory"


@dataclass(frozen=True)
class BoardMemory:
    """One board's flash and RAM, split as the figures show it."""

    board: str
    kernels: str
    measured: bool                  # from a build's size.json, else check's estimate
    layer_weights: tuple[tuple[str, int], ...]   # (layer label, bytes), in call order
    weights: int
    code: int
    flash_other: int
    flash_capacity: int
    arena: int                      # activations: the arena without the scratch buffers
    scratch: int
    stack_used: int | None          # measured high-water mark, else the build's static bound
    stack_reserved: int
    ram_other: int
    ram_capacity: int
    stack_measured: bool = False    # stack_used is a high-water mark measured under QEMU

    @property
    def flash(self) -> int:
        return self.weights + self.code + self.flash_other

    @property
    def ram(self) -> int:
        return self.arena + self.scratch + self.stack_reserved + self.ram_other


def call_label(step, k: int) -> str:
    return f"{k}: op {step.op_index} {step.opcode}"


def layer_weights(plan: Plan) -> tuple[tuple[str, int], ...]:
    return tuple((call_label(step, k), sum(c.nbytes for c in getattr(step, "constants", ())))
                 for k, step in enumerate(plan.steps))


def board_memory(analysis: Analysis, board: Board, fit: BoardFit, size_json: dict | None,
                 stack_high_water: int | None = None) -> BoardMemory:
    """``stack_high_water``: measured under QEMU on the build of ``size_json`` (speed rows)."""
    layers = layer_weights(analysis.plan_for(board))
    if size_json is not None:
        stack = size_json.get("stack") or {}
        bound = (stack.get("bound") or {}).get("bytes")
        used = stack_high_water if stack_high_water is not None else bound
        scratch = int(size_json["scratch_bytes"])
        return BoardMemory(board.id, fit.kernels, True, layers, int(size_json["weights_bytes"]),
                           int(size_json["code_bytes"]),
                           # a build's named objects (linked audio) count as other here
                           int(size_json["other_flash_bytes"])
                           + sum(size_json.get("named_flash", {}).values()),
                           int(size_json["flash_capacity"]), int(size_json["arena_bytes"]) - scratch,
                           scratch, int(used) if used is not None else None,
                           int(size_json["stack_bytes"]), int(size_json["other_ram_bytes"]),
                           int(size_json["ram_capacity"]), stack_high_water is not None)
    f = fit.record
    return BoardMemory(board.id, fit.kernels, False, layers, f["weight_bytes"],
                       f["kernel_code_bytes"] + f["graph_code_bytes"], f["runtime_flash_bytes"],
                       f["flash_capacity"], f["arena_bytes"] - f["scratch_bytes"], f["scratch_bytes"],
                       None, f["stack_bytes"], f["runtime_ram_bytes"], f["ram_capacity"])


def timeline_figure(plan: Plan, where: str) -> Figure:
    """Tensors as bars: x over the kernel calls a tensor is live for (a model input from before
    the first call, an output to after the last), y its byte range in the arena."""
    plt = pyplot()
    n = len(plan.steps)
    fig, ax = subplots(4.2)
    colours = plt.get_cmap("tab20")
    for k, slot in enumerate(sorted(plan.slots, key=lambda s: (s.offset, s.first_use))):
        start = max(slot.first_use, -1) - 0.4
        stop = min(slot.last_use, n) + 0.4
        if slot.persistent:
            start, stop = -1.4, n + 0.4
        scratch = slot.tensor < 0
        ax.broken_barh([(start, stop - start)], (slot.offset, slot.size),
                       facecolors="#cccccc" if scratch else colours(k % 20),
                       edgecolors="#333333", linewidth=0.5, hatch="//" if scratch else None)
        if slot.size >= plan.arena_bytes * 0.06:
            label = f"scratch {-1 - slot.tensor}" if scratch else f"t{slot.tensor}"
            ax.text((start + stop) / 2, slot.offset + slot.size / 2, label, ha="center",
                    va="center", fontsize=7)
    ax.axhline(plan.arena_bytes, color="red", linewidth=0.8, linestyle="--")
    ax.text(n + 0.4, plan.arena_bytes, f" arena {plan.arena_bytes:,} B", va="bottom", ha="right",
            fontsize=8, color="red")
    ax.set_xticks(range(n), [short(call_label(s, k), 22) for k, s in enumerate(plan.steps)],
                  rotation=45, ha="right", fontsize=7)
    ax.set_xlim(-1.5, n + 0.5)
    ax.set_ylim(0, plan.arena_bytes * 1.08 if plan.arena_bytes else 1)
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title(f"arena plan, {plan.backend} kernels{where}: tensors live over kernel calls "
                 f"(hatched: scratch)")
    ax.grid(axis="y", alpha=0.3)
    return render(fig, "fig-arena-timeline", f"Arena plan as a timeline ({plan.backend} kernels"
                  f"{where}): each tensor a bar over the calls it is live for, at its offset")


def flash_figure(boards: list[BoardMemory]) -> Figure:
    plt = pyplot()
    fig, ax = subplots(0.9 + 0.32 * len(boards))
    blues = plt.get_cmap("Blues")
    for row, b in enumerate(boards):
        left = 0
        sizes = [w for _, w in b.layer_weights if w]
        for j, w in enumerate(sizes):
            ax.barh(row, w, left=left, color=blues(0.35 + 0.6 * (j % 6) / 6), edgecolor="white",
                    linewidth=0.3, label="weights (a shade per layer)" if row == 0 and j == 0 else None)
            left += w
        left = b.weights           # the measured total (the planned per-layer split inside it)
        ax.barh(row, b.code, left=left, color="#f28e2b", label="code" if row == 0 else None)
        ax.barh(row, b.flash_other, left=left + b.code, color="#bab0ac",
                label="other" if row == 0 else None)
        ax.text(b.flash, row, f" {b.flash:,} B{'' if b.measured else ' (est.)'}", va="center",
                fontsize=7)
    ax.set_yticks(range(len(boards)), [f"{b.board} ({b.kernels})" for b in boards], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("flash bytes")
    ax.set_xlim(0, max(b.flash for b in boards) * 1.25)
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title("flash per board: weights per layer, code, other")
    return render(fig, "fig-flash", "Flash per board: weights (one shade per layer), code, other")


def ram_figure(boards: list[BoardMemory]) -> Figure:
    fig, ax = subplots(0.9 + 0.32 * len(boards))
    for row, b in enumerate(boards):
        used = b.stack_used if b.stack_used is not None else 0
        parts = [(b.arena, "#4e79a7", "arena (activations)", None),
                 (b.scratch, "#a0cbe8", "scratch", None),
                 (used, "#e15759", "stack used", None),
                 (b.stack_reserved - used, "#ff9d9a", "stack reserved, unused" if used else
                  "stack reserved", "//" if used else None),
                 (b.ram_other, "#bab0ac", "other", None)]
        left = 0
        for size, colour, label, hatch in parts:
            if size > 0:
                ax.barh(row, size, left=left, color=colour, hatch=hatch, edgecolor="white",
                        label=label)
                left += size
        ax.text(left, row, f" {b.ram:,} B{'' if b.measured else ' (est.)'}", va="center", fontsize=7)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=7)
    ax.set_yticks(range(len(boards)), [f"{b.board} ({b.kernels})" for b in boards], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("RAM bytes")
    ax.set_xlim(0, max(b.ram for b in boards) * 1.3)
    ax.set_title("RAM per board: arena, scratch, stack (used / reserved), other")
    return render(fig, "fig-ram", "RAM per board: arena, scratch, stack used and reserved, other")


def section(source: Source, analysis: Analysis, fits: list[BoardFit], boards: list[Board],
            board: Board | None) -> Section:
    s = Section(ID, TITLE)
    plan = analysis.plan_for(board) if board is not None else analysis.plan()
    where = f", {board.id}" if board is not None else ""
    s.text(f"Arena {plan.arena_bytes:,} B with the {plan.backend} kernels{where}"
           + (f", of which the largest scratch buffer {plan.scratch_bytes:,} B" if plan.scratch_bytes
              else "") + f"; {len(plan.slots)} tensors over {len(plan.steps)} kernel calls.")
    s.figure(timeline_figure(plan, where))
    sizes = source.size_files({b.id: f.kernels for b, f in zip(boards, fits)})
    measured = {(r["board"], r["backend"]): r for data in saved(source).values() for r in data["rows"]}
    mems = []
    for b, fit in zip(boards, fits):
        path = sizes.get(b.id)
        size_json = source.json(path) if path is not None else None
        if size_json is not None and size_json.get("sha256") != analysis.graph.sha256:
            size_json = None        # a build of another model
        row = measured.get((b.id, fit.kernels))
        high_water = row.get("stack_used_bytes") if row is not None and path is not None \
            and source.speed_dir in path.parents else None
        mems.append(board_memory(analysis, b, fit, size_json, high_water))
    s.figure(flash_figure(mems))
    s.figure(ram_figure(mems))
    rows = [[m.board, m.kernels, "build (size.json)" if m.measured else "estimate (check)",
             f"{m.weights:,}", f"{m.code:,}", f"{m.flash_other:,}", f"{m.flash:,}",
             f"{m.arena:,}", f"{m.scratch:,}",
             (f"{m.stack_used:,}" + (" (measured)" if m.stack_measured else " (bound)"))
             if m.stack_used is not None else "-", f"{m.stack_reserved:,}",
             f"{m.ram_other:,}", f"{m.ram:,}"] for m in mems]
    s.table(["<board", "<kernels", "<from", "weights", "code", "other", "flash", "arena",
             "scratch", "stack used", "stack reserved", "other", "RAM"], rows,
            caption="Flash and RAM per board, bytes (stack used: the high-water mark measured under "
            "QEMU by `report --board`, else the static bound of the build)",
            id="table-memory")
    default = layer_weights(plan)
    total = sum(w for _, w in default) or 1
    s.table(["<layer", "weights (bytes)", "share %"],
            [[label, f"{w:,}", f"{100 * w / total:.1f}"] for label, w in default if w],
            caption=f"Weights per layer ({plan.backend} kernels{where})", id="table-layer-weights")
    return s


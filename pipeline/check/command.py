"""`mcuforge check MODEL.tflite`: will this model work, and where? Reads, folds and lowers the
model as `mcuforge compile` does (``check.analyse``) and prints, without generating code:

- every operator of the file with its tensors and the compiler's verdict (the lowering's own
  one-line error for an op that does not lower; every one of them, not only the first);
- MACs, weights and the arena as compile plans it (portable kernels), with the arena's timeline:
  the tensors live at each call and where they sit;
- per board of boards.yaml (or ``--board``), with the board's default kernels: flash (weights +
  code estimated from measured sizes, ``check.codesize``) and RAM (arena with the backend's
  scratch + the stack the build reserved for the reference model + the runtime's own data)
  against the board's regions.

Exit status 0 when compile would succeed; else the one-line error names every problem.
"""

from __future__ import annotations

import sys

from ..boards import Board, get_board, load_boards
from ..errors import UnsupportedModelError
from ..tflite.graph import Tensor
from ..ui import Summary, nbytes
from .analyse import Analysis, OpReport, Plan, analyse, short_reason
from .codesize import estimate

BAR_WIDTH = 32   # characters of one timeline bar (the whole arena)
PIPE_WIDTH = 132  # columns of the tables when stdout is not a terminal


def _tensor(t: Tensor | None) -> str:
    if t is None:
        return "-"
    text = f"{t.dtype.name.lower()}[{','.join(map(str, t.shape))}]"
    return f"const {text}" if t.is_constant else text


def _tensor_record(t: Tensor | None) -> dict | None:
    if t is None:
        return None
    return {"tensor": t.index, "name": t.name, "dtype": t.dtype.name.lower(), "shape": list(t.shape),
            "constant": t.is_constant}


def _op_record(op: OpReport, model_name: str) -> dict:
    return {"index": op.index, "opcode": op.opcode, "version": op.version, "status": op.status,
            "reason": short_reason(op, model_name) if op.status == "unsupported" else op.reason,
            "error": op.reason if op.status == "unsupported" else None,
            "kernel": op.kernel or None, "macs": op.macs,
            "inputs": [_tensor_record(t) for t in op.inputs],
            "outputs": [_tensor_record(t) for t in op.outputs]}


def _verdict(op: OpReport, model_name: str) -> str:
    if op.status == "supported":
        return f"ok: {op.kernel}"
    if op.status == "folded":
        return f"folded: {op.reason}"
    return f"UNSUPPORTED: {short_reason(op, model_name)}"


def _timeline(plan: Plan) -> list[dict]:
    rows = []
    for k, step in enumerate(plan.steps):
        live = plan.live_at(k)
        rows.append({"step": k, "op": step.op_index, "opcode": step.opcode,
                     "tensors": sorted(s.tensor for s in live if s.tensor >= 0),
                     "scratch_bytes": sum(s.size for s in live if s.tensor < 0),
                     "bytes": sum(s.size for s in live),
                     "high_bytes": max((s.end for s in live), default=0),
                     "slots": [(s.offset, s.size, s.tensor < 0) for s in live]})
    return rows


def _bar(slots: list[tuple[int, int, bool]], arena: int) -> str:
    """The arena as BAR_WIDTH cells: '#' where a live tensor lies, '%' its scratch, '.' free."""
    cells = ["."] * BAR_WIDTH
    for offset, size, scratch in slots:
        first = offset * BAR_WIDTH // max(arena, 1)
        last = max(first, ((offset + size) * BAR_WIDTH - 1) // max(arena, 1))
        for c in range(first, min(last, BAR_WIDTH - 1) + 1):
            cells[c] = "%" if scratch and cells[c] == "." else "#" if not scratch else cells[c]
    return "".join(cells)


def fit_board(analysis: Analysis, board: Board) -> dict:
    """Flash and RAM of the analysed model on ``board`` with its default kernels, against its
    regions (the figures of the fits table; `mcuforge search` prunes with them too)."""
    plan = analysis.plan_for(board)
    io_bytes = sum(analysis.folded.tensor(t).nbytes
                   for t in analysis.folded.inputs + analysis.folded.outputs)
    code = estimate(plan.calls, len(plan.steps), io_bytes, board)
    flash = plan.weight_bytes + code.flash_bytes
    ram = plan.arena_bytes + code.stack_bytes + code.runtime_ram
    flash_cap, ram_cap = board.code_region.length_bytes, board.data_region.length_bytes
    return {"board": board.id, "core": board.core, "kernels": plan.backend, "isa": plan.isa,
            "flash_bytes": flash, "flash_capacity": flash_cap, "flash_margin": flash_cap - flash,
            "weight_bytes": plan.weight_bytes, "kernel_code_bytes": code.kernels_bytes,
            "graph_code_bytes": code.graph_bytes, "runtime_flash_bytes": code.runtime_flash,
            "ram_bytes": ram, "ram_capacity": ram_cap, "ram_margin": ram_cap - ram,
            "arena_bytes": plan.arena_bytes, "scratch_bytes": plan.scratch_bytes,
            "stack_bytes": code.stack_bytes, "runtime_ram_bytes": code.runtime_ram,
            "fits": flash <= flash_cap and ram <= ram_cap, "estimate": code.method(),
            "measured": code.measured}


def _margin(n: int) -> str:
    return f"{n:+,}" if n >= 0 else f"{n:+,} OVER"


def _print_tables(analysis: Analysis, plan: Plan, timeline: list[dict], fits: list[dict],
                  as_json: bool) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    name = analysis.graph.name
    out = sys.stderr if as_json else sys.stdout
    console = Console(file=out)
    if not console.is_terminal:      # a log or a pipe: no terminal width to respect
        console = Console(file=out, width=PIPE_WIDTH)

    def table(title: str, *columns: str) -> Table:
        """Columns named with a leading '>' are right-aligned."""
        t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for c in columns:
            t.add_column(c.lstrip(">"), justify="right" if c.startswith(">") else "left")
        return t

    ops = table(f"operators of {analysis.path.name}", ">#", "op", "inputs -> outputs", "constants",
                ">MACs", "verdict")
    for op in analysis.ops:
        computed = [t for t in op.inputs if t is not None and not t.is_constant]
        constants = [t for t in op.inputs if t is not None and t.is_constant]
        ops.add_row(str(op.index), f"{op.opcode} v{op.version}",
                    f"{' '.join(map(_tensor, computed))} -> {' '.join(map(_tensor, op.outputs))}",
                    " ".join(_tensor(t).removeprefix("const ") for t in constants),
                    f"{op.macs:,}" if op.macs else "", _verdict(op, name))
    console.print(ops)

    arena = table(f"arena timeline: {plan.backend} kernels, {nbytes(plan.arena_bytes)} "
                  f"(# tensor, % scratch, . free)", ">call", "op", "live tensors", ">bytes", "arena")
    for row in timeline:
        live = " ".join(f"t{t}" for t in row["tensors"])
        if row["scratch_bytes"]:
            live += f" scratch {row['scratch_bytes']:,}"
        arena.add_row(str(row["step"]), f"{row['op']} {row['opcode']}", live, f"{row['bytes']:,}",
                      f"|{_bar(row['slots'], plan.arena_bytes)}|")
    console.print(arena)

    fit = table("fits: flash = weights + code estimate, RAM = arena + stack + runtime (bytes)",
                "board", "kernels", ">flash", ">of", ">left", ">RAM", ">of", ">left", "fits")
    for f in fits:
        fit.add_row(f["board"], f["kernels"], f"{f['flash_bytes']:,}", f"{f['flash_capacity']:,}",
                    _margin(f["flash_margin"]), f"{f['ram_bytes']:,}", f"{f['ram_capacity']:,}",
                    _margin(f["ram_margin"]), "yes" if f["fits"] else "NO")
    console.print(fit)


def do_check(model_path: str, board_name: str | None, as_json: bool, summary: Summary) -> Analysis:
    boards = [get_board(board_name)] if board_name else list(load_boards().values())
    analysis = analyse(model_path)      # a file that cannot be read raises here, one line
    name = analysis.graph.name
    plan = analysis.plan_for(boards[0]) if board_name else analysis.plan()
    timeline = _timeline(plan)
    fits = [fit_board(analysis, b) for b in boards]
    _print_tables(analysis, plan, timeline, fits, as_json)

    counts = {s: sum(op.status == s for op in analysis.ops) for s in ("supported", "folded", "unsupported")}
    bound = "" if analysis.complete else "at least "
    summary.add("model", f"{analysis.path.name} (sha256 {analysis.graph.sha256[:12]})", "model",
                str(analysis.path))
    summary.data["sha256"] = analysis.graph.sha256
    summary.add("operators", f"{len(analysis.ops)}: {counts['supported']} lowered, "
                f"{counts['folded']} folded away, {counts['unsupported']} unsupported", "ops",
                [_op_record(op, name) for op in analysis.ops])
    summary.data["complete"] = analysis.complete
    summary.add("MACs per inference", f"{bound}{plan.macs:,}", "macs", plan.macs)
    summary.add("weights (flash)", f"{bound}{nbytes(plan.weight_bytes)}", "weight_bytes",
                plan.weight_bytes)
    scratch = f", of which scratch {nbytes(plan.scratch_bytes)}" if plan.scratch_bytes else ""
    summary.add("arena (RAM)", f"{bound}{nbytes(plan.arena_bytes)} ({plan.backend} kernels"
                f"{', ' + boards[0].id if board_name else ''}{scratch})", "arena_bytes",
                plan.arena_bytes)
    summary.data.update(scratch_bytes=plan.scratch_bytes, kernels=plan.backend, isa=plan.isa,
                        timeline=[{k: v for k, v in row.items() if k != "slots"} for row in timeline])
    misfits = [f["board"] for f in fits if not f["fits"]]
    summary.add("fits", f"{bound and 'at best '}{len(fits) - len(misfits)} of {len(fits)} board"
                f"{'s' if len(fits) > 1 else ''}" + (f" (not {', '.join(misfits)})" if misfits else ""),
                "boards", fits)
    methods = sorted({f["estimate"] for f in fits})
    summary.add("code estimate", f"{'; '.join(methods)}; stack as `mcuforge build` reserved for "
                "the reference model on the board (static bound + margin)")
    # the model's problems, then each op's (with its version), as compile words them
    prefix = f"{name}.tflite: "
    problems = [str(p).removeprefix(prefix) for p in analysis.model_problems]
    problems += [f"op {op.index} ({op.opcode} v{op.version}): {short_reason(op, name)}"
                 for op in analysis.ops if not op.supported]
    summary.data["problems"] = problems
    if problems:
        raise UnsupportedModelError(f"{analysis.path.name}: {len(problems)} problem"
                                    f"{'s' if len(problems) > 1 else ''} keep it from compiling: "
                                    + "; ".join(problems))
    return analysis

"""`mcuforge bench [MODELS...]`: every model on every emulated board with every kernel backend,
in one run and one table (README, "Benchmarks").

Each cell (model, board, backend) is measured by ``bench.measure``: compiled for the backend and
the board's core, built, run on the same random vectors under QEMU (-icount, exact instruction
counts), every output checked bit for bit against TFLite-Micro. The ratios compare backends of
the same model on the same board, measured in this run. A backend that cannot be used here
(CMSIS-NN not found) is skipped with a note; one that lacks a kernel for a call, or an
instruction set on a board (the optimized kernels on a Cortex-M3), keeps the portable kernel for
that call, and the table says how many calls did.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from ..boards import Board, get_board, load_boards
from ..builder import find_toolchain
from ..cmsis import CmsisError, CmsisTrees, find_cmsis
from ..codegen.model_info import ModelInfo
from ..compile.backends import BACKENDS, CMSIS_NN, OPTIMIZED, PORTABLE, KernelRequest, board_isa
from ..emulate.profile import print_table, text_table
from ..emulate.qemu import find_qemu, require_emulated
from ..emulate.vectors import random_vectors
from ..errors import McuforgeError, MismatchError
from ..fsutil import check_output_dir, ensure_dir, mark_dir
from ..resources import DATA_ROOT
from ..ui import Summary, progress_bar
from .measure import BenchResult, cell_name, compile_for, measure, references_for

MODELS_ENV = "MCUFORGE_BENCH_MODELS"
DEFAULT_VECTORS = 5
DEFAULT_OUT = Path("build") / "bench"
TABLE_WIDTH = 170


class BenchError(McuforgeError):
    """The bench has nothing to run, or some of its cells failed."""


def default_models(run_root: Path = Path("build")) -> list[Path]:
    """What `mcuforge bench` measures without MODELS: the int8 model of every run folder under
    ``run_root`` (what `mcuforge run` made), the .tflite files named by $MCUFORGE_BENCH_MODELS
    (files or folders, separated by the path separator), and the external reference models kept
    beside a source checkout (``shared/models`` next to it, when present)."""
    found: list[Path] = []
    if run_root.is_dir():
        found += sorted(p for p in run_root.glob("*/model.tflite") if p.parent.name != "bench")
    for item in filter(None, os.environ.get(MODELS_ENV, "").split(os.pathsep)):
        path = Path(item)
        found += sorted(path.glob("*.tflite")) if path.is_dir() else [path]
    beside = DATA_ROOT.parent / "shared" / "models"
    if beside.is_dir() and (DATA_ROOT / "pyproject.toml").is_file():
        found += sorted(beside.glob("*.tflite"))
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def bench_boards(names: str | None) -> list[Board]:
    emulated = [b for b in load_boards().values() if b.emulated]
    if not names:
        return [b for b in emulated if b.counts_exactly]   # the boards whose counts are exact
    boards = [get_board(n) for n in _split(names)]
    for board in boards:
        require_emulated(board, [b.id for b in emulated])
    return list({b.id: b for b in boards}.values())


def bench_backends(names: str | None) -> list[str]:
    backends = _split(names) or list(BACKENDS)
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise BenchError(f"--kernels {','.join(unknown)}: unknown backend (choose from "
                         f"{', '.join(BACKENDS)})")
    return list(dict.fromkeys(backends))


def _model_label(path: Path) -> str:
    return path.stem


def _ratio(a: int | None, b: int | None) -> float | None:
    return round(a / b, 4) if a and b and a > 0 and b > 0 else None


def add_ratios(rows: list[BenchResult]) -> list[dict]:
    """Each row as JSON with ``vs_portable`` (portable's instructions / this one's: the speed-up)
    and ``vs_cmsis_nn`` (this one's / CMSIS-NN's) on the same model and board in this run."""
    by_cell = {(r.model, r.board, r.backend): r for r in rows}
    out = []
    for r in rows:
        d = r.to_json()
        portable = by_cell.get((r.model, r.board, PORTABLE))
        cmsis = by_cell.get((r.model, r.board, CMSIS_NN))
        d["vs_portable"] = _ratio(portable.instructions, r.instructions) if portable else None
        d["vs_cmsis_nn"] = _ratio(r.instructions, cmsis.instructions) if cmsis else None
        out.append(d)
    return out


def bench_table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    columns = ["model", "board", "kernels", "instructions", "per MAC", "arena", "scratch", "code",
               "flash", "RAM", "x portable", "/ cmsis-nn"]

    def num(v: int) -> str:
        return f"{v:,}"

    body = []
    for d in rows:
        kernels = d["backend"]
        if d["portable_calls"]:
            kernels += f" ({d['portable_calls']}/{d['calls']} portable)"
        per_mac = d["instructions_per_mac"]
        body.append([d["model"], d["board"], kernels, num(d["instructions"]),
                     f"{per_mac:.2f}" if per_mac is not None else "-",
                     num(d["arena_bytes"]), num(d["scratch_bytes"]), num(d["code_bytes"]),
                     num(d["flash_bytes"]), num(d["ram_bytes"]),
                     f"{d['vs_portable']:.2f}" if d["vs_portable"] is not None else "-",
                     f"{d['vs_cmsis_nn']:.2f}" if d["vs_cmsis_nn"] is not None else "-"])
    return columns, body


def layer_tables(rows: list[dict], backends: list[str]) -> list[tuple[str, list[str],
                                                                     list[list[str]]]]:
    """Per (model, board) with per-layer figures: one row per operator, each backend's
    instructions side by side, and optimized / cmsis-nn when both ran."""
    cells: dict[tuple[str, str], dict[str, dict]] = {}
    for d in rows:
        if d["layers"]:
            cells.setdefault((d["model"], d["board"]), {})[d["backend"]] = d
    ratio = OPTIMIZED in backends and CMSIS_NN in backends
    tables = []
    for (model, board), by_backend in cells.items():
        present = [b for b in backends if b in by_backend]
        columns = ["op", "opcode", *present] + (["opt / cmsis-nn"] if ratio else [])
        ops: dict[int, dict[str, dict]] = {}
        for backend in present:
            for la in by_backend[backend]["layers"]:
                ops.setdefault(la["op"], {})[backend] = la
        body = []
        for op in sorted(ops):
            got = ops[op]
            opcode = next(iter(got.values()))["opcode"]
            cols = []
            for b in present:
                la = got.get(b)
                fell_back = la is not None and b != PORTABLE and la["backend"] == PORTABLE
                cols.append("-" if la is None else f"{la['instructions']:,}"
                            + (" (portable)" if fell_back else ""))
            line = [str(op), opcode, *cols]
            if ratio:
                r = (_ratio(got[OPTIMIZED]["instructions"], got[CMSIS_NN]["instructions"])
                     if OPTIMIZED in got and CMSIS_NN in got else None)
                line.append(f"{r:.2f}" if r is not None else "-")
            body.append(line)
        totals = [f"{by_backend[b]['instructions']:,}" for b in present]
        line = ["", "inference", *totals]
        if ratio:
            r = _ratio(by_backend[OPTIMIZED]["instructions"], by_backend[CMSIS_NN]["instructions"]) \
                if OPTIMIZED in by_backend and CMSIS_NN in by_backend else None
            line.append(f"{r:.2f}" if r is not None else "-")
        body.append(line)
        tables.append((f"per-layer instructions: {model} on {board}", columns, body))
    return tables


def do_bench(models: Sequence[str], boards: str | None, kernels: str | None, vectors: int,
             seed: int, timeout: float, out: str | None, cmsis_nn: str | None,
             cmsis_core: str | None, progress: bool, summary: Summary,
             as_json: bool = False, force: bool = False, layers: bool = False,
             frontend: bool = False) -> list[dict]:
    """The `bench` command; returns the rows (as in the JSON)."""
    t_start = time.monotonic()
    if frontend:
        from .frontend import do_bench_frontend

        if models or kernels or layers:
            raise BenchError("--frontend measures the audio front end alone: it takes no MODEL, "
                             "--kernels or --layers")

        find_toolchain()
        find_qemu()
        root = Path(out) if out else DEFAULT_OUT / "frontend"
        check_output_dir(root, force)
        mark_dir(ensure_dir(root))
        rows = do_bench_frontend(bench_boards(boards), root, timeout, progress, as_json, summary)
        summary.add("wall time", f"{time.monotonic() - t_start:.0f} s", "seconds",
                    round(time.monotonic() - t_start, 1))
        return rows
    paths = [Path(m) for m in models] if models else default_models()
    if not paths:
        raise BenchError(f"no models to measure: name .tflite files, set {MODELS_ENV}, or make a "
                         f"run folder with `mcuforge run` first")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise BenchError(f"{', '.join(missing)}: no such file")
    board_list = bench_boards(boards)
    backends = bench_backends(kernels)
    find_toolchain()
    find_qemu()

    skipped: list[str] = []
    trees: CmsisTrees | None = None
    if CMSIS_NN in backends:
        try:
            trees = find_cmsis(cmsis_nn, cmsis_core)
        except CmsisError as exc:
            backends.remove(CMSIS_NN)
            skipped.append(f"cmsis-nn skipped: {exc}")
    if not backends:
        raise BenchError("no backend left to measure: " + "; ".join(skipped))

    root = Path(out) if out else DEFAULT_OUT
    check_output_dir(root, force, inputs=tuple(paths))
    mark_dir(ensure_dir(root))
    results: list[BenchResult] = []
    failures: list[str] = []
    cells = len(paths) * len(board_list) * len(backends)
    with progress_bar(cells, "bench", progress, unit="cell") as bar:
        for path in paths:
            label = _model_label(path)
            folder = root / label
            base = compile_for(path, PORTABLE, "none", None, folder / cell_name(PORTABLE, "none") / "c")
            inputs = random_vectors(vectors, base.inputs, seed).inputs
            references = references_for(base, inputs)
            compiled: dict[tuple[str, str], ModelInfo] = {(PORTABLE, "none"): base}
            for backend in backends:
                request = KernelRequest(backend, cmsis_nn, cmsis_core)
                for board in board_list:
                    isa = board_isa(board)
                    cell = folder / cell_name(backend, isa)
                    try:
                        key = (backend, isa if backend != PORTABLE else "none")
                        if key not in compiled:
                            compiled[key] = compile_for(path, backend, isa,
                                                        trees if backend == CMSIS_NN else None,
                                                        cell / "c")
                        model = compiled[key]
                        result = measure(model, board, request, inputs, references,
                                         cell / "firmware" / board.id, timeout, layers=layers)
                        results.append(result)
                        if result.mismatch:
                            failures.append(f"{label} on {board.id} with {backend}: output differs "
                                            f"from TFLite-Micro: {result.mismatch}")
                    except McuforgeError as exc:
                        failures.append(f"{label} on {board.id} with {backend}: {exc}")
                    bar.update(1)

    board_order = {b.id: i for i, b in enumerate(board_list)}
    backend_order = {b: i for i, b in enumerate(backends)}
    results.sort(key=lambda r: (r.model, board_order[r.board], backend_order[r.backend]))
    rows = add_ratios(results)
    columns, body = bench_table(rows)
    if body:
        print_table(text_table(f"mcuforge bench: {vectors} random vector(s) per cell, bit-exact "
                               f"against TFLite-Micro; instructions per inference (QEMU -icount)",
                               columns, body, right=columns[3:]), as_json, TABLE_WIDTH)
    for title, layer_columns, layer_body in layer_tables(rows, backends):
        print_table(text_table(title, layer_columns, layer_body, right=layer_columns[2:]),
                    as_json, TABLE_WIDTH)
    summary.add("models", ", ".join(str(p) for p in paths), "models", [str(p) for p in paths])
    summary.add("boards", ", ".join(b.id for b in board_list), "boards", [b.id for b in board_list])
    summary.add("kernels", ", ".join(backends), "kernels", backends)
    for note in skipped:
        summary.add("skipped", note)
    summary.data["skipped"] = skipped
    fallbacks = sorted({f"{r.backend} on {r.board} ({r.isa}): {r.portable_calls} of {r.calls} calls "
                        f"portable" for r in results if r.portable_calls})
    if fallbacks:
        summary.add("portable fallbacks", "; ".join(fallbacks))
    if OPTIMIZED in backends and CMSIS_NN in backends:
        pairs = [f"{d['model']} {d['board']} {d['vs_cmsis_nn']:.2f}" for d in rows
                 if d["backend"] == OPTIMIZED and d["vs_cmsis_nn"] is not None]
        if pairs:
            summary.add("optimized / cmsis-nn instructions", "; ".join(pairs))
    exact = sum(r.bit_exact for r in results)
    total = sum(r.vectors for r in results)
    summary.add("bit-exact (vs TFLite-Micro)", f"{exact}/{total} over {len(results)} cell(s)",
                "bit_exact", exact)
    summary.data["vectors"] = total
    summary.add("output", str(root), "out", str(root))
    seconds = time.monotonic() - t_start
    summary.add("wall time", f"{seconds:.0f} s", "seconds", round(seconds, 1))
    summary.data["rows"] = rows
    summary.data["failures"] = failures
    if failures:
        error = MismatchError if any("differs from TFLite-Micro" in f for f in failures) else BenchError
        raise error(f"{len(failures)} of {cells} cell(s) failed: " + "; ".join(failures))
    return rows

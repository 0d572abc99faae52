"""`mcuforge search RECIPE --board B`: the most accurate model of a recipe's search space that
fits the board (and the latency limit), found with Ray Tune.

1. The space (``search.space``) becomes candidates, each an ordinary recipe (``space``); a space
   that is empty, or whose combinations are not valid recipes, is an error before anything runs.
2. Pruning, before any training: each candidate's untrained model (random weights, seeded) is
   int8-quantized with its representative data and analysed as `mcuforge check` does (exact
   arena, flash and MACs with the board's default kernels); with ``--max-latency-ms`` its
   instructions are counted under QEMU too. Candidates that cannot fit are listed as rejected.
3. The rest train as Ray Tune trials (``trial``), locally (a Ray instance of its own, 2 CPUs at
   most, no dashboard) or on the cluster at ``--address``; ASHA stops poor ones early on their
   per-epoch validation accuracy. Ray's experiment state is kept in OUT/ray, so ``--resume``
   continues an interrupted search.
4. The Pareto table of the finished trials (int8 accuracy vs latency vs RAM), the winner's
   recipe written to OUT/winner.yaml (an ordinary recipe: `mcuforge run` trains it again with the
   same seed), the whole result in OUT/search.json and with ``--json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import time
from pathlib import Path
from typing import Any

from ..boards import Board, get_board
from ..builder import find_toolchain
from ..emulate.profile import print_table, text_table
from ..emulate.qemu import find_qemu
from ..errors import McuforgeError, MissingDependencyError
from ..fsutil import check_output_dir, ensure_dir, mark_dir, write_text_atomic
from ..ui import Summary, nbytes, percent, progress_bar
from .measure import count_instructions, footprint, latency_ms, stand_in
from .pareto import eligible, front, winner
from .space import Candidate, candidates, combinations, load_search

EXPERIMENT = "search"
LOCAL_CPUS = 2
TABLE_WIDTH = 150


class SearchError(McuforgeError):
    """A search that cannot start or found nothing: no candidate fits, no cluster answers."""


def check_address(address: str) -> None:
    """A SearchError unless something listens at ``address`` (host:port, ray://host:port); "auto"
    (the cluster this machine belongs to) is left to Ray."""
    if address == "auto":
        return
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise SearchError(f"--address {address}: expected HOST:PORT (or ray://HOST:PORT, or auto)")
    try:
        with socket.create_connection((host, int(port)), timeout=3.0):
            pass
    except OSError as exc:
        raise SearchError(f"--address {address}: no Ray cluster answers there "
                          f"({exc.strerror or exc})") from None


def require_ray():
    os.environ.setdefault("RAY_DISABLE_USAGE_STATS", "1")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")     # with verbose=0: no progress output
    try:
        import ray
        from ray import tune
    except ImportError as exc:
        raise MissingDependencyError("mcuforge search needs Ray Tune: pip install 'mcuforge[search]'") from exc
    return ray, tune


# ---------------------------------------------------------------- pruning

def untrained_int8(cand: Candidate, features) -> bytes:
    """The candidate's model with its initial (random, seeded) weights, int8-quantized with its
    representative data: the same graph, shapes and kernels as the trained model."""
    from ..arch import build_model
    from ..quantize.convert import convert_int8
    from ..quantize.stage import representative_inputs
    from ..train.backend import require_tensorflow

    tf = require_tensorflow()
    import keras

    recipe = cand.recipe
    keras.utils.set_random_seed(recipe.training.seed)
    representative = representative_inputs(recipe, features)
    model = build_model(recipe.model, representative.shape[1:], len(features.classes),
                        batchnorm_momentum=recipe.training.batchnorm_momentum, batch_size=1)
    return convert_int8(tf, model, representative)


def prune(cands: list[Candidate], board: Board, root: Path, max_latency_ms: float | None,
          cpi: float, progress: bool) -> list[dict]:
    """One row per candidate: its exact footprint before training and whether it is searched."""
    import yaml

    from ..features.dataset import prepare_inputs

    features_of: dict[str, Any] = {}
    rows = []
    with progress_bar(len(cands), "pruning (untrained int8 models)", progress, unit="candidate") as bar:
        for cand in cands:
            r = cand.recipe
            key = yaml.safe_dump([str(r.dataset), str(r.features)])
            if key not in features_of:   # candidates that differ only in the model share their data
                features_of[key] = prepare_inputs(r, None, False)[0]
            folder = ensure_dir(root / "candidates" / cand.name)
            tflite = folder / "untrained.tflite"
            write_text_atomic(folder / f"{cand.name}.yaml", cand.text)
            tflite.write_bytes(untrained_int8(cand, features_of[key]))
            fp = footprint(tflite, board)
            row: dict[str, Any] = {"index": cand.index, "name": cand.name, "choices": cand.choices,
                                   "label": cand.label(), **fp.to_json(), "reason": fp.problem,
                                   "instructions": None, "latency_ms": None}
            if fp.fits and max_latency_ms is not None:
                counted = count_instructions(tflite, board, folder / "measure")
                row["instructions"] = counted.count
                row["latency_ms"] = latency_ms(counted.count, board, cpi)
                if row["latency_ms"] > max_latency_ms:
                    row["reason"] = (f"latency {row['latency_ms']:.2f} ms > {max_latency_ms:g} ms "
                                     f"({counted.count:,} instructions)")
            row["searched"] = not row["reason"]
            rows.append(row)
            bar.update(1)
    return rows


def _pruned_before(path: Path, key: dict) -> list[dict] | None:
    """On --resume: the pruning of the same candidates for the same board and limits, if saved."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or any(saved.get(k) != v for k, v in key.items()):
        return None
    return saved.get("rows")


def _smallest_need(rows: list[dict], board: Board) -> str:
    best = min(rows, key=lambda r: (r["ram_bytes"] or 1 << 62, r["flash_bytes"]))
    return (f"the smallest, {best['name']} ({best['label']}), {best['reason'] or 'does not fit'}; "
            f"{board.id} has {board.data_region.length_bytes:,} B RAM and "
            f"{board.code_region.length_bytes:,} B flash")


# ---------------------------------------------------------------- Ray

def _init_ray(ray, address: str | None) -> None:
    kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False,
                                  configure_logging=True, logging_level="ERROR")
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            # "local": a Ray of its own, never one that another search or `ray start` runs here
            ray.init(address="local", num_cpus=min(LOCAL_CPUS, os.cpu_count() or 1), **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"--address {address}" if address else "local Ray"
        # Ray's own reason (e.g. a cluster with token authentication) is in the cause
        cause = f" ({_first_line(exc.__cause__)})" if exc.__cause__ is not None else ""
        raise SearchError(f"{where}: Ray did not start: {_first_line(exc)}{cause}") from None


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    text = lines[-1] if lines else type(exc).__name__
    return " ".join(text.split())[:300]


def _run_trials(ray, tune, rows: list[dict], cands: dict[int, Candidate], board: Board,
                root: Path, epochs: int, cpi: float, address: str | None, resume: bool) -> list[dict]:
    """Trains the searched candidates as Ray Tune trials; one result row per trial."""
    from ray.tune.schedulers import ASHAScheduler

    from .trial import FINAL, run_trial

    searched = [r for r in rows if r["searched"]]
    space = {"candidate": tune.grid_search([r["index"] for r in searched])}
    configs = {r["index"]: {
        "name": cands[r["index"]].name, "recipe_text": cands[r["index"]].text, "board": board.id,
        "run_dir": str((root / "trials" / cands[r["index"]].name).resolve()),
        "cycles_per_instruction": cpi, "threads": 1} for r in searched}

    def trainable(config):
        run_trial({**configs[config["candidate"]], **config})

    storage = str((root / "ray").resolve())
    experiment = Path(storage) / EXPERIMENT
    trainable_1cpu = tune.with_resources(trainable, {"cpu": 1})
    # ASHA on the per-epoch validation accuracy; the final report (after int8) is one step more.
    scheduler = ASHAScheduler(time_attr="training_iteration", metric="val_accuracy", mode="max",
                              max_t=epochs + 1, grace_period=1, reduction_factor=2)
    _init_ray(ray, address)
    try:
        if resume and tune.Tuner.can_restore(str(experiment)):
            tuner = tune.Tuner.restore(str(experiment), trainable_1cpu, resume_errored=True)
        else:
            tuner = tune.Tuner(trainable_1cpu, param_space=space,
                               tune_config=tune.TuneConfig(scheduler=scheduler, num_samples=1,
                                                           # one TensorFlow import per worker
                                                           reuse_actors=True),
                               run_config=tune.RunConfig(name=EXPERIMENT, storage_path=storage,
                                                         verbose=0))
        grid = tuner.fit()
        results = []
        for result in grid:
            m = result.metrics or {}
            index = (result.config or {}).get("candidate")
            if index not in cands:
                continue
            row = next(r for r in searched if r["index"] == index)
            out = {k: row[k] for k in ("index", "name", "choices", "label")}
            if result.error is not None:
                out.update(status="failed", error=" ".join(str(result.error).split())[-300:])
            elif FINAL not in m:
                out.update(status="stopped early (ASHA)", epochs=m.get("epoch"),
                           val_accuracy=m.get("val_accuracy"))
            else:
                out.update(status="finished", **{k: m[k] for k in (
                    "epoch", "val_accuracy", "float_accuracy", FINAL, "arena_bytes",
                    "weight_bytes", "flash_bytes", "ram_bytes", "macs", "fits", "instructions",
                    "counted_on", "kernels", "latency_ms", "trial_seconds")})
            results.append(out)
        return sorted(results, key=lambda r: r["index"])
    finally:
        ray.shutdown()


# ---------------------------------------------------------------- the command

def do_search(recipe_path: str, board_name: str, trials: int | None, max_latency_ms: float | None,
              out: str | None, address: str | None, resume: bool, progress: bool,
              summary: Summary, as_json: bool = False, force: bool = False) -> dict:
    t0 = time.monotonic()
    recipe, spec, data = load_search(recipe_path)
    board = get_board(board_name)
    cands = candidates(recipe, spec, data, trials)
    if address:
        check_address(address)
    ray, tune = require_ray()
    find_toolchain()
    find_qemu()
    counted_on = stand_in(board)
    root = Path(out or Path("build") / "search" / recipe.name)
    check_output_dir(root, force or resume, inputs=(recipe_path,))
    mark_dir(ensure_dir(root))
    if not resume:      # a new search replaces the trials and Ray state of an earlier one
        for old in ("ray", "trials", "candidates"):
            shutil.rmtree(root / old, ignore_errors=True)
    cpi = spec.cycles_per_instruction

    pruned = root / "candidates.json"
    key = {"board": board.id, "max_latency_ms": max_latency_ms, "cycles_per_instruction": cpi,
           "recipes": hashlib.sha256("".join(c.text for c in cands).encode()).hexdigest()}
    rows = _pruned_before(pruned, key) if resume else None
    if rows is None:
        rows = prune(cands, board, root, max_latency_ms, cpi, progress)
        write_text_atomic(pruned, json.dumps({**key, "rows": rows}, indent=2, default=str) + "\n")
    rejected = [r for r in rows if not r["searched"]]
    if len(rejected) == len(rows):
        raise SearchError(f"{board.id}: none of the {len(rows)} candidates of {recipe_path} fits: "
                          f"{_smallest_need(rows, board)}")
    t_prune = time.monotonic() - t0
    results = _run_trials(ray, tune, rows, {c.index: c for c in cands}, board, root, spec.epochs,
                          cpi, address, resume)
    finished = [r for r in results if r["status"] == "finished"]
    pareto = front(finished)
    best = winner(finished, max_latency_ms)
    winner_path = root / "winner.yaml"
    if best is not None:
        text = next(c.text for c in cands if c.index == best["index"])
        write_text_atomic(winner_path, text)
    seconds = time.monotonic() - t0
    assumption = (f"latency = instructions x {cpi:g} cycles per instruction (assumed) / "
                  f"{board.clock_hz / 1e6:g} MHz; instructions counted under QEMU on "
                  f"{counted_on.id} ({counted_on.core})")
    result = {"recipe": recipe_path, "board": board.id, "combinations": combinations(spec),
              "candidates": rows, "trials": results, "pareto": [r["index"] for r in pareto],
              "winner": best, "winner_recipe": str(winner_path) if best else None,
              "max_latency_ms": max_latency_ms, "latency_assumption": assumption,
              "cycles_per_instruction": cpi, "counted_on": counted_on.id,
              "address": address or "local", "seconds": round(seconds, 1),
              "pruning_seconds": round(t_prune, 1)}
    write_text_atomic(root / "search.json", json.dumps(result, indent=2, default=str) + "\n")
    _print_tables(rows, results, pareto, best, max_latency_ms, as_json)
    summary.add("board", f"{board.id} ({board.core}, {board.clock_hz / 1e6:g} MHz, "
                f"{nbytes(board.data_region.length_bytes)} RAM, "
                f"{nbytes(board.code_region.length_bytes)} flash)", "board", board.id)
    summary.add("candidates", f"{len(rows)} of {combinations(spec)} combinations; "
                f"{len(rejected)} rejected before training, {len(results)} trained "
                f"({len(finished)} finished, "
                f"{sum(r['status'].startswith('stopped') for r in results)} stopped early)",
                "counts", {"candidates": len(rows), "rejected": len(rejected),
                           "trials": len(results), "finished": len(finished)})
    for r in rejected:
        summary.add(f"rejected before training: {r['name']}", f"{r['label']}: {r['reason']}")
    summary.add("latency", assumption)
    summary.add("ray", address or f"local ({min(LOCAL_CPUS, os.cpu_count() or 1)} CPUs)")
    if best is not None:
        summary.add("winner", f"{best['name']} ({best['label']}): int8 {percent(best['int8_accuracy'])}, "
                    f"{best['latency_ms']:.2f} ms, RAM {nbytes(best['ram_bytes'])}, "
                    f"flash {nbytes(best['flash_bytes'])}")
        summary.add("winner recipe", str(winner_path))
    else:
        summary.add("winner", "none: no finished trial fits" +
                    (f" within {max_latency_ms:g} ms" if max_latency_ms is not None else ""))
    summary.add("output", str(root))
    summary.add("wall time", f"{seconds:.0f} s (pruning {t_prune:.0f} s)")
    summary.data.update(result)
    failed = [r for r in results if r["status"] == "failed"]
    if failed and not finished:
        raise SearchError(f"every trial failed; {failed[0]['name']}: {failed[0]['error']}")
    return result


def _print_tables(rows: list[dict], results: list[dict], pareto: list[dict], best: dict | None,
                  max_latency_ms: float | None, as_json: bool) -> None:
    cols = ["#", "candidate", "arena", "flash", "RAM", "MACs", "before training"]
    body = [[str(r["index"]), r["label"], f"{r['arena_bytes']:,}", f"{r['flash_bytes']:,}",
             f"{r['ram_bytes']:,}", f"{r['macs']:,}",
             "searched" if r["searched"] else f"REJECTED: {r['reason']}"] for r in rows]
    print_table(text_table("candidates: exact footprint of the untrained int8 model (bytes)",
                           cols, body, right=cols[2:6]), as_json, TABLE_WIDTH)
    cols = ["#", "candidate", "status", "float", "int8", "RAM", "flash", "instructions", "ms",
            "Pareto"]
    on_front = {r["index"] for r in pareto}
    body = []
    for r in results:
        if r["status"] != "finished":
            body.append([str(r["index"]), r["label"], r["status"], "", "", "", "", "", "", ""])
            continue
        mark = "winner" if best is not None and r["index"] == best["index"] else \
            "yes" if r["index"] in on_front else ""
        if not eligible(r, max_latency_ms):
            mark += " (over the limit)"
        body.append([str(r["index"]), r["label"], f"{r['status']}, {r['epoch']} epochs",
                     percent(r["float_accuracy"]), percent(r["int8_accuracy"]),
                     f"{r['ram_bytes']:,}", f"{r['flash_bytes']:,}", f"{r['instructions']:,}",
                     f"{r['latency_ms']:.2f}", mark.strip()])
    print_table(text_table("trials: int8 accuracy vs latency vs RAM (test split; Pareto front "
                           "marked)", cols, body, right=cols[3:9]), as_json, TABLE_WIDTH)

"""The `mcuforge` command line: thin argument handling over the stages.

One top-level handler turns every McuforgeError into one line on stderr and a non-zero exit; any
other exception is a bug and keeps its traceback. TensorFlow is imported only inside the commands
that train or quantize. Every command takes --json and then prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__
from .errors import McuforgeError, MismatchError
from .report import Summary, nbytes, percent, progress_bar


def _progress_enabled(args) -> bool:
    return not getattr(args, "quiet", False)


# ---------------------------------------------------------------- stages as functions

def do_train(recipe_path: str, out: str | None, data: str | None, progress: bool, summary: Summary):
    from .recipe import load_recipe
    from .rundir import RunDir
    from .train import train

    recipe = load_recipe(recipe_path)
    run = RunDir(Path(out or Path("build") / recipe.name))
    m = train(recipe, run, data_override=data, progress=progress)
    summary.add("run folder", str(run.root), "run_dir", str(run.root))
    n = m["examples"]
    summary.add(f"{'images' if recipe.is_image else 'clips'} (train/val/test)",
                f"{n['train']:,} / {n['validation']:,} / {n['test']:,}", "examples", n)
    summary.add("epochs", str(m["epochs_run"]), "epochs", m["epochs_run"])
    summary.add("float accuracy (test)", percent(m["float_test_accuracy"]), "float_accuracy",
                m["float_test_accuracy"])
    summary.add("parameters", f"{m['parameters']:,}", "parameters", m["parameters"])
    return recipe, run


def do_quantize(run_path: str, progress: bool, summary: Summary):
    from .recipe import load_recipe
    from .quantize import quantize
    from .rundir import RunDir

    run = RunDir(Path(run_path))
    recipe = load_recipe(run.require(run.recipe, "train"))
    m = quantize(recipe, run, progress=progress)
    summary.add("float accuracy (test)", percent(m["float_accuracy"]), "float_accuracy", m["float_accuracy"])
    summary.add("int8 accuracy (test, LiteRT)", percent(m["int8_accuracy"]), "int8_accuracy",
                m["int8_accuracy"])
    summary.add("float/int8 agreement", percent(m["float_int8_agreement"]), "float_int8_agreement",
                m["float_int8_agreement"])
    summary.add("model bytes (.tflite)", nbytes(m["tflite_bytes"]), "tflite_bytes", m["tflite_bytes"])
    summary.data["confusion_int8"] = m["confusion_int8"]
    summary.data["classes"] = m["classes"]
    return run, m


def do_compile(model_path: str, out: str, name: str | None, summary: Summary):
    from .codegen import render_program
    from .compile import compile_graph
    from .emulate.reference import tflm_arena_bytes
    from .tflite.reader import read_model

    graph = read_model(model_path)
    program = compile_graph(graph, name)
    tflite = Path(model_path).read_bytes()
    render_program(program, Path(out), tflite)
    tflm_arena = tflm_arena_bytes(tflite)
    summary.add("generated C", str(out), "c_dir", str(out))
    summary.add("kernel calls", str(len(program.calls)), "calls", len(program.calls))
    summary.add("MACs per inference", f"{program.macs:,}", "macs", program.macs)
    summary.add("weights (flash)", nbytes(program.weight_bytes), "weight_bytes", program.weight_bytes)
    summary.add("arena (RAM)", f"{nbytes(program.arena_size)}  (TFLite-Micro: {nbytes(tflm_arena)})",
                "arena_bytes", program.arena_size)
    summary.data["tflm_arena_bytes"] = tflm_arena
    return program


@dataclass(frozen=True)
class Vectors:
    inputs: np.ndarray
    labels: np.ndarray | None
    source: str


def load_vectors(path: str | None, random: int | None, shape: tuple[int, ...], seed: int) -> Vectors:
    from .errors import EmulationError

    if path:
        p = Path(path)
        if not p.is_file():
            raise EmulationError(f"{p}: no such vectors file")
        try:
            with np.load(p) as f:
                inputs = f["inputs"].astype(np.int8)
                labels = f["labels"] if "labels" in f else None
        except (ValueError, KeyError, OSError) as exc:
            raise EmulationError(f"{p}: not a vectors .npz with an 'inputs' array ({exc})") from exc
        if inputs.shape[1:] != tuple(shape[1:]):
            raise EmulationError(f"{p}: inputs have shape {list(inputs.shape[1:])} per vector, "
                                 f"the model takes {list(shape[1:])}")
        return Vectors(inputs, labels, str(p))
    n = random if random is not None else 100
    rng = np.random.default_rng(seed)
    return Vectors(rng.integers(-128, 128, size=(n, *shape[1:]), dtype=np.int8), None,
                   f"{n} random vectors (seed {seed})")


def do_emulate_host(c_dir: str, vectors: Vectors, progress: bool, summary: Summary):
    import tempfile

    from .emulate import build_host, compare_exact, load_generated, run_host
    from .emulate.reference import ReferenceRunError, litert_outputs, tflm_arena_bytes, tflm_outputs

    model = load_generated(c_dir)
    tflite = model.tflite_path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="mcuforge-host-") as work:
        t0 = time.monotonic()
        exe = build_host(model, Path(work))
        generated = run_host(exe, model, vectors.inputs)
        t_gen = time.monotonic() - t0
    n = len(vectors.inputs)
    with progress_bar(n, "TFLite-Micro reference", progress) as bar:
        tflm = tflm_outputs(tflite, vectors.inputs, bar.update).reshape(generated.shape)
    vs_tflm = compare_exact(generated, tflm)
    tflm_arena = tflm_arena_bytes(tflite)
    summary.add("vectors", vectors.source, "vectors", n)
    summary.add("bit-exact (vs TFLite-Micro)", vs_tflm.summary(), "bit_exact", vs_tflm.exact)
    try:  # a second opinion: reported, never asserted
        with progress_bar(n, "LiteRT reference", progress) as bar:
            litert = litert_outputs(tflite, vectors.inputs, bar.update).reshape(generated.shape)
        vs_litert = compare_exact(generated, litert)
        summary.add("agreement with LiteRT (reference kernels)",
                    f"{vs_litert.summary()} (max |diff| {vs_litert.max_abs_diff})",
                    "litert_exact", vs_litert.exact)
        summary.data["litert_max_abs_diff"] = vs_litert.max_abs_diff
    except ReferenceRunError as exc:
        summary.add("agreement with LiteRT (reference kernels)", f"not run: {exc}", "litert_exact", None)
    if vectors.labels is not None:
        acc = float(np.mean(np.argmax(generated.reshape(n, -1), axis=1) == vectors.labels))
        summary.add("int8 accuracy (generated C)", percent(acc), "c_accuracy", acc)
    summary.add("weights (flash)", nbytes(model.weight_bytes), "weight_bytes", model.weight_bytes)
    summary.add("arena (RAM)", f"{nbytes(model.arena_bytes)}  (TFLite-Micro: {nbytes(tflm_arena)})",
                "arena_bytes", model.arena_bytes)
    summary.data["tflm_arena_bytes"] = tflm_arena
    summary.add("MACs per inference", f"{model.macs:,}", "macs", model.macs)
    summary.add("host build + run", f"{t_gen:.1f} s", "host_seconds", round(t_gen, 2))
    if not vs_tflm.ok:
        raise MismatchError(f"{c_dir}: generated C differs from TFLite-Micro on "
                            f"{vs_tflm.vectors - vs_tflm.exact} of {vs_tflm.vectors} vectors: "
                            f"{vs_tflm.describe_mismatches()}")
    return vs_tflm


# ---------------------------------------------------------------- commands

def cmd_train(args, summary: Summary) -> None:
    do_train(args.recipe, args.out, args.data, _progress_enabled(args), summary)


def cmd_quantize(args, summary: Summary) -> None:
    do_quantize(args.run_dir, _progress_enabled(args), summary)


def cmd_compile(args, summary: Summary) -> None:
    out = args.out or str(Path(args.model).with_suffix("")) + "_c"
    do_compile(args.model, out, args.name, summary)


def cmd_emulate(args, summary: Summary) -> None:
    from .emulate import load_generated

    model = load_generated(args.c_dir)
    vectors = load_vectors(args.vectors, args.random, model.input.shape, args.seed)
    if args.board:
        from .board_cli import do_emulate_board

        do_emulate_board(args.c_dir, args.board, vectors, args.timeout, args.stack,
                         _progress_enabled(args), summary)
        return
    do_emulate_host(args.c_dir, vectors, _progress_enabled(args), summary)


def cmd_boards(args, summary: Summary) -> None:
    from .board_cli import do_boards

    do_boards(args.json, summary)


def cmd_build(args, summary: Summary) -> None:
    from .board_cli import do_build

    do_build(args.c_dir, args.board, args.out, args.stack, summary)


def cmd_run(args, summary: Summary) -> None:
    from .rundir import RunDir

    t0 = time.monotonic()
    progress = _progress_enabled(args)
    if args.board:
        from .board_cli import check_emulated_board

        check_emulated_board(args.board)  # before training, not after
    stage = Summary("stage")
    recipe, run = do_train(args.recipe, args.out, args.data, progress, stage)
    _, qm = do_quantize(str(run.root), progress, stage)
    program = do_compile(str(run.tflite), str(run.c_dir), recipe.name, stage)
    summary.data.update(stage.data)
    summary.add("run folder", str(run.root))
    summary.add("float accuracy (test)", percent(qm["float_accuracy"]))
    summary.add("int8 accuracy (test, LiteRT)", percent(qm["int8_accuracy"]))
    summary.add("model bytes", f"{nbytes(qm['tflite_bytes'])} .tflite, "
                f"{nbytes(program.weight_bytes)} weights in C")
    with np.load(RunDir(run.root).test_vectors) as f:
        unit = "images" if recipe.is_image else "clips"
        vectors = Vectors(f["inputs"], f["labels"], f"test split ({len(f['labels']):,} {unit})")
    do_emulate_host(str(run.c_dir), vectors, progress, summary)
    if args.board:
        from .board_cli import do_run_on_board

        do_run_on_board(str(run.c_dir), args.board, vectors, args.board_vectors, args.timeout,
                        progress, summary)
    summary.add("wall time", f"{time.monotonic() - t0:.0f} s", "seconds", round(time.monotonic() - t0, 1))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcuforge", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mcuforge {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print the summary as one JSON object last")
    common.add_argument("--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", parents=[common], help="data -> train -> int8 -> C -> host emulation")
    p.add_argument("recipe", help="recipe YAML, e.g. models/kws_dscnn.yaml")
    p.add_argument("--out", help="run folder (default build/<recipe name>)")
    p.add_argument("--data", help="dataset folder instead of the recipe's: Speech Commands layout "
                   "(keyword spotting), image folder or CIFAR-10 batches (images)")
    p.add_argument("--board", help="also run the test split on this emulated board (QEMU), e.g. mps2_an386")
    p.add_argument("--board-vectors", type=int, metavar="N", help="only the first N test vectors on the board")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each board reply")
    p.set_defaults(func=cmd_run, title="mcuforge run")

    p = sub.add_parser("train", parents=[common], help="train the float model of a recipe")
    p.add_argument("recipe")
    p.add_argument("--out", help="run folder (default build/<recipe name>)")
    p.add_argument("--data", help="dataset folder instead of the recipe's: Speech Commands layout "
                   "(keyword spotting), image folder or CIFAR-10 batches (images)")
    p.set_defaults(func=cmd_train, title="mcuforge train")

    p = sub.add_parser("quantize", parents=[common], help="int8-quantize a trained run folder")
    p.add_argument("run_dir")
    p.set_defaults(func=cmd_quantize, title="mcuforge quantize")

    p = sub.add_parser("compile", parents=[common], help="generate C from an int8 .tflite")
    p.add_argument("model", help="int8 .tflite file")
    p.add_argument("--out", help="output folder (default <model>_c next to the model)")
    p.add_argument("--name", help="C prefix of the generated API (default: the model file's stem)")
    p.set_defaults(func=cmd_compile, title="mcuforge compile")

    p = sub.add_parser("emulate", parents=[common], help="run generated C and compare with the references")
    p.add_argument("c_dir", help="folder written by `mcuforge compile`")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--host", action="store_true",
                        help="build with the host C compiler and run natively")
    target.add_argument("--board", help="build firmware for an emulated board (boards.yaml) and run it "
                        "under QEMU over the serial protocol, e.g. mps2_an386")
    p.add_argument("--timeout", type=float, default=60.0, help="--board: seconds to wait for each reply")
    p.add_argument("--stack", type=int, default=4096, metavar="BYTES", help="--board: stack size")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--vectors", help=".npz with an int8 'inputs' array (and optional 'labels')")
    group.add_argument("--random", type=int, metavar="N", help="N random int8 inputs (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of --random")
    p.set_defaults(func=cmd_emulate, title="mcuforge emulate")

    p = sub.add_parser("boards", parents=[common], help="list the boards of boards.yaml")
    p.set_defaults(func=cmd_boards, title="mcuforge boards")

    p = sub.add_parser("build", parents=[common],
                       help="cross-compile generated C into firmware for a board, with a size check")
    p.add_argument("c_dir", help="folder written by `mcuforge compile`")
    p.add_argument("--board", required=True, help="board id from `mcuforge boards`, e.g. nucleo_f746zg")
    p.add_argument("--out", help="output folder (default <c_dir>/../firmware/<board>)")
    p.add_argument("--stack", type=int, default=4096, metavar="BYTES", help="stack size (default 4096)")
    p.set_defaults(func=cmd_build, title="mcuforge build")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    summary = Summary(args.title)
    try:
        args.func(args, summary)
    except McuforgeError as exc:
        if summary.rows:
            summary.print(args.json)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    summary.print(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

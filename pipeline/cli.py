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
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import McuforgeError
from .report import Summary, nbytes, percent

if TYPE_CHECKING:
    from .emulate.vectors import Vectors


def _at_least(minimum: float, kind: type = int, multiple: int = 1):
    """An argparse type: a number >= minimum (and a multiple of ``multiple``), else a usage error."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < minimum or (kind is int and value % multiple):
            extra = f" and a multiple of {multiple}" if multiple > 1 else ""
            raise argparse.ArgumentTypeError(f"must be at least {minimum:g}{extra}, got {text}")
        return value
    return parse


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
    n = m.examples
    summary.add(f"{'images' if recipe.is_image else 'clips'} (train/val/test)",
                f"{n['train']:,} / {n['validation']:,} / {n['test']:,}", "examples", n)
    summary.add("epochs", str(m.epochs_run), "epochs", m.epochs_run)
    summary.add("float accuracy (test)", percent(m.float_test_accuracy), "float_accuracy",
                m.float_test_accuracy)
    summary.add("parameters", f"{m.parameters:,}", "parameters", m.parameters)
    return recipe, run


def do_quantize(run_path: str, progress: bool, summary: Summary):
    from .recipe import load_recipe
    from .quantize import quantize
    from .rundir import RunDir

    run = RunDir(Path(run_path))
    recipe = load_recipe(run.require(run.recipe, "train"))
    m = quantize(recipe, run, progress=progress)
    summary.add("float accuracy (test)", percent(m.float_accuracy), "float_accuracy", m.float_accuracy)
    summary.add("int8 accuracy (test, LiteRT)", percent(m.int8_accuracy), "int8_accuracy",
                m.int8_accuracy)
    summary.add("float/int8 agreement", percent(m.float_int8_agreement), "float_int8_agreement",
                m.float_int8_agreement)
    summary.add("model bytes (.tflite)", nbytes(m.tflite_bytes), "tflite_bytes", m.tflite_bytes)
    summary.data["confusion_int8"] = m.confusion_int8
    summary.data["classes"] = m.classes
    return run, m


def _arena_row(summary: Summary, arena_bytes: int, tflite: bytes) -> None:
    """Our arena next to TFLite-Micro's for the same model: a comparison figure, not a requirement
    (a model TFLite-Micro cannot load still compiles)."""
    from .emulate.reference import ReferenceRunError, tflm_arena_bytes

    try:
        tflm_arena: int | None = tflm_arena_bytes(tflite)
        tflm_text = nbytes(tflm_arena)
    except ReferenceRunError as exc:
        tflm_arena, tflm_text = None, f"n/a, {exc}"
    summary.add("arena (RAM)", f"{nbytes(arena_bytes)}  (TFLite-Micro: {tflm_text})",
                "arena_bytes", arena_bytes)
    summary.data["tflm_arena_bytes"] = tflm_arena


def do_compile(model_path: str, out: str, name: str | None, summary: Summary):
    from .codegen import render_program
    from .compile import compile_graph
    from .tflite.reader import read_model

    graph = read_model(model_path)
    program = compile_graph(graph, name)
    tflite = Path(model_path).read_bytes()
    render_program(program, Path(out), tflite)
    summary.add("generated C", str(out), "c_dir", str(out))
    summary.add("kernel calls", str(len(program.calls)), "calls", len(program.calls))
    summary.add("MACs per inference", f"{program.macs:,}", "macs", program.macs)
    summary.add("weights (flash)", nbytes(program.weight_bytes), "weight_bytes", program.weight_bytes)
    _arena_row(summary, program.arena_size, tflite)
    return program


def do_emulate_host(c_dir: str, vectors: Vectors, progress: bool, summary: Summary):
    from .emulate import check_on_host, load_generated
    from .emulate.verdict import add_reference_rows, require_bit_exact

    model = load_generated(c_dir)
    t0 = time.monotonic()
    check = check_on_host(Path(c_dir), vectors.inputs, progress=progress)
    seconds = time.monotonic() - t0
    add_reference_rows(summary, check, vectors, "int8 accuracy (generated C)")
    summary.add("weights (flash)", nbytes(model.weight_bytes), "weight_bytes", model.weight_bytes)
    _arena_row(summary, model.arena_bytes, model.tflite_path.read_bytes())
    summary.add("MACs per inference", f"{model.macs:,}", "macs", model.macs)
    summary.add("host build, run and references", f"{seconds:.1f} s", "host_seconds", round(seconds, 2))
    require_bit_exact(check, f"{c_dir} (host)")
    return check


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
    from .emulate.vectors import load_vectors_file, random_vectors

    model = load_generated(args.c_dir)
    if args.vectors:
        vectors = load_vectors_file(Path(args.vectors), model.input.shape)
    else:
        vectors = random_vectors(args.random if args.random is not None else 100, model.input.shape,
                                 args.seed)
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
    from .emulate.vectors import load_vectors_file

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
    summary.add("float accuracy (test)", percent(qm.float_accuracy))
    summary.add("int8 accuracy (test, LiteRT)", percent(qm.int8_accuracy))
    summary.add("model bytes", f"{nbytes(qm.tflite_bytes)} .tflite, "
                f"{nbytes(program.weight_bytes)} weights in C")
    unit = "images" if recipe.is_image else "clips"
    vectors = load_vectors_file(run.test_vectors, program.inputs[0].shape, f"test split ({unit})")
    do_emulate_host(str(run.c_dir), vectors, progress, summary)
    if args.board:
        from .board_cli import do_run_on_board

        do_run_on_board(str(run.c_dir), args.board, vectors, args.board_vectors, args.timeout,
                        progress, summary)
    summary.add("wall time", f"{time.monotonic() - t0:.0f} s", "seconds", round(time.monotonic() - t0, 1))


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line too (sub-command parsers are made of this class as well)."""

    def error(self, message: str):
        self.exit(2, f"error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mcuforge", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mcuforge {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print the summary as one JSON object last")
    common.add_argument("--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", parents=[common], help="data -> train -> int8 -> C -> host emulation")
    p.add_argument("recipe", help="recipe YAML, e.g. models/kws_dscnn.yaml")
    p.add_argument("--out", help="run folder (default build/<recipe name>)")
    p.add_argument("--data", help="dataset folder instead of the recipe's: Speech Commands layout "
                   "(keyword spotting), image folder or CIFAR-10 batches (images)")
    p.add_argument("--board", help="also run the test split on this emulated board (QEMU), e.g. mps2_an386")
    p.add_argument("--board-vectors", type=_at_least(1), metavar="N",
                   help="only the first N test vectors on the board")
    p.add_argument("--timeout", type=_at_least(0.1, float), default=60.0,
                   help="seconds to wait for each board reply")
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
    p.add_argument("--timeout", type=_at_least(0.1, float), default=60.0,
                   help="--board: seconds to wait for each reply")
    p.add_argument("--stack", type=_at_least(256, int, 8), metavar="BYTES",
                   help="--board: stack size in bytes (default 4,096)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--vectors", help=".npz with an int8 'inputs' array (and optional 'labels')")
    group.add_argument("--random", type=_at_least(1), metavar="N", help="N random int8 inputs (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of --random")
    p.set_defaults(func=cmd_emulate, title="mcuforge emulate")

    p = sub.add_parser("boards", parents=[common], help="list the boards of boards.yaml")
    p.set_defaults(func=cmd_boards, title="mcuforge boards")

    p = sub.add_parser("build", parents=[common],
                       help="cross-compile generated C into firmware for a board, with a size check")
    p.add_argument("c_dir", help="folder written by `mcuforge compile`")
    p.add_argument("--board", required=True, help="board id from `mcuforge boards`, e.g. nucleo_f746zg")
    p.add_argument("--out", help="output folder (default <c_dir>/../firmware/<board>)")
    p.add_argument("--stack", type=_at_least(256, int, 8), metavar="BYTES",
                   help="stack size in bytes (default 4,096)")
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

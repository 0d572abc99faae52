"""The `mcuforge` command line: a thin table of sub-commands over the stages.

Each stage owns its command (``mcuforge.<stage>.command``; `run` chains them in
``mcuforge.chain``); this module only parses arguments and passes them on. One top-level handler
turns every McuforgeError into one line on stderr and a non-zero exit; any other exception is a
bug and keeps its traceback. Command modules are imported only when their command runs, and
TensorFlow only inside the stages that train or quantize. Every command takes --json and then
prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .backend_names import BACKENDS as BACKEND_CHOICES
from .boards import FLASH_METHODS
from .cmsis import CORE_ENV, NN_ENV
from .errors import McuforgeError
from .stack_limits import MARGIN_BYTES, MARGIN_FRACTION, MIN_STACK_BYTES, STACK_ALIGN
from .ui import Summary

# argparse %-formats help strings: a literal percent sign is %%
STACK_HELP = (f"stack size in bytes, a multiple of {STACK_ALIGN} (default: the static bound of the "
              f"image's call graph + {MARGIN_FRACTION * 100:.0f}%% + {MARGIN_BYTES} B)")


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


def _kernels(args):
    """The --kernels/--cmsis-nn/--cmsis-core arguments as a compile.backends.KernelRequest."""
    from .compile.backends import KernelRequest

    return KernelRequest(args.kernels, args.cmsis_nn, args.cmsis_core)


def _progress(args) -> bool:
    return not getattr(args, "quiet", False)


# ---------------------------------------------------------------- the commands: each stage owns its
# own (mcuforge.<stage>.command); these only pass the parsed arguments on.

def cmd_run(args, summary: Summary) -> None:
    from .chain import do_run

    do_run(args.recipe, args.out, args.data, args.board, args.board_vectors, args.timeout,
           _progress(args), summary, kernels=_kernels(args), force=args.force,
           flash=args.flash, probe=args.probe, method=args.method, dry_run=args.dry_run,
           as_json=args.json)


def cmd_train(args, summary: Summary) -> None:
    from .train.command import do_train

    do_train(args.recipe, args.out, args.data, _progress(args), summary, force=args.force)


def cmd_quantize(args, summary: Summary) -> None:
    from .quantize.command import do_quantize

    do_quantize(args.run_dir, _progress(args), summary)


def cmd_compile(args, summary: Summary) -> None:
    from .codegen.command import do_compile

    out = args.out or str(Path(args.model).with_suffix("")) + "_c"
    do_compile(args.model, out, args.name, summary, kernels=_kernels(args), board_name=args.board,
               force=args.force)


def cmd_check(args, summary: Summary) -> None:
    from .check.command import do_check

    do_check(args.model, args.board, args.json, summary)


def cmd_emulate(args, summary: Summary) -> None:
    from .emulate.command import do_emulate

    do_emulate(args.c_dir, args.board, args.vectors, args.random, args.seed, args.timeout,
               args.stack, _progress(args), summary, kernels=_kernels(args),
               profile=args.profile, as_json=args.json, save_outputs=args.save_outputs)


def cmd_device(args, summary: Summary) -> None:
    from .device.command import do_device

    do_device(args.c_dir, args.port, args.baud, args.vectors, args.random, args.seed, args.timeout,
              _progress(args), summary, as_json=args.json, profile=not args.no_profile,
              mlperf=args.mlperf)


def cmd_bench(args, summary: Summary) -> None:
    from .bench.command import do_bench

    do_bench(args.models, args.boards, args.kernels, args.vectors, args.seed, args.timeout, args.out,
             args.cmsis_nn, args.cmsis_core, _progress(args), summary, as_json=args.json,
             force=args.force, layers=args.layers, frontend=args.frontend)


def cmd_report(args, summary: Summary) -> None:
    from .report.command import do_report

    do_report(args.folder, args.board, args.out, args.force, _progress(args), summary)


def cmd_search(args, summary: Summary) -> None:
    from .search.command import do_search

    do_search(args.recipe, args.board, args.trials, args.max_latency_ms, args.out, args.address,
              args.resume, _progress(args), summary, as_json=args.json, force=args.force)


def cmd_boards(args, summary: Summary) -> None:
    from .boards_command import do_boards

    do_boards(args.json, summary)


def cmd_build(args, summary: Summary) -> None:
    from .builder.apps import FirmwareApp
    from .builder.command import do_build

    do_build(args.c_dir, args.board, args.out, args.stack, summary, kernels=_kernels(args),
             force=args.force, app=FirmwareApp(args.app, args.mlperf_model),
             semihosting=args.semihosting)


def cmd_flash(args, summary: Summary) -> None:
    from .flash.command import do_flash

    do_flash(args.firmware, args.board, args.probe, args.method, args.dry_run, args.timeout,
             summary, kernels=_kernels(args), stack=args.stack, as_json=args.json)


def cmd_stream(args, summary: Summary) -> None:
    from .stream.command import do_stream, do_tune
    from .stream.config import StreamError

    if args.tune:
        do_tune(args.c_dir, args.audio, args.labels, args.tolerance, args.max_false_alarms,
                summary, progress=_progress(args), as_json=args.json, excerpt_s=args.seconds,
                on_board=bool(args.board or args.linked))
        return
    if args.max_false_alarms is not None:
        raise StreamError("--max-false-alarms is the budget of --tune: give --tune too")
    do_stream(args.c_dir, args.audio, args.board, args.labels, args.tolerance, args.timeout,
              summary, as_json=args.json, excerpt_s=args.seconds, linked=args.linked)


def cmd_make_stream(args, summary: Summary) -> None:
    from .stream.command import do_make_stream

    do_make_stream(args.out, args.labels, args.minutes, args.seed, summary,
                   dataset_seed=args.dataset_seed, voices=args.voices)


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
    force = _Parser(add_help=False)
    force.add_argument("--force", action="store_true",
                       help="replace an existing --out folder that mcuforge did not make")
    flashing = _Parser(add_help=False)
    flashing.add_argument("--probe", metavar="ID",
                          help="which probe: a part of a pyOCD probe's unique id, an OpenOCD "
                          "adapter serial, a UF2 drive's folder, or a GDB server's HOST:PORT")
    flashing.add_argument("--method", choices=FLASH_METHODS,
                          help="flash method (default: the first installed of the board's "
                          "flash.methods in boards.yaml)")
    flashing.add_argument("--dry-run", action="store_true",
                          help="print the exact flashing actions and do nothing to the board")
    kernels = _Parser(add_help=False)
    kernels.add_argument("--kernels", choices=BACKEND_CHOICES,
                         help="kernel backend (default: the folder's, else the board's: optimized "
                         "on a core with DSP or Helium, portable otherwise)")
    kernels.add_argument("--cmsis-nn", metavar="DIR",
                         help=f"CMSIS-NN tree for --kernels cmsis-nn (default ${NN_ENV})")
    kernels.add_argument("--cmsis-core", metavar="DIR",
                         help=f"CMSIS Core Include folder for --kernels cmsis-nn (default ${CORE_ENV})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", parents=[common, force, kernels, flashing],
                       help="data -> train -> int8 -> C -> host emulation")
    p.add_argument("recipe", help="recipe YAML, e.g. models/kws_dscnn.yaml")
    p.add_argument("--out", help="run folder (default build/<recipe name>)")
    p.add_argument("--data", help="dataset folder instead of the recipe's: Speech Commands layout "
                   "(keyword spotting), image folder or CIFAR-10 batches (images)")
    p.add_argument("--board", help="also run the test split on this emulated board (QEMU), e.g. "
                   "mps2_an386; a real board: end with its firmware built")
    p.add_argument("--flash", action="store_true",
                   help="--board: and flash the firmware (as `mcuforge flash`; --probe, --method, "
                   "--dry-run)")
    p.add_argument("--board-vectors", type=_at_least(1), metavar="N",
                   help="only the first N test vectors on the board")
    p.add_argument("--timeout", type=_at_least(0.1, float), default=60.0,
                   help="seconds to wait for each board reply")
    p.set_defaults(func=cmd_run, title="mcuforge run")

    p = sub.add_parser("train", parents=[common, force], help="train the float model of a recipe")
    p.add_argument("recipe")
    p.add_argument("--out", help="run folder (default build/<recipe name>)")
    p.add_argument("--data", help="dataset folder instead of the recipe's: Speech Commands layout "
                   "(keyword spotting), image folder or CIFAR-10 batches (images)")
    p.set_defaults(func=cmd_train, title="mcuforge train")

    p = sub.add_parser("quantize", parents=[common], help="int8-quantize a trained run folder")
    p.add_argument("run_dir")
    p.set_defaults(func=cmd_quantize, title="mcuforge quantize")

    p = sub.add_parser("compile", parents=[common, force, kernels], help="generate C from an int8 .tflite")
    p.add_argument("model", help="int8 .tflite file")
    p.add_argument("--out", help="output folder (default <model>_c next to the model)")
    p.add_argument("--name", help="C prefix of the generated API (default: the model file's stem)")
    p.add_argument("--board", help="generate for this board's core: its default kernels, and "
                   "CMSIS-NN scratch sized for it")
    p.set_defaults(func=cmd_compile, title="mcuforge compile")

    p = sub.add_parser("check", parents=[common],
                       help="will an int8 .tflite compile, and which boards does it fit (no code generated)")
    p.add_argument("model", help="int8 .tflite file")
    p.add_argument("--board", help="only this board in the fits table (and its kernels' arena timeline)")
    p.set_defaults(func=cmd_check, title="mcuforge check")

    p = sub.add_parser("emulate", parents=[common, kernels], help="run generated C and compare with the references")
    p.add_argument("c_dir", help="folder written by `mcuforge compile`")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--host", action="store_true",
                        help="build with the host C compiler and run natively")
    target.add_argument("--board", help="build firmware for an emulated board (boards.yaml) and run it "
                        "under QEMU over the serial protocol, e.g. mps2_an386")
    p.add_argument("--timeout", type=_at_least(0.1, float), default=60.0,
                   help="--board: seconds to wait for each reply")
    p.add_argument("--stack", type=_at_least(MIN_STACK_BYTES, int, STACK_ALIGN), metavar="BYTES",
                   help=f"--board: {STACK_HELP}")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--vectors", help=".npz with an int8 'inputs' array (and optional 'labels'); "
                       "for several inputs one array per input, keyed by its tensor name or input_<i>")
    group.add_argument("--random", type=_at_least(1), metavar="N", help="N random int8 inputs (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of --random")
    p.add_argument("--profile", action="store_true",
                   help="--board: also time every kernel call (per-layer table; `layers` in --json)")
    p.add_argument("--save-outputs", metavar="FILE.npz",
                   help="write the generated code's outputs, one array per output keyed by its tensor name")
    p.set_defaults(func=cmd_emulate, title="mcuforge emulate")

    p = sub.add_parser("device", parents=[common],
                       help="run the firmware of a generated folder on a board over its serial port")
    p.add_argument("c_dir", help="folder written by `mcuforge compile` (the firmware's model)")
    p.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyACM0 or COM3")
    p.add_argument("--baud", type=_at_least(1), default=115_200, help="baud rate (default 115200)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--vectors", help=".npz of input vectors, as for `emulate --vectors`")
    group.add_argument("--random", type=_at_least(1), metavar="N", help="N random int8 inputs (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of --random")
    p.add_argument("--timeout", type=_at_least(0.1, float), default=10.0,
                   help="seconds to wait for the greeting and for each reply (default 10)")
    p.add_argument("--no-profile", action="store_true", help="do not time every kernel call")
    p.add_argument("--mlperf", action="store_true",
                   help="the firmware runs the MLPerf Tiny mode (build --app mlperf): drive it with "
                   "the benchmark's commands")
    p.set_defaults(func=cmd_device, title="mcuforge device")

    p = sub.add_parser("bench", parents=[common, force],
                       help="models x emulated boards x kernel backends: instructions and memory, one table")
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="int8 .tflite files (default: every run folder's model under build/, and "
                   "those of $MCUFORGE_BENCH_MODELS)")
    p.add_argument("--boards", metavar="B,...", help="emulated boards (default: all of them)")
    p.add_argument("--kernels", metavar="K,...",
                   help=f"kernel backends (default: {','.join(BACKEND_CHOICES)}; cmsis-nn is skipped "
                   "with a note when CMSIS-NN is not found)")
    p.add_argument("--vectors", type=_at_least(1), default=5, metavar="N",
                   help="random vectors per cell, each checked bit for bit (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors")
    p.add_argument("--timeout", type=_at_least(0.1, float), default=60.0,
                   help="seconds to wait for each board reply")
    p.add_argument("--out", help="where the generated C and firmware go (default build/bench)")
    p.add_argument("--cmsis-nn", metavar="DIR", help=f"CMSIS-NN tree (default ${NN_ENV})")
    p.add_argument("--cmsis-core", metavar="DIR", help=f"CMSIS Core Include folder (default ${CORE_ENV})")
    p.add_argument("--layers", action="store_true",
                   help="also time every layer and print, per model and board, each layer's "
                   "instructions on every backend side by side (with optimized / cmsis-nn)")
    p.add_argument("--frontend", action="store_true",
                   help="measure the integer audio front end instead: instructions per 20 ms hop "
                   "on every board (--boards), its features checked against Python's")
    p.set_defaults(func=cmd_bench, title="mcuforge bench")

    p = sub.add_parser("report", parents=[common],
                       help="one self-contained HTML page: training, int8 error per layer, memory, "
                       "speed, board fit")
    p.add_argument("folder", metavar="RUN_DIR_OR_C_DIR", help="a run folder or a folder of generated C")
    p.add_argument("--board", help="also measure per-layer instructions on this emulated board "
                   "with every kernel backend (QEMU), and plan the arena for its kernels")
    p.add_argument("--out", help="the HTML file (default <folder>/report.html)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file that is not "
                   "a report mcuforge wrote")
    p.set_defaults(func=cmd_report, title="mcuforge report")

    p = sub.add_parser("stream", parents=[common],
                       help="play a long WAV through the streaming KWS firmware, print detections")
    p.add_argument("c_dir", help="generated C folder of a KWS run (build/<name>/c)")
    p.add_argument("audio", help="16 kHz mono 16-bit WAV")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--host", action="store_true", help="host build (the default)")
    target.add_argument("--board", help="streaming firmware on this emulated board (QEMU)")
    p.add_argument("--labels", metavar="CSV", help="word,start,end (seconds) of every keyword: "
                   "also print hits, misses and false alarms per hour")
    p.add_argument("--tolerance", type=_at_least(0.0, float), default=1.0, metavar="S",
                   help="a detection counts within [start, end + S] of its label (default 1.0)")
    p.add_argument("--seconds", type=_at_least(1.0, float), metavar="S",
                   help="play only the first S seconds")
    p.add_argument("--linked", action="store_true",
                   help="--board: link the audio into the firmware and play it there (PLAY), "
                   "instead of sending it over the serial line (it must fit the board's flash)")
    p.add_argument("--timeout", type=_at_least(0.1, float), default=120.0,
                   help="--board: seconds to wait for each reply")
    p.add_argument("--tune", action="store_true",
                   help="choose the stream: settings (window, threshold, refractory) on this "
                   "labelled stream instead: the best recall within --max-false-alarms; use a "
                   "stream of validation voices, not the test stream")
    p.add_argument("--max-false-alarms", type=_at_least(0.0, float), metavar="PER_HOUR",
                   help="--tune: the false-alarm budget, per hour (default 5)")
    p.set_defaults(func=cmd_stream, title="mcuforge stream")

    p = sub.add_parser("make-stream", parents=[common],
                       help="a synthetic test stream (WAV + labels CSV) from held-out voices")
    p.add_argument("out", help="the WAV to write")
    p.add_argument("--labels", metavar="CSV", help="labels file (default: OUT with .csv)")
    p.add_argument("--minutes", type=_at_least(0.1, float), default=20.0)
    p.add_argument("--seed", type=int, default=0, help="seed of the stream's words and noise")
    p.add_argument("--dataset-seed", type=int, default=0, help="dataset.seed of the recipe whose "
                   "held-out voices speak (default 0, the default recipe's)")
    p.add_argument("--voices", choices=("test", "validation"), default="test",
                   help="the synthetic set's test voices (default) or validation voices")
    p.set_defaults(func=cmd_make_stream, title="mcuforge make-stream")

    p = sub.add_parser("search", parents=[common, force],
                       help="the most accurate model of a recipe's search space that fits a board (Ray Tune)")
    p.add_argument("recipe", help="recipe YAML with a search section, e.g. models/digits_cnn.yaml")
    p.add_argument("--board", required=True, help="board id from `mcuforge boards`, e.g. nucleo_l031k6")
    p.add_argument("--trials", type=_at_least(1), metavar="N",
                   help="candidates drawn from the space (default: the recipe's search.candidates)")
    p.add_argument("--max-latency-ms", type=_at_least(0.001, float), metavar="X",
                   help="reject candidates slower than this at the board's clock")
    p.add_argument("--out", help="search folder (default build/search/<recipe name>)")
    p.add_argument("--address", help="Ray cluster to run on, HOST:PORT (default: a local Ray)")
    p.add_argument("--resume", action="store_true", help="continue the search in --out from Ray's state")
    p.set_defaults(func=cmd_search, title="mcuforge search")

    p = sub.add_parser("boards", parents=[common], help="list the boards of boards.yaml")
    p.set_defaults(func=cmd_boards, title="mcuforge boards")

    p = sub.add_parser("build", parents=[common, force, kernels],
                       help="cross-compile generated C into firmware for a board, with a size check")
    p.add_argument("c_dir", help="folder written by `mcuforge compile`")
    p.add_argument("--board", required=True, help="board id from `mcuforge boards`, e.g. nucleo_f746zg")
    p.add_argument("--out", help="output folder (default <c_dir>/../firmware/<board>)")
    p.add_argument("--stack", type=_at_least(MIN_STACK_BYTES, int, STACK_ALIGN), metavar="BYTES",
                   help=STACK_HELP)
    p.add_argument("--app", choices=("protocol", "mlperf"), default="protocol",
                   help="what the firmware speaks: mcuforge's serial protocol (default), or the "
                   "MLPerf Tiny benchmark's commands")
    p.add_argument("--mlperf-model", choices=("kws01", "vww01", "ic01", "ad01"),
                   help="--app mlperf: the benchmark's model id, by which its runner picks the data")
    p.add_argument("--semihosting", action="store_true",
                   help="talk the protocol over semihosting through a debug probe instead of the "
                        "board's UART (the image then stops without a debugger)")
    p.set_defaults(func=cmd_build, title="mcuforge build")

    p = sub.add_parser("flash", parents=[common, kernels, flashing],
                       help="put firmware on a board (pyOCD, OpenOCD, UF2 or a GDB server), "
                       "verify it by reading it back, start it")
    p.add_argument("firmware", metavar="FIRMWARE_OR_C_DIR",
                   help="a firmware .elf, or a folder written by `mcuforge compile` (its firmware "
                   "for the board is built unless up to date)")
    p.add_argument("--board", required=True, help="board id from `mcuforge boards`")
    p.add_argument("--timeout", type=_at_least(0.1, float), default=60.0,
                   help="seconds to wait at most for each step (a GDB reply, OpenOCD, the UF2 drive)")
    p.add_argument("--stack", type=_at_least(MIN_STACK_BYTES, int, STACK_ALIGN), metavar="BYTES",
                   help=f"when building: {STACK_HELP}")
    p.set_defaults(func=cmd_flash, title="mcuforge flash")
    return parser


def _terminated(signum, frame):
    raise KeyboardInterrupt     # as SIGINT: outputs being written are removed on the way out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
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

"""`mcuforge run RECIPE`: every stage in data-flow order on one run folder, with one summary.

Each stage's own command does the work; what one stage already measured is handed to the next
instead of being measured again: the TFLite-Micro arena of the compile stage goes to the host
row, and the reference outputs of the host run go to the board run (on the same test vectors).
With ``--board`` a real board (no QEMU) ends the run with its firmware built, and ``--flash``
puts it on the board (as `mcuforge flash`; an emulated board is flashed through a GDB server
given by ``--probe``, after its QEMU run).
"""

from __future__ import annotations

import time

from .boards import Board, get_board
from .builder import find_toolchain
from .codegen.command import do_compile
from .codegen.model_info import ModelInfo
from .compile.backends import DEFAULT_REQUEST, KernelRequest
from .emulate.command import do_emulate_host, do_run_on_board, emulated_board
from .emulate.vectors import load_vectors_file
from .errors import FlashError, McuforgeError
from .flash.command import choose_method, do_flash, firmware_for
from .quantize.command import do_quantize
from .train.command import do_train
from .ui import Summary, nbytes, percent


def do_run(recipe_path: str, out: str | None, data: str | None, board_name: str | None,
           board_vectors: int | None, timeout: float, progress: bool, summary: Summary,
           kernels: KernelRequest = DEFAULT_REQUEST, force: bool = False, flash: bool = False,
           probe: str | None = None, method: str | None = None, dry_run: bool = False,
           as_json: bool = False) -> None:
    t0 = time.monotonic()
    board = _board_for_run(board_name, flash, probe, method, dry_run)  # before training, not after
    stage = Summary("stage")
    recipe, run = do_train(recipe_path, out, data, progress, stage, force=force)
    _, qm = do_quantize(str(run.root), progress, stage)
    compiled = do_compile(str(run.tflite), str(run.c_dir), recipe.name, stage, kernels=kernels,
                          board_name=board.id if board is not None else None)
    summary.data.update(stage.data)
    summary.add("run folder", str(run.root))
    summary.add("float accuracy (test)", percent(qm.float_accuracy))
    summary.add("int8 accuracy (test, LiteRT)", percent(qm.int8_accuracy))
    summary.add("model bytes", f"{nbytes(qm.tflite_bytes)} .tflite, "
                f"{nbytes(compiled.program.weight_bytes)} weights in C")
    unit = "images" if recipe.is_image else "clips"
    model = ModelInfo.load(run.c_dir)
    vectors = load_vectors_file(run.test_vectors, model.inputs, f"test split ({unit})")
    host = do_emulate_host(model, vectors, progress, summary, tflm_arena=compiled.tflm_arena)
    if board is not None and board.emulated:
        do_run_on_board(model, board, vectors, board_vectors, timeout, progress, summary,
                        references=host.references, kernels=kernels)
        if not recipe.is_image:
            from .stream.report import stream_report
            stream_report(ModelInfo.load(run.c_dir), board, timeout, summary, progress)
    if board is not None and (flash or not board.emulated):
        _build_and_flash(run.c_dir, board, flash, probe, method, dry_run, timeout, summary,
                         kernels, as_json)
    # an emulated --board: the report measures per-layer instructions there, every backend
    _report(run.root, board.id if board is not None and board.emulated else None, progress, summary)
    summary.add("wall time", f"{time.monotonic() - t0:.0f} s", "seconds", round(time.monotonic() - t0, 1))


def _board_for_run(board_name: str | None, flash: bool, probe: str | None, method: str | None,
                   dry_run: bool) -> Board | None:
    """The --board, checked before training: emulated (with its tools), or real (a cross
    compiler, and with --flash a method the board declares that is installed)."""
    given = [name for name, value in (("--probe", probe), ("--method", method),
                                      ("--dry-run", dry_run)) if value]
    if given and not flash:
        raise FlashError(f"{', '.join(given)} go with --flash")
    if flash and not board_name:
        raise FlashError("--flash needs --board (the board to flash)")
    if not board_name:
        return None
    board = get_board(board_name)
    if board.emulated:
        emulated_board(board.id)
    else:
        find_toolchain()
    if flash:
        choose_method(board, method, dry_run)
    return board


def _build_and_flash(c_dir, board: Board, flash: bool, probe: str | None, method: str | None,
                     dry_run: bool, timeout: float, summary: Summary, kernels: KernelRequest,
                     as_json: bool) -> None:
    """The firmware for ``board`` (built, or the one the board run just built), flashed with
    ``flash``; the rows join the run's summary prefixed by the board, the figures go under
    "flash" in JSON."""
    part = Summary("flash")
    try:
        if flash:
            do_flash(str(c_dir), board.id, probe, method, dry_run, timeout, part, kernels=kernels,
                     as_json=as_json)
        else:
            firmware_for(str(c_dir), board, part, kernels, None)
    finally:
        for label, text in part.rows:
            if label != "board":
                summary.add(f"{board.id}: {label}", text)
        summary.data["flash" if flash else "firmware"] = part.data


def _report(root, board_id: str | None, progress: bool, summary: Summary) -> None:
    """The run's report.html (mcuforge.report). The run's own work is done and its figures are in
    the summary: a report that cannot be written (no matplotlib, a file in the way) is a row of
    the summary, not a failed run."""
    from .report.command import do_report

    report = Summary("report")
    try:
        do_report(root, board_id, None, True, progress, report)
    except McuforgeError as exc:
        summary.add("report", f"not written: {exc}", "report", None)
        return
    summary.add("report", f"{report.data['report']} ({nbytes(report.data['report_bytes'])}, "
                f"{len(report.data['figures'])} figures)", "report", report.data["report"])
    summary.data["report_bytes"] = report.data["report_bytes"]

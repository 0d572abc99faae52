"""`mcuforge run RECIPE`: every stage in data-flow order on one run folder, with one summary.

Each stage's own command does the work; what one stage already measured is handed to the next
instead of being measured again: the TFLite-Micro arena of the compile stage goes to the host
row, and the reference outputs of the host run go to the board run (on the same test vectors).
"""

from __future__ import annotations

import time

from .codegen.command import do_compile
from .codegen.model_info import ModelInfo
from .compile.backends import DEFAULT_REQUEST, KernelRequest
from .emulate.command import do_emulate_host, do_run_on_board, emulated_board
from .emulate.vectors import load_vectors_file
from .quantize.command import do_quantize
from .train.command import do_train
from .ui import Summary, nbytes, percent


def do_run(recipe_path: str, out: str | None, data: str | None, board_name: str | None,
           board_vectors: int | None, timeout: float, progress: bool, summary: Summary,
           kernels: KernelRequest = DEFAULT_REQUEST, force: bool = False) -> None:
    t0 = time.monotonic()
    board = emulated_board(board_name) if board_name else None  # before training, not after
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
    if board is not None:
        do_run_on_board(model, board, vectors, board_vectors, timeout, progress, summary,
                        references=host.references, kernels=kernels)
        if not recipe.is_image:
            from .stream.report import stream_report
            stream_report(ModelInfo.load(run.c_dir), board, timeout, summary, progress)
    summary.add("wall time", f"{time.monotonic() - t0:.0f} s", "seconds", round(time.monotonic() - t0, 1))

"""One trial of a search, run by Ray Tune in a worker process (on this machine or a cluster's):
train a candidate's recipe exactly as `mcuforge run` trains it (``train.train``, the same seed,
TensorFlow's op determinism), report the validation accuracy after every epoch (so ASHA can stop
a poor candidate early), then int8-quantize it (``quantize.quantize``), and report the exact
footprint and the instructions per inference of the trained int8 model on the board.

The trial gets everything in its config (the recipe as text, the board's id, its run folder), so
a worker needs no file from the machine that started the search. Ray is imported only here and
in the search command.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..boards import get_board
from ..fsutil import write_text_atomic
from ..recipe import load_recipe
from ..rundir import RunDir
from .measure import count_instructions, footprint, latency_ms

# Keys of a trial's final report (besides val_accuracy, which every report has).
FINAL = "int8_accuracy"


def run_trial(config: dict[str, Any]) -> None:
    from ray import tune

    # Cap TensorFlow's threads to the CPUs Ray gave the trial. Op determinism makes the result
    # independent of the thread count, so `mcuforge run` reproduces it with its own default.
    threads = str(config.get("threads", 1))
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)
    from ..quantize.stage import quantize
    from ..train.backend import require_tensorflow
    from ..train.fit import train

    tf = require_tensorflow()
    import keras

    root = Path(config["run_dir"])
    root.mkdir(parents=True, exist_ok=True)
    recipe_file = root / f"{config['name']}.yaml"
    write_text_atomic(recipe_file, config["recipe_text"])
    recipe = load_recipe(recipe_file)
    board = get_board(config["board"])
    run = RunDir(root)

    class ReportEpoch(keras.callbacks.Callback):
        """Validation accuracy after every epoch, for the scheduler; it only reads the logs."""

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            tune.report({"epoch": epoch + 1, "val_accuracy": float(logs.get("val_accuracy", 0.0)),
                         "train_accuracy": float(logs.get("accuracy", 0.0))})

    del tf
    t0 = time.monotonic()
    trained = train(recipe, run, progress=False, callbacks=[ReportEpoch()])
    qm = quantize(recipe, run, progress=False)
    fp = footprint(run.tflite, board)
    counted = count_instructions(run.tflite, board, root / "measure")
    tune.report({
        "epoch": trained.epochs_run, "val_accuracy": trained.best_val_accuracy,
        "float_accuracy": qm.float_accuracy, FINAL: qm.int8_accuracy,
        "arena_bytes": fp.arena_bytes, "weight_bytes": fp.weight_bytes,
        "flash_bytes": fp.flash_bytes, "ram_bytes": fp.ram_bytes, "macs": fp.macs,
        "fits": fp.fits, "instructions": counted.count, "counted_on": counted.counted_on,
        "kernels": counted.kernels,
        "latency_ms": latency_ms(counted.count, board, config["cycles_per_instruction"]),
        "trial_seconds": round(time.monotonic() - t0, 1),
    })

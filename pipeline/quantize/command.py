"""`mcuforge quantize RUN_DIR`: int8-quantize a trained run folder."""

from __future__ import annotations

from pathlib import Path

from ..recipe import load_recipe
from ..rundir import RunDir
from ..ui import Summary, nbytes, percent
from .metrics import QuantizeMetrics
from .stage import quantize


def do_quantize(run_path: str, progress: bool, summary: Summary) -> tuple[RunDir, QuantizeMetrics]:
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

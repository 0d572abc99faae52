"""Run generated code (on the host, or under QEMU through pipeline.emulate.qemu) and compare it
with the reference interpreters. One comparison serves every place that runs generated code."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..report import progress_bar
from .compare import Comparison, compare_exact
from .generated import GeneratedModel, load_generated
from .host import build_host, run_host
from .reference import ReferenceRunError, litert_outputs, tflm_outputs


@dataclass(frozen=True)
class ReferenceCheck:
    """Outputs of generated code next to both reference interpreters' on the same inputs."""

    generated: np.ndarray
    tflm: np.ndarray                   # TFLite-Micro: the ground truth
    vs_tflm: Comparison
    litert: np.ndarray | None          # None: not asked for, or LiteRT rejected the model
    vs_litert: Comparison | None
    litert_problem: str | None = None  # why LiteRT gave no opinion


def check_against_references(model: GeneratedModel, inputs: np.ndarray, generated: np.ndarray, *,
                             with_litert: bool = True, progress: bool = False) -> ReferenceCheck:
    """Runs ``inputs`` through TFLite-Micro (and LiteRT's reference kernels, a second opinion that
    is reported, never asserted) and compares each with ``generated`` element by element."""
    tflite = model.tflite_path.read_bytes()
    n = len(inputs)
    with progress_bar(n, "TFLite-Micro reference", progress) as bar:
        tflm = tflm_outputs(tflite, inputs, bar.update).reshape(generated.shape)
    litert, problem = None, None
    if with_litert:
        try:  # LiteRT rejects some valid models (e.g. CONV_2D without a bias)
            with progress_bar(n, "LiteRT reference", progress) as bar:
                litert = litert_outputs(tflite, inputs, bar.update).reshape(generated.shape)
        except ReferenceRunError as exc:
            problem = str(exc)
    return ReferenceCheck(generated, tflm, compare_exact(generated, tflm), litert,
                          compare_exact(generated, litert) if litert is not None else None, problem)


def check_on_host(c_dir: Path, inputs: np.ndarray, work_dir: Path | None = None,
                  with_litert: bool = True, progress: bool = False) -> ReferenceCheck:
    """Builds ``c_dir`` for the host, runs ``inputs`` through it and through the references."""
    model = load_generated(c_dir)
    with tempfile.TemporaryDirectory(prefix="mcuforge-host-") as scratch:
        exe = build_host(model, Path(work_dir or scratch))
        generated = run_host(exe, model, inputs)
    return check_against_references(model, inputs, generated, with_litert=with_litert,
                                    progress=progress)


__all__ = ["GeneratedModel", "ReferenceCheck", "build_host", "check_against_references",
           "check_on_host", "compare_exact", "load_generated", "run_host"]

"""Run generated code (on the host; under QEMU later) and compare it with the reference interpreters."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .compare import Comparison, compare_exact
from .generated import GeneratedModel, load_generated
from .host import build_host, run_host
from .reference import ReferenceRunError, litert_outputs, tflm_outputs


@dataclass(frozen=True)
class HostCheck:
    """Outputs of the generated C and of both reference interpreters on the same inputs."""

    generated: np.ndarray
    tflm: np.ndarray
    litert: np.ndarray | None          # None: not asked for, or LiteRT rejected the model
    vs_tflm: Comparison
    vs_litert: Comparison | None


def check_on_host(c_dir: Path, inputs: np.ndarray, work_dir: Path | None = None,
                  with_litert: bool = True) -> HostCheck:
    """Builds ``c_dir`` for the host, runs ``inputs`` through it and through the references."""
    model = load_generated(c_dir)
    with tempfile.TemporaryDirectory(prefix="mcuforge-host-") as scratch:
        exe = build_host(model, Path(work_dir or scratch))
        generated = run_host(exe, model, inputs)
    tflite = model.tflite_path.read_bytes()
    tflm = tflm_outputs(tflite, inputs).reshape(generated.shape)
    litert = None
    if with_litert:
        try:  # a second opinion: LiteRT rejects some valid models (e.g. CONV_2D without a bias)
            litert = litert_outputs(tflite, inputs).reshape(generated.shape)
        except ReferenceRunError:
            litert = None
    return HostCheck(generated, tflm, litert, compare_exact(generated, tflm),
                     compare_exact(generated, litert) if litert is not None else None)


__all__ = ["GeneratedModel", "HostCheck", "build_host", "check_on_host", "compare_exact",
           "load_generated", "run_host"]

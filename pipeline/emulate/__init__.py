"""Run generated code (on the host, or under QEMU through mcuforge.emulate.qemu) and compare it
with the reference interpreters (mcuforge.reference). One comparison serves every place that runs
generated code; reference outputs computed once (e.g. by the host run of `mcuforge run`) can be
handed to the next comparison on the same inputs instead of being computed again."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..builder.kernels import model_for
from ..codegen.model_info import ModelInfo
from ..compile.backends import DEFAULT_REQUEST, KernelRequest
from ..reference import ReferenceRunError, litert_outputs, tflm_outputs
from ..tflite.reader import read_model
from ..ui import progress_bar
from .compare import Comparison, compare_exact
from .host import build_host, run_host


@dataclass(frozen=True)
class ReferenceOutputs:
    """Both reference interpreters' outputs on one set of inputs."""

    tflm: np.ndarray                   # TFLite-Micro: the ground truth
    litert: np.ndarray | None          # None: not asked for, or LiteRT rejected the model
    litert_problem: str | None = None  # why LiteRT gave no opinion

    def first(self, n: int) -> ReferenceOutputs:
        """The outputs of the first ``n`` inputs (as ``Vectors.first``)."""
        return ReferenceOutputs(self.tflm[:n], None if self.litert is None else self.litert[:n],
                                self.litert_problem)


@dataclass(frozen=True)
class ReferenceCheck:
    """Outputs of generated code next to both reference interpreters' on the same inputs."""

    generated: np.ndarray
    tflm: np.ndarray                   # TFLite-Micro: the ground truth
    vs_tflm: Comparison
    litert: np.ndarray | None          # None: not asked for, or LiteRT rejected the model
    vs_litert: Comparison | None
    litert_problem: str | None = None  # why LiteRT gave no opinion

    @property
    def references(self) -> ReferenceOutputs:
        return ReferenceOutputs(self.tflm, self.litert, self.litert_problem)


def reference_outputs(model: ModelInfo, inputs: np.ndarray, shape: tuple[int, ...], *,
                      with_litert: bool = True, progress: bool = False) -> ReferenceOutputs:
    """Runs ``inputs`` through TFLite-Micro, and LiteRT's reference kernels (a second opinion that
    is reported, never asserted); outputs reshaped to ``shape``."""
    tflite = model.tflite_path.read_bytes()
    n = len(inputs)
    # op state (SVDF, LSTM) carries from one input to the next in the generated code: so too in
    # the reference, which otherwise starts a fresh interpreter every chunk of inputs
    stateful = any(t.is_variable for t in read_model(model.tflite_path).tensors)
    with progress_bar(n, "TFLite-Micro reference", progress) as bar:
        tflm = tflm_outputs(tflite, inputs, bar.update, stateful=stateful).reshape(shape)
    litert, problem = None, None
    if with_litert:
        try:  # LiteRT rejects some valid models (e.g. CONV_2D without a bias)
            with progress_bar(n, "LiteRT reference", progress) as bar:
                litert = litert_outputs(tflite, inputs, bar.update).reshape(shape)
        except ReferenceRunError as exc:
            problem = str(exc)
    return ReferenceOutputs(tflm, litert, problem)


def check_against_references(model: ModelInfo, inputs: np.ndarray, generated: np.ndarray, *,
                             with_litert: bool = True, progress: bool = False,
                             references: ReferenceOutputs | None = None) -> ReferenceCheck:
    """Compares ``generated`` element by element with the references' outputs on ``inputs``:
    ``references`` when the caller already has them, else computed here."""
    refs = references or reference_outputs(model, inputs, generated.shape, with_litert=with_litert,
                                            progress=progress)
    tflm = refs.tflm.reshape(generated.shape)
    litert = None if refs.litert is None else refs.litert.reshape(generated.shape)
    return ReferenceCheck(generated, tflm, compare_exact(generated, tflm), litert,
                          compare_exact(generated, litert) if litert is not None else None,
                          refs.litert_problem)


def check_on_host(c_dir: Path | ModelInfo, inputs: np.ndarray, work_dir: Path | None = None,
                  with_litert: bool = True, progress: bool = False,
                  kernels: KernelRequest = DEFAULT_REQUEST) -> ReferenceCheck:
    """Builds ``c_dir`` (a generated folder, or its ModelInfo) for the host, runs ``inputs``
    through it and through the references. ``kernels`` as for a board build (builder.kernels);
    the host has no DSP or Helium, so CMSIS-NN runs its portable C path there."""
    model = c_dir if isinstance(c_dir, ModelInfo) else ModelInfo.load(c_dir)
    with tempfile.TemporaryDirectory(prefix="mcuforge-host-") as scratch:
        work = Path(work_dir or scratch)
        built, cmsis = model_for(model, None, kernels, work / "model")
        exe = build_host(built, work, cmsis)
        generated = run_host(exe, built, inputs)
    return check_against_references(model, inputs, generated, with_litert=with_litert,
                                    progress=progress)


__all__ = ["ReferenceCheck", "ReferenceOutputs", "build_host", "check_against_references",
           "check_on_host", "compare_exact", "reference_outputs", "run_host"]

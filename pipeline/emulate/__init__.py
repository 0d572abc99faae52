"""Run generated code (on the host, or under QEMU through mcuforge.emulate.qemu) and compare it
with the reference interpreters (mcuforge.reference). One comparison serves every place that runs
generated code; reference outputs computed once (e.g. by the host run of `mcuforge run`) can be
handed to the next comparison on the same inputs instead of being computed again."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..builder.kernels import model_for
from ..codegen.model_info import ModelInfo
from ..compile.backends import DEFAULT_REQUEST, KernelRequest
from ..reference import ReferenceRunError, litert_run, tflm_run
from ..tflite.reader import read_model
from ..ui import progress_bar
from .compare import Comparison, compare_exact, compare_outputs
from .host import build_host, run_host, run_host_tensors
from .vectors import Tensors, as_tensors, single, vector_shape


@dataclass(frozen=True)
class ReferenceOutputs:
    """Both reference interpreters' outputs on one set of inputs, one array per model output."""

    tflm_outputs: Tensors                    # TFLite-Micro: the ground truth
    litert_outputs: Tensors | None           # None: not asked for, or LiteRT rejected the model
    litert_problem: str | None = None        # why LiteRT gave no opinion

    @property
    def tflm(self) -> np.ndarray:
        """A single-output model's TFLite-Micro outputs."""
        return single(self.tflm_outputs, "TFLite-Micro outputs")

    def first(self, n: int) -> ReferenceOutputs:
        """The outputs of the first ``n`` inputs (as ``Vectors.first``)."""
        return ReferenceOutputs(tuple(t[:n] for t in self.tflm_outputs),
                                None if self.litert_outputs is None
                                else tuple(t[:n] for t in self.litert_outputs),
                                self.litert_problem)


@dataclass(frozen=True)
class ReferenceCheck:
    """Outputs of generated code next to both reference interpreters' on the same inputs, one
    array per model output; ``generated``/``tflm``/``litert`` are those of a single-output model."""

    generated_outputs: Tensors
    tflm_outputs: Tensors                    # TFLite-Micro: the ground truth
    vs_tflm: Comparison                      # every output, every element
    litert_outputs: Tensors | None           # None: not asked for, or LiteRT rejected the model
    vs_litert: Comparison | None
    litert_problem: str | None = None        # why LiteRT gave no opinion

    @property
    def generated(self) -> np.ndarray:
        return single(self.generated_outputs, "generated outputs")

    @property
    def tflm(self) -> np.ndarray:
        return single(self.tflm_outputs, "TFLite-Micro outputs")

    @property
    def litert(self) -> np.ndarray | None:
        return None if self.litert_outputs is None else single(self.litert_outputs, "LiteRT outputs")

    @property
    def references(self) -> ReferenceOutputs:
        return ReferenceOutputs(self.tflm_outputs, self.litert_outputs, self.litert_problem)


def _shaped(tensors: Tensors, model: ModelInfo) -> Tensors:
    """Each output array as [N, *vector_shape(its shape)]."""
    return tuple(t.reshape(len(t), *vector_shape(io.shape)) for t, io in zip(tensors, model.outputs))


def reference_outputs(model: ModelInfo, inputs: np.ndarray | Sequence[np.ndarray],
                      shape: tuple[int, ...] | None = None, *, with_litert: bool = True,
                      progress: bool = False) -> ReferenceOutputs:
    """Runs ``inputs`` (one array per model input; an array alone for a single-input model)
    through TFLite-Micro, and LiteRT's reference kernels (a second opinion that is reported, never
    asserted); each output as [N, *vector_shape(its shape)] (``shape``, if given, is that of a
    single-output model's outputs)."""
    tflite = model.tflite_path.read_bytes()
    tensors = as_tensors(inputs)
    n = len(tensors[0])

    def shaped(out: Tensors) -> Tensors:
        return (out[0].reshape(shape),) if shape is not None and len(out) == 1 else _shaped(out, model)

    # op state (SVDF, LSTM) carries from one input to the next in the generated code: so too in
    # the reference, which otherwise starts a fresh interpreter every chunk of inputs
    stateful = any(t.is_variable for t in read_model(model.tflite_path).tensors)
    with progress_bar(n, "TFLite-Micro reference", progress) as bar:
        tflm = shaped(tflm_run(tflite, tensors, len(model.outputs), bar.update, stateful=stateful))
    litert, problem = None, None
    if with_litert:
        try:  # LiteRT rejects some valid models (e.g. CONV_2D without a bias)
            with progress_bar(n, "LiteRT reference", progress) as bar:
                litert = shaped(litert_run(tflite, tensors, bar.update))
        except ReferenceRunError as exc:
            problem = str(exc)
    return ReferenceOutputs(tflm, litert, problem)


def check_against_references(model: ModelInfo, inputs: np.ndarray | Sequence[np.ndarray],
                             generated: np.ndarray | Sequence[np.ndarray], *,
                             with_litert: bool = True, progress: bool = False,
                             references: ReferenceOutputs | None = None) -> ReferenceCheck:
    """Compares ``generated`` (one array per model output; an array alone for a single-output
    model) element by element with the references' outputs on ``inputs``: ``references`` when the
    caller already has them, else computed here. Every output is compared, every element."""
    got = as_tensors(generated)
    if len(got) != len(model.outputs):
        raise ValueError(f"{len(got)} generated output arrays for {len(model.outputs)} outputs")
    refs = references or reference_outputs(model, inputs, got[0].shape if len(got) == 1 else None,
                                           with_litert=with_litert, progress=progress)
    names = [io.name for io in model.outputs]
    tflm = tuple(r.reshape(g.shape) for r, g in zip(refs.tflm_outputs, got))
    litert = (None if refs.litert_outputs is None
              else tuple(r.reshape(g.shape) for r, g in zip(refs.litert_outputs, got)))
    return ReferenceCheck(got, tflm, compare_outputs(got, tflm, names), litert,
                          compare_outputs(got, litert, names) if litert is not None else None,
                          refs.litert_problem)


def check_on_host(c_dir: Path | ModelInfo, inputs: np.ndarray | Sequence[np.ndarray],
                  work_dir: Path | None = None,
                  with_litert: bool = True, progress: bool = False,
                  kernels: KernelRequest = DEFAULT_REQUEST) -> ReferenceCheck:
    """Builds ``c_dir`` (a generated folder, or its ModelInfo) for the host, runs ``inputs`` (one
    array per model input; an array alone for a single-input model) through it and through the
    references. ``kernels`` as for a board build (builder.kernels);
    the host has no DSP or Helium, so CMSIS-NN runs its portable C path there."""
    model = c_dir if isinstance(c_dir, ModelInfo) else ModelInfo.load(c_dir)
    with tempfile.TemporaryDirectory(prefix="mcuforge-host-") as scratch:
        work = Path(work_dir or scratch)
        built, cmsis = model_for(model, None, kernels, work / "model")
        exe = build_host(built, work, cmsis)
        generated = run_host_tensors(exe, built, inputs)
    return check_against_references(model, inputs, generated, with_litert=with_litert,
                                    progress=progress)


__all__ = ["ReferenceCheck", "ReferenceOutputs", "build_host", "check_against_references",
           "check_on_host", "compare_exact", "compare_outputs", "reference_outputs", "run_host",
           "run_host_tensors"]

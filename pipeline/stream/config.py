"""Every constant of the streaming application (firmware/app/mf_stream.h), computed from the model
and the recipe's ``stream:`` section, and the C file that holds them (mf_stream_config.c).

Input quantization. The model's test vectors quantize a front-end feature F (int32, |F| < 2^19)
as ``quantize_input(float32(F) * float32(FEATURE_SCALE), scale, zero_point)`` in float32. That map
is monotone non-decreasing in F (float32 multiplication and division are correctly rounded, hence
monotone, and so is rounding half away from zero), so it is fully described by the 255 smallest
F at which it reaches -127, -126, ..., 127. ``input_thresholds`` finds them by evaluating the
float rule on every F in [-2^19, 2^19] and checks the monotonicity it relies on; the device then
counts the thresholds <= F (a binary search) and gets the same int8, bit for bit, with integers
only.

Scores. The model's last op is a softmax with an int8 output (scale s, zero point z; TFLite gives
1/256 and -128). The device sums (q - z) over the last ``window`` inferences; the mean posterior
reaches ``threshold`` exactly when that sum reaches ceil(threshold * window / s).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import __version__
from ..cformat import array_definition, c_string, generated_header
from ..codegen.model_info import ModelInfo
from ..errors import McuforgeError
from ..features.frontend import DEFAULT_CONFIG, FEATURE_SCALE
from ..quantize.convert import quantize_input
from ..recipe import KWS, StreamSpec, load_recipe
from ..templating import environment

FEATURE_BOUND = 1 << 19          # |F| < 2^19 (mf_frontend.h)
INPUT_LEVELS = 255               # MF_STREAM_INPUT_LEVELS
MAX_CLASSES = 32                 # MF_STREAM_MAX_CLASSES
HOP_SAMPLES = DEFAULT_CONFIG.hop_samples
SAMPLE_RATE = DEFAULT_CONFIG.sample_rate_hz
WINDOW_SAMPLES = DEFAULT_CONFIG.window_samples
NUM_FRAMES = DEFAULT_CONFIG.num_frames
NUM_MFCC = DEFAULT_CONFIG.num_mfcc


class StreamError(McuforgeError):
    """A model folder or stream that the streaming application cannot use."""


@dataclass(frozen=True)
class StreamParams:
    model: ModelInfo
    classes: tuple[str, ...]
    spec: StreamSpec
    input_thresholds: np.ndarray     # int32 [255], ascending
    output_zero_point: int
    score_threshold: int             # on the window sum of (q - zero point)
    refractory_hops: int
    detect_mask: int                 # bit c: class c is a keyword

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(c for i, c in enumerate(self.classes) if self.detect_mask >> i & 1)

    def describe(self) -> str:
        sp = self.spec
        return (f"inference every {sp.infer_every_hops} hops ({sp.infer_every_hops * 20} ms), "
                f"mean of {sp.average_window}, threshold {sp.threshold:g} "
                f"(window sum >= {self.score_threshold}), refractory {sp.refractory_s:g} s")


def quantize_features(f: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """int32 front-end features -> the model's int8 input, as the test vectors are made
    (FeatureSet.as_float, then quantize.convert.quantize_input)."""
    x = np.asarray(f).astype(np.float32) * np.float32(FEATURE_SCALE)
    return quantize_input(x, scale, zero_point)


def input_thresholds(scale: float, zero_point: int) -> np.ndarray:
    """int32 [255]: thresholds[k] = the least F in [-2^19, 2^19] whose int8 is >= k - 127, or
    INT32_MIN if every F there reaches it (the level is below the feature range), INT32_MAX if
    none does."""
    f = np.arange(-FEATURE_BOUND, FEATURE_BOUND + 1, dtype=np.int64)
    q = quantize_features(f, scale, zero_point).astype(np.int64)
    if np.any(np.diff(q) < 0):
        raise StreamError(f"input quantization (scale {scale}, zero point {zero_point}) is not "
                          "monotone in the feature value")
    levels = np.arange(-127, 128)
    first = np.searchsorted(q, levels, side="left")      # first index with q >= level
    out = np.where(first >= len(f), 2**31 - 1, f[np.minimum(first, len(f) - 1)])
    out = np.where(first == 0, -2**31, out)
    return out.astype(np.int32)


def _classes(c_dir: Path) -> tuple[str, ...]:
    run = c_dir.parent
    metrics = run / "quantize_metrics.json"
    if metrics.is_file():
        try:
            return tuple(json.loads(metrics.read_text())["classes"])
        except (ValueError, KeyError, TypeError) as exc:
            raise StreamError(f"{metrics}: unreadable ({exc})") from exc
    vectors = run / "test_vectors.npz"
    if vectors.is_file():
        with np.load(vectors) as f:
            if "classes" in f:
                return tuple(str(c) for c in f["classes"])
    raise StreamError(f"{c_dir}: no class names: expected {metrics} (a run folder made by "
                      "`mcuforge run` or `mcuforge quantize`)")


def _spec(c_dir: Path) -> StreamSpec:
    recipe_path = c_dir.parent / "recipe.yaml"
    if not recipe_path.is_file():
        return StreamSpec()
    recipe = load_recipe(recipe_path)
    if recipe.task != KWS:
        raise StreamError(f"{c_dir}: the recipe {recipe_path} is for {recipe.task}, "
                          "not keyword spotting")
    return recipe.stream


def stream_params(model: ModelInfo, spec: StreamSpec | None = None,
                  classes: tuple[str, ...] | None = None) -> StreamParams:
    """The constants for ``model``; ``spec`` and ``classes`` default to the run folder's (the
    recipe.yaml and quantize_metrics.json beside the C folder)."""
    c_dir = model.folder
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise StreamError(f"{c_dir}: streaming takes a model with one input and one output")
    inp, out = model.input, model.output
    if inp.dtype != "int8_t" or out.dtype != "int8_t":
        raise StreamError(f"{c_dir}: streaming takes int8 input and output, got {inp.dtype}, "
                          f"{out.dtype}")
    if inp.size != NUM_FRAMES * NUM_MFCC:
        raise StreamError(f"{c_dir}: input '{inp.name}' has shape {list(inp.shape)}; the stream "
                          f"gives {NUM_FRAMES} frames x {NUM_MFCC} features")
    classes = classes if classes is not None else _classes(c_dir)
    spec = spec if spec is not None else _spec(c_dir)
    if len(classes) != out.size or not 1 <= out.size <= MAX_CLASSES:
        raise StreamError(f"{c_dir}: output '{out.name}' has {out.size} values but the run names "
                          f"{len(classes)} classes (at most {MAX_CLASSES})")
    mask = sum(1 << i for i, c in enumerate(classes) if not c.startswith("_"))
    if mask == 0:
        raise StreamError(f"{c_dir}: no keyword among the classes {', '.join(classes)}")
    return StreamParams(model=model, classes=tuple(classes), spec=spec,
                        input_thresholds=input_thresholds(inp.scale, inp.zero_point),
                        output_zero_point=out.zero_point,
                        score_threshold=_score_threshold(spec, out.scale),
                        refractory_hops=_refractory_hops(spec), detect_mask=mask)


def with_spec(params: StreamParams, spec: StreamSpec) -> StreamParams:
    """``params`` for other detection settings (the same model, classes and inference stride)."""
    if spec.infer_every_hops != params.spec.infer_every_hops:
        raise ValueError("the inference stride is fixed by the posteriors")
    return replace(params, spec=spec,
                   score_threshold=_score_threshold(spec, params.model.output.scale),
                   refractory_hops=_refractory_hops(spec))


def _score_threshold(spec: StreamSpec, output_scale: float) -> int:
    """The least integer window sum with sum * scale >= threshold * window (a tiny margin
    against float noise)."""
    return math.ceil(spec.threshold * spec.average_window / output_scale - 1e-9)


def _refractory_hops(spec: StreamSpec) -> int:
    return round(spec.refractory_s * SAMPLE_RATE / HOP_SAMPLES)


def render_stream_config(params: StreamParams, path: Path, *, timed: bool) -> None:
    """mf_stream_config.c: ``mf_stream_cfg`` for this model (``timed``: with mf_port_ticks)."""
    model = params.model
    text = environment().get_template("stream/mf_stream_config.c.j2").render(
        header=generated_header(__version__, model.source_name, model.sha256),
        model=model, p=params, timed=timed,
        thresholds=array_definition("int32_t", "input_thresholds", params.input_thresholds,
                                    per_line=8),
        class_names=[c_string(c) for c in params.classes])
    path.write_text(text)


LINKED_PCM_SYMBOL = "mf_stream_pcm"   # the array PLAY reads (firmware/app/mf_stream_config.h)


def render_linked_pcm(params: StreamParams, pcm: np.ndarray | None, path: Path) -> None:
    """mf_stream_pcm.c: ``pcm`` (int16 samples) as the const array PLAY reads, in flash; a
    single unused zero sample and ``mf_stream_pcm_samples = 0`` when ``pcm`` is None."""
    model = params.model
    samples = 0 if pcm is None else len(pcm)
    values = np.zeros(1, np.int16) if pcm is None else np.asarray(pcm, dtype=np.int16)
    text = environment().get_template("stream/mf_stream_pcm.c.j2").render(
        header=generated_header(__version__, model.source_name, model.sha256), samples=samples,
        array=array_definition("int16_t", LINKED_PCM_SYMBOL, values, qualifiers="const",
                               per_line=16, align=False))
    path.write_text(text)

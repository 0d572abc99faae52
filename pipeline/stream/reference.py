"""The streaming application's decisions recomputed in Python from the references: the front
end's Python definition (features.frontend.compute_features), the test vectors' input
quantization, TFLite-Micro's interpreter for the model, and the smoothing and detection rules of
firmware/app/mf_stream.c written out again. The tests require the C to give the same detections,
at the same samples with the same scores."""

from __future__ import annotations

import numpy as np

from ..features.frontend import compute_features
from ..reference.isolated import ProgressHook
from ..reference.tflm import tflm_outputs
from .config import HOP_SAMPLES, NUM_FRAMES, WINDOW_SAMPLES, StreamParams, quantize_features
from .events import Detection

CLIP_SAMPLES = 16000


def stream_frames(audio: np.ndarray) -> np.ndarray:
    """int32 [frames, 10]: frame t of the stream = features of audio[320 t : 320 t + 480], for
    every t with a whole frame. Clips of 16,000 samples starting every 49 hops give 49 frames
    each, every frame once (the last clip padded: its padding reaches no whole frame)."""
    frames = (len(audio) - WINDOW_SAMPLES) // HOP_SAMPLES + 1 if len(audio) >= WINDOW_SAMPLES else 0
    step = NUM_FRAMES * HOP_SAMPLES
    clips = -(-frames // NUM_FRAMES)
    padded = np.zeros(clips * step + CLIP_SAMPLES, dtype=np.int16)
    padded[:len(audio)] = audio
    starts = np.arange(clips) * step
    batch = np.stack([padded[s:s + CLIP_SAMPLES] for s in starts]) if clips else \
        np.zeros((0, CLIP_SAMPLES), np.int16)
    feats = compute_features(batch) if clips else np.zeros((0, NUM_FRAMES, 10), np.int32)
    return feats.reshape(-1, feats.shape[-1])[:frames]


def reference_posteriors(params: StreamParams, audio: np.ndarray,
                         on_step: ProgressHook | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(frame index t of every inference, int64 [inferences, classes] q - zero point): the
    model runs after frame t for t = 48, 48 + N, 48 + 2N, ... on frames t - 48 .. t."""
    inp = params.model.input
    q = quantize_features(stream_frames(audio), inp.scale, inp.zero_point)
    ends = inference_ends(params, len(audio))
    if len(ends) == 0:
        return ends, np.zeros((0, len(params.classes)), np.int64)
    inputs = np.stack([q[t - NUM_FRAMES + 1:t + 1] for t in ends]).reshape(len(ends), *inp.shape[1:])
    posts = tflm_outputs(params.model.tflite_path.read_bytes(), inputs, on_step).reshape(len(ends), -1)
    return ends, posts.astype(np.int64) - params.output_zero_point


def detections_from(params: StreamParams, ends: np.ndarray, posts: np.ndarray) -> tuple[Detection, ...]:
    """The detection rule on the posteriors (int64 [inferences, classes] of q - zero point)."""
    return detections(params, ends, window_sums(posts, params.spec.average_window))


def window_sums(posts: np.ndarray, window: int) -> np.ndarray:
    """int64 [inferences, classes]: row i sums rows i - window + 1 .. i of ``posts`` (fewer at
    the start)."""
    c = np.cumsum(np.vstack([np.zeros((1, posts.shape[1]), np.int64), posts.astype(np.int64)]), axis=0)
    lag = np.maximum(np.arange(1, len(posts) + 1) - window, 0)
    return c[1:] - c[lag]


def detections(params: StreamParams, ends: np.ndarray, sums: np.ndarray) -> tuple[Detection, ...]:
    """The firmware's rule on ``sums`` (window_sums of the posteriors; rows before a full window
    ignored): the keyword with the highest window sum (the first of equal ones) fires if its sum
    reaches the threshold and no refractory time is left. Only the inferences whose best sum
    reaches the threshold are visited."""
    keywords = np.array([c for c in range(len(params.classes)) if params.detect_mask >> c & 1])
    kw_sums = sums[:, keywords]
    best = np.argmax(kw_sums, axis=1)                    # the first of equal sums
    best_sum = kw_sums[np.arange(len(kw_sums)), best]
    full = np.arange(len(kw_sums)) >= params.spec.average_window - 1
    out = []
    refractory_until = -1          # the first frame index at which a detection may fire again
    for i in np.flatnonzero(full & (best_sum >= params.score_threshold)):
        t = int(ends[i])
        if t < refractory_until:
            continue
        out.append(Detection(params.classes[keywords[best[i]]], t * HOP_SAMPLES + WINDOW_SAMPLES,
                             int(best_sum[i])))
        refractory_until = t + params.refractory_hops
    return tuple(out)


def inference_ends(params: StreamParams, samples: int) -> np.ndarray:
    """Frame index t of every inference on ``samples`` of audio: t = 48, 48 + N, ... while the
    frame is whole."""
    frames = (samples - WINDOW_SAMPLES) // HOP_SAMPLES + 1 if samples >= WINDOW_SAMPLES else 0
    return np.arange(NUM_FRAMES - 1, frames, params.spec.infer_every_hops)


def reference_detections(params: StreamParams, audio: np.ndarray) -> tuple[Detection, ...]:
    return detections_from(params, *reference_posteriors(params, audio))

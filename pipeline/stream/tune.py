"""`mcuforge stream C_DIR AUDIO.wav --labels CSV --tune`: choose the detection settings of the
recipe's ``stream:`` section (average_window, threshold, refractory_s) on a labelled stream.

The model's int8 posteriors are computed once, by TFLite-Micro's interpreter on the Python front
end (stream.reference: what the firmware computes, bit for bit), at the recipe's inference stride
(``infer_every_hops`` stays: the posteriors depend on it). Every combination of the grid below is
then scored by the matching rule of stream.events, with the firmware's detection rule
(``detections``: the same decisions as stream.reference.detections_from, found from the
inferences whose best window sum reaches the threshold instead of visiting every inference). The
best setting for a false-alarm budget has the highest recall within it; ties go to fewer false
alarms, then the higher threshold, the shorter window and refractory time.

Tune on a stream of other voices than the test stream's (`mcuforge make-stream --voices
validation`), or the figures on the test stream are no longer a measurement.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from ..recipe import STREAM_MAX_WINDOW
from .config import HOP_SAMPLES, WINDOW_SAMPLES, StreamParams, with_spec
from .events import Detection, Label, Score, score

WINDOWS = tuple(range(1, STREAM_MAX_WINDOW + 1))
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)
REFRACTORY_S = (0.5, 0.75, 1.0, 1.5, 2.0)
FALSE_ALARM_LEVELS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)   # per hour: the rows of the summary


@dataclass(frozen=True)
class Setting:
    params: StreamParams
    score: Score

    def rank(self) -> tuple:
        sp = self.params.spec
        return (self.score.hits, -self.score.false_alarms, sp.threshold, -sp.average_window,
                -sp.refractory_s)


def detections(params: StreamParams, ends: np.ndarray, window_sums: np.ndarray) -> tuple[Detection, ...]:
    """The firmware's detections from ``window_sums`` (int64 [inferences, classes]: the sum of
    (q - zero point) over the last ``average_window`` inferences, rows before a full window
    ignored): the keyword with the highest sum (the first of equal ones) fires when its sum
    reaches the threshold and no refractory time is left."""
    keywords = np.array([c for c in range(len(params.classes)) if params.detect_mask >> c & 1])
    sums = window_sums[:, keywords]
    best = np.argmax(sums, axis=1)                       # the first of equal sums
    best_sum = sums[np.arange(len(sums)), best]
    full = np.arange(len(sums)) >= params.spec.average_window - 1
    out = []
    refractory_until = -1
    for i in np.flatnonzero(full & (best_sum >= params.score_threshold)):
        t = int(ends[i])
        if t < refractory_until:
            continue
        out.append(Detection(params.classes[keywords[best[i]]], t * HOP_SAMPLES + WINDOW_SAMPLES,
                             int(best_sum[i])))
        refractory_until = t + params.refractory_hops
    return tuple(out)


def window_sums(posts: np.ndarray, window: int) -> np.ndarray:
    """int64 [inferences, classes]: row i sums rows i - window + 1 .. i of ``posts`` (fewer at
    the start)."""
    c = np.cumsum(np.vstack([np.zeros((1, posts.shape[1]), np.int64), posts.astype(np.int64)]), axis=0)
    lag = np.maximum(np.arange(1, len(posts) + 1) - window, 0)
    return c[1:] - c[lag]


def sweep(params: StreamParams, ends: np.ndarray, posts: np.ndarray, labels: tuple[Label, ...],
          seconds: float, tolerance_s: float) -> list[Setting]:
    """Every setting of the grid, scored on the stream."""
    out = []
    for window in WINDOWS:
        sums = window_sums(posts, window)
        for threshold, refractory in itertools.product(THRESHOLDS, REFRACTORY_S):
            p = with_spec(params, replace(params.spec, average_window=window, threshold=threshold,
                                          refractory_s=refractory))
            out.append(Setting(p, score(detections(p, ends, sums), labels, seconds, tolerance_s)))
    return out


def best_within(settings: list[Setting], false_alarms_per_hour: float) -> Setting | None:
    """The best setting with at most that many false alarms per hour (None: none has)."""
    ok = [s for s in settings if s.score.false_alarms_per_hour <= false_alarms_per_hour]
    return max(ok, key=Setting.rank, default=None)

"""`mcuforge stream C_DIR AUDIO.wav --labels CSV --tune`: choose the detection settings of the
recipe's ``stream:`` section (average_window, threshold, refractory_s) on a labelled stream.

The model's int8 posteriors are computed once, by TFLite-Micro's interpreter on the Python front
end (stream.reference: what the firmware computes, bit for bit), at the recipe's inference stride
(``infer_every_hops`` stays: the posteriors depend on it). Every combination of the grid below is
then scored by the matching rule of stream.events, with the firmware's detection rule
(stream.reference.detections, on window sums made once per window length). The
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
from .config import StreamParams, with_spec
from .events import Label, Score, score
from .reference import detections, window_sums

WINDOWS = tuple(range(1, STREAM_MAX_WINDOW + 1))
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)
REFRACTORY_S = (0.5, 0.75, 1.0, 1.5, 2.0)
FALSE_ALARM_LEVELS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)   # per hour: the rows of the summary
DEFAULT_FALSE_ALARM_BUDGET = 5.0                          # per hour, without --max-false-alarms


@dataclass(frozen=True)
class Setting:
    params: StreamParams
    score: Score

    def rank(self) -> tuple:
        sp = self.params.spec
        return (self.score.hits, -self.score.false_alarms, sp.threshold, -sp.average_window,
                -sp.refractory_s)


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

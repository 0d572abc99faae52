"""`mcuforge stream --tune` without a compiler: the detection rule (stream.reference, which the
C must equal) is the rule written out inference by inference, the window sums are sums, and the
best setting is the documented one (stream/tune.py)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from mcuforge.recipe import StreamSpec
from mcuforge.stream.config import StreamParams, with_spec
from mcuforge.stream.events import Detection, Label
from mcuforge.stream.reference import detections_from, window_sums
from mcuforge.stream.tune import best_within, sweep

pytestmark = pytest.mark.host

CLASSES = ("yes", "no", "up", "_silence_", "_unknown_")


def _params(spec: StreamSpec) -> StreamParams:
    """What the detection rule reads of a StreamParams (no model folder: scale 1/256)."""
    base = StreamParams(model=SimpleNamespace(output=SimpleNamespace(scale=1 / 256)),  # type: ignore[arg-type]
                        classes=CLASSES, spec=spec, input_thresholds=np.zeros(255, np.int32),
                        output_zero_point=-128, score_threshold=0, refractory_hops=0,
                        detect_mask=0b00111)
    return with_spec(base, spec)


def _posteriors(rng: np.random.Generator, n: int) -> np.ndarray:
    """int64 [n, 5] in 0..255, coarse, so that equal window sums (ties) are common."""
    return rng.integers(0, 6, size=(n, len(CLASSES))).astype(np.int64) * 51


def _rule_by_inference(params: StreamParams, ends: np.ndarray, posts: np.ndarray) -> tuple[Detection, ...]:
    """The rule of firmware/app/mf_stream.c, one inference at a time: after a full window, the
    keyword with the highest window sum (the first of equal ones) fires if the sum reaches the
    threshold and no refractory time is left."""
    sp = params.spec
    keywords = [c for c in range(len(params.classes)) if params.detect_mask >> c & 1]
    out, refractory_until = [], -1
    for i, t in enumerate(ends):
        if i + 1 < sp.average_window or t < refractory_until:
            continue
        sums = posts[i + 1 - sp.average_window:i + 1].sum(axis=0)
        best = max(keywords, key=lambda c: (sums[c], -c))
        if sums[best] >= params.score_threshold:
            out.append(Detection(params.classes[best], int(t) * 320 + 480, int(sums[best])))
            refractory_until = int(t) + params.refractory_hops
    return tuple(out)


@pytest.mark.parametrize("window,threshold,refractory_s", [
    (1, 0.5, 0.0), (1, 0.9, 0.5), (3, 0.6, 0.3), (4, 0.7, 1.0), (16, 0.5, 0.2), (2, 0.99, 0.1)])
def test_the_detection_rule_is_the_rule_by_inference(window, threshold, refractory_s):
    rng = np.random.default_rng(window * 100 + int(threshold * 100))
    posts = _posteriors(rng, 3000)
    ends = 48 + 2 * np.arange(len(posts))
    p = _params(StreamSpec(infer_every_hops=2, average_window=window, threshold=threshold,
                           refractory_s=refractory_s))
    expected = _rule_by_inference(p, ends, posts)
    assert len(expected) >= 5, expected         # the rule fires: the comparison can fail
    assert detections_from(p, ends, posts) == expected


def test_window_sums_are_the_sums_of_the_last_rows():
    posts = np.arange(24, dtype=np.int64).reshape(8, 3)
    sums = window_sums(posts, 3)
    for i in range(8):
        assert np.array_equal(sums[i], posts[max(0, i - 2):i + 1].sum(axis=0))


def test_the_best_setting_has_the_most_hits_within_the_budget():
    # "yes" said at 10 s and 30 s; the model is sure of it there, and unsure of "no" at 20 s
    hop_s = 0.02 * 4
    ends = 48 + 4 * np.arange(600)
    t = (ends * 320 + 480) / 16000
    posts = np.zeros((len(ends), len(CLASSES)), np.int64)
    posts[:, 3] = 255
    for at, cls, value in ((10.6, 0, 255), (30.6, 0, 255), (20.6, 1, 200)):
        near = np.abs(t - at) < 2.5 * hop_s
        posts[near] = 0
        posts[near, cls] = value
    labels = (Label("yes", 10.0, 10.5), Label("yes", 30.0, 30.5))
    settings = sweep(_params(StreamSpec()), ends, posts, labels, 3600.0, 1.0)
    best = best_within(settings, 0.0)
    assert best is not None and (best.score.hits, best.score.false_alarms) == (2, 0)
    # the highest threshold that still finds both, then the shortest window and refractory time
    assert best.params.spec.threshold == 0.995
    assert best.params.spec.average_window == 1 and best.params.spec.refractory_s == 0.5
    # with a budget of one false alarm the same setting wins (more hits are impossible)
    assert best_within(settings, 1.0) == best
    assert best_within([s for s in settings if s.score.false_alarms], 0.0) is None
    # a setting low enough for "no" to fire spends the budget
    assert any(s.score.false_alarms == 1 for s in settings)


def test_the_stride_is_fixed_by_the_posteriors():
    p = _params(StreamSpec(infer_every_hops=4))
    with pytest.raises(ValueError, match="stride"):
        with_spec(p, replace(p.spec, infer_every_hops=2))

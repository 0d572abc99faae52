"""Stream windows (pipeline/train/stream_windows.py) on small made-up features: the window is the
two clips' frames laid end to end, labels follow how much of each word the window holds, and the
epochs are seeded. Host only, no training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mcuforge.recipe import load_recipe
from mcuforge.train.stream_windows import HIT_INSIDE, MISS_INSIDE, StreamWindows, word_extents

REPO = Path(__file__).resolve().parents[1]
CLASSES = ("a", "b", "c", "_silence_", "_unknown_")
FRAMES = 49


def _clips(n: int, seed: int = 0):
    """Features [n, 49, 10, 1]: coefficient 0 is the energy (noise 0-9, word 1000 over a random
    span; none for _silence_), coefficient 1 the clip number + 1, coefficient 2 the frame number."""
    rng = np.random.default_rng(seed)
    y = rng.integers(len(CLASSES), size=n)
    x = np.zeros((n, FRAMES, 10, 1), np.int32)
    x[:, :, 0, 0] = rng.integers(0, 10, size=(n, FRAMES))
    spans = np.full((n, 2), -1)
    for i in range(n):
        if CLASSES[y[i]] != "_silence_":
            length = int(rng.integers(5, 30))
            start = int(rng.integers(0, FRAMES - length + 1))
            x[i, start:start + length, 0, 0] = 1000
            spans[i] = start, start + length - 1
    x[:, :, 1, 0] = np.arange(1, n + 1)[:, None]
    x[:, :, 2, 0] = np.arange(FRAMES)[None, :]
    return x, y, spans


def test_word_extents_find_the_loud_frames():
    x, y, spans = _clips(200)
    assert np.array_equal(word_extents(x, y, CLASSES.index("_silence_")), spans)


def test_windows_are_two_clips_end_to_end_labelled_by_what_is_inside():
    x, y, spans = _clips(300)
    windows = StreamWindows(x, y, CLASSES, 1.0, seed=3)
    out_x, out_y = windows.epoch(0)
    silence, unknown = CLASSES.index("_silence_"), CLASSES.index("_unknown_")
    changed = 0
    for w, label in zip(out_x[..., 0], out_y):
        clip, frame = w[:, 1] - 1, w[:, 2]
        if np.array_equal(frame, np.arange(FRAMES)) and len(set(clip)) == 1:
            assert label == y[clip[0]]          # an ambiguous window keeps its clip and label
            continue
        changed += 1
        # at most two clips, each a run of consecutive frames, joined in time order
        joins = np.flatnonzero(np.diff(frame) != 1) + 1
        assert len(joins) == 1 and frame[joins[0] - 1] == FRAMES - 1 and frame[joins[0]] == 0
        assert len(set(clip[:joins[0]])) == 1 and len(set(clip[joins[0]:])) == 1
        first, second = clip[0], clip[-1]
        part = np.arange(FRAMES) >= joins[0]     # which of the two clips a window frame is from
        assert np.array_equal(w[:, 0], x[clip, frame, 0, 0])
        # the label, from counting the word frames the window shows
        shown = {}
        for k, c in enumerate((first, second)):
            lo, hi = spans[c]
            if lo >= 0:
                seen = np.sum((part == k) & (frame >= lo) & (frame <= hi))
                shown[k] = seen / (hi - lo + 1)
        inside = [k for k, f in shown.items() if f >= HIT_INSIDE]
        assert not any(MISS_INSIDE < f < HIT_INSIDE for f in shown.values())
        assert len(inside) <= 1
        if inside:
            word = y[(first, second)[inside[0]]]
            assert label == (word if word < silence else unknown)
        elif any(f > 0 for f in shown.values()):
            assert label == unknown
        else:
            assert label == silence
    assert changed > 150


def test_epochs_are_seeded_and_the_fraction_is_respected():
    x, y, _ = _clips(400)
    windows = StreamWindows(x, y, CLASSES, 0.5, seed=1)
    a, b = windows.epoch(2), windows.epoch(2)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(windows.epoch(3)[0], a[0])
    whole = [np.array_equal(w[:, 2, 0], np.arange(FRAMES)) for w in a[0]]
    assert 0.3 < 1 - np.mean(whole) < 0.6      # about half replaced (less the ambiguous ones)
    none_x, none_y = StreamWindows(x, y, CLASSES, 0.0, seed=1).epoch(0)
    order = none_x[:, 0, 1, 0] - 1               # fraction 0: the clips, shuffled
    assert sorted(order) == list(range(len(y))) and np.array_equal(none_y, y[order])


def test_the_kws_recipe_turns_stream_windows_on():
    assert load_recipe(REPO / "models" / "kws_dscnn.yaml").augmentation.stream_windows == 0.5


def test_classes_must_end_with_silence_and_unknown():
    x, y, _ = _clips(10)
    with pytest.raises(ValueError, match="keywords first"):
        StreamWindows(x, y, ("_silence_", "a", "b", "c", "_unknown_"), 0.5, seed=0)

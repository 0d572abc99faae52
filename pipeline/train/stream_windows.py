"""Stream windows: keyword-spotting training examples that look like what a sliding window sees.

A streaming detector runs the model on every 1 s window of a recording, so it sees words cut by
the window's edges, words off centre and a word next to a fragment of its neighbour; the clips of
the dataset have one whole word each. Each epoch ``StreamWindows`` replaces a fraction
(``augmentation.stream_windows``) of the training clips by a window made from that clip (the
host) and another training clip drawn at random (the neighbour): the two clips are laid end to
end in time, the neighbour first or second at random, and the window is the 49 frames starting
``s`` frames into the pair, ``s`` uniform, so the host is shifted by up to 48 frames either way
and the vacated frames hold the neighbour's adjacent frames.

This is done on the front end's features, not on audio: the features of a frame depend only on
its own 480 samples (no normalisation across frames), so the frames of two clips laid end to end
are the two clips' frames, except the one or two frames that straddle the join. The features are
never recomputed, and the Python/C feature definition is untouched.

Labels come from where each clip's word lies (``word_extents``: the frames whose first cepstral
coefficient, the log energy, stands above the clip's noise floor; none for ``_silence_``): a word
counts as *in* the window when at least HIT_INSIDE of its frames are, as *absent* when at most
MISS_INSIDE are. The window is labelled with the class of the one word in it (``_unknown_`` for an
unknown word); ``_unknown_`` if no word is in but a fragment is; ``_silence_`` if no speech frame
is in. Ambiguous windows (two words in, or a word between MISS_INSIDE and HIT_INSIDE) keep the
host clip unchanged. Deterministic for a given seed and epoch.
"""

from __future__ import annotations

import numpy as np

HIT_INSIDE = 0.8      # a word is in the window when at least this fraction of its frames is
MISS_INSIDE = 0.5     # and absent (a fragment) when at most this fraction is
FLOOR_QUANTILE = 0.2  # the clip's noise floor: this quantile of its frame energies
SPEECH_RISE = 0.25    # speech frames: above floor + this fraction of (peak - floor)


def word_extents(x: np.ndarray, y: np.ndarray, silence: int) -> np.ndarray:
    """int64 [N, 2]: first and last frame of each clip's word (-1, -1 for ``silence`` clips and
    clips without a frame above the threshold). ``x``: features [N, frames, coefficients, ...]."""
    energy = x.reshape(x.shape[0], x.shape[1], -1)[:, :, 0].astype(np.float64)
    floor = np.quantile(energy, FLOOR_QUANTILE, axis=1)
    peak = energy.max(axis=1)
    loud = energy > (floor + SPEECH_RISE * (peak - floor))[:, None]
    loud &= (peak > floor)[:, None]
    loud[y == silence] = False
    first = np.where(loud.any(axis=1), loud.argmax(axis=1), -1)
    last = np.where(loud.any(axis=1), loud.shape[1] - 1 - loud[:, ::-1].argmax(axis=1), -1)
    return np.stack([first, last], axis=1).astype(np.int64)


def _inside(extent: np.ndarray, offset: np.ndarray, frames: int) -> np.ndarray:
    """Fraction of each word's frames inside [0, frames) once its clip starts at ``offset``."""
    first, last = extent[:, 0] + offset, extent[:, 1] + offset
    length = extent[:, 1] - extent[:, 0] + 1
    seen = np.clip(np.minimum(last, frames - 1) - np.maximum(first, 0) + 1, 0, None)
    return np.where(extent[:, 0] >= 0, seen / np.maximum(length, 1), 0.0)


def make_windows(x: np.ndarray, y: np.ndarray, extents: np.ndarray, hosts: np.ndarray,
                 rng: np.random.Generator, *, silence: int, unknown: int,
                 keyword_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Stream windows for the clips ``hosts``: (features like ``x[hosts]``, labels). A host
    whose window is ambiguous comes back unchanged with its own label."""
    frames = x.shape[1]
    n = len(hosts)
    neighbours = rng.integers(len(x), size=n)
    shift = rng.integers(1, frames, size=n)             # host moved by this many frames...
    before = rng.random(n) < 0.5                        # ...right (neighbour before it) or left
    host_offset = np.where(before, shift, -shift)
    nb_offset = np.where(before, shift - frames, frames - shift)
    f_host = _inside(extents[hosts], host_offset, frames)
    f_nb = _inside(extents[neighbours], nb_offset, frames)
    in_host, in_nb = f_host >= HIT_INSIDE, f_nb >= HIT_INSIDE
    gray = ((f_host > MISS_INSIDE) & ~in_host) | ((f_nb > MISS_INSIDE) & ~in_nb) | (in_host & in_nb)

    def word_class(idx: np.ndarray) -> np.ndarray:
        cls = y[idx]
        return np.where(cls < keyword_classes, cls, unknown)

    label = np.where(in_host, word_class(hosts), np.where(in_nb, word_class(neighbours), -1))
    fragment = (f_host > 0) | (f_nb > 0)
    label = np.where(label >= 0, label, np.where(fragment, unknown, silence))
    out_x = x[hosts].copy()
    out_y = y[hosts].copy()
    t = np.arange(frames)
    for i in np.flatnonzero(~gray):
        src_host = t - host_offset[i]                   # window frame t shows host frame t - offset
        from_host = (src_host >= 0) & (src_host < frames)
        out_x[i][from_host] = x[hosts[i]][src_host[from_host]]
        out_x[i][~from_host] = x[neighbours[i]][(t - nb_offset[i])[~from_host]]
        out_y[i] = label[i]
    return out_x, out_y


class StreamWindows:
    """The training split for one epoch at a time: shuffled, a ``fraction`` of it replaced by
    stream windows; ``epoch(e)`` is a pure function of (seed, e)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, classes: tuple[str, ...], fraction: float,
                 seed: int) -> None:
        self.x, self.y, self.fraction, self.seed = x, y, fraction, seed
        self.silence, self.unknown = classes.index("_silence_"), classes.index("_unknown_")
        self.keyword_classes = min(self.silence, self.unknown)
        if sorted((self.silence, self.unknown)) != [len(classes) - 2, len(classes) - 1]:
            raise ValueError("stream windows need the keywords first, then _silence_ and _unknown_")
        self.extents = word_extents(x, y, self.silence)

    def epoch(self, e: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(11, e)))
        order = rng.permutation(len(self.y))
        x, y = self.x[order], self.y[order]
        chosen = np.flatnonzero(rng.random(len(y)) < self.fraction)
        x[chosen], y[chosen] = make_windows(self.x, self.y, self.extents, order[chosen], rng,
                                            silence=self.silence, unknown=self.unknown,
                                            keyword_classes=self.keyword_classes)
        return x, y

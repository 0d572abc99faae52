"""A small generated image set for quick runs and tests: coloured shapes and stripes.

Six classes, each drawn in a random foreground colour on a random darker background, at a random
position and size, with Gaussian pixel noise (sigma 8): ``disc``, ``square``, ``triangle``,
``cross``, ``horizontal_stripes`` and ``vertical_stripes``. Any size and 1 or 3 channels (grey is
the luma of the RGB image). Deterministic for a seed; made in memory in a fraction of a second, so
nothing is cached. It exists to exercise the pipeline, not to measure a model.
"""

from __future__ import annotations

import numpy as np

from .common import ImageDataset, ImageSplit, fit_array, split_dataset

CLASSES = ("cross", "disc", "horizontal_stripes", "square", "triangle", "vertical_stripes")
NOISE_SIGMA = 8.0


def make_synthetic_images(*, size: int = 32, channels: int = 3, images_per_class: int = 50,
                          validation_fraction: float = 0.1, test_fraction: float = 0.1,
                          seed: int = 0) -> ImageDataset:
    if size < 4:
        raise ValueError(f"synthetic images need at least 4x4 pixels, got {size}")
    n = images_per_class * len(CLASSES)
    rgb = np.empty((n, size, size, 3), dtype=np.uint8)
    labels = np.repeat(np.arange(len(CLASSES), dtype=np.int64), images_per_class)
    for label, name in enumerate(CLASSES):
        rng = np.random.default_rng([seed, label])
        for k in range(images_per_class):
            rgb[label * images_per_class + k] = _draw(rng, name, size)
    everything = ImageSplit(fit_array(rgb, size, channels), labels,
                            tuple(f"{CLASSES[c]}#{i}" for i, c in enumerate(labels)))
    return split_dataset(CLASSES, everything, validation_fraction, test_fraction, seed,
                         f"synthetic shapes ({images_per_class} per class, seed {seed})")


def _draw(rng: np.random.Generator, name: str, size: int) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    cx, cy = rng.uniform(0.35, 0.65, size=2) * size
    r = rng.uniform(0.18, 0.3) * size
    period = rng.uniform(size / 8, size / 4) if size >= 16 else 2.0
    phase = rng.uniform(0, period)
    if name == "disc":
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    elif name == "square":
        mask = (np.abs(xx - cx) <= r) & (np.abs(yy - cy) <= r)
    elif name == "triangle":
        top = cy - r
        mask = (yy >= top) & (yy <= cy + r) & (np.abs(xx - cx) <= (yy - top) / 2)
    elif name == "cross":
        arm = max(r / 3, 1.0)
        mask = ((np.abs(xx - cx) <= arm) & (np.abs(yy - cy) <= r)) | \
               ((np.abs(yy - cy) <= arm) & (np.abs(xx - cx) <= r))
    elif name == "horizontal_stripes":
        mask = np.floor((yy + phase) / period) % 2 == 0
    elif name == "vertical_stripes":
        mask = np.floor((xx + phase) / period) % 2 == 0
    else:  # pragma: no cover - CLASSES lists every name above
        raise ValueError(name)
    background = rng.uniform(0, 90, size=3)
    foreground = rng.uniform(150, 255, size=3)
    image = np.where(mask[..., None], foreground, background)
    image = image + rng.normal(0, NOISE_SIGMA, size=image.shape)
    return np.rint(image).clip(0, 255).astype(np.uint8)

"""The offline image default: scikit-learn's bundled handwritten digits, scaled up.

``sklearn.datasets.load_digits`` ships with scikit-learn (no download): 1,797 images of 8x8
pixels with 17 grey levels (0..16), 10 classes ``0``..``9`` (about 180 each), from 43 writers
(UCI "Optical Recognition of Handwritten Digits", the test part). It is a small demonstration set:
far easier and smaller than MNIST, and its split is by image, not by writer.

Pixels are mapped to 0..255 (``round(v * 255 / 16)``, white digits on black) and resized
bilinearly to the requested size (see ``common``); 3 channels repeat the grey value. The splits
are seeded and stratified per class.
"""

from __future__ import annotations

import numpy as np

from ...errors import MissingDependencyError
from .common import ImageDataset, ImageSplit, fit_array, split_dataset

CLASSES = tuple(str(d) for d in range(10))
LEVELS = 16  # the bundled images hold 0..16


def load_digits(*, size: int = 16, channels: int = 1, validation_fraction: float = 0.1,
                test_fraction: float = 0.2, seed: int = 0) -> ImageDataset:
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as exc:
        raise MissingDependencyError("the digits dataset needs scikit-learn: "
                                     "pip install 'mcuforge[train]'") from exc
    bunch = sklearn_digits()
    levels = np.asarray(bunch.images, dtype=np.float64)               # [N, 8, 8], 0..16
    pixels = np.rint(levels * (255.0 / LEVELS)).clip(0, 255).astype(np.uint8)[..., None]
    labels = np.asarray(bunch.target, dtype=np.int64)
    everything = ImageSplit(fit_array(pixels, size, channels), labels,
                            tuple(f"digits#{i}" for i in range(len(labels))))
    return split_dataset(CLASSES, everything, validation_fraction, test_fraction, seed,
                         "scikit-learn digits (8x8, bundled)")

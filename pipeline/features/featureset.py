"""features.npz: the model inputs of every split, as integers, and how the float model sees them.

One mechanism serves both tasks (keyword spotting: int32 front-end features; images: uint8 pixels,
scale 1/255). The training stage saves it, so quantize and later reruns read exactly what
training saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..fsutil import open_atomic


@dataclass(frozen=True)
class FeatureSet:
    """The model inputs of every split, as integers: ``x_*`` are [N, ...model input shape] (keyword
    spotting: int32 front-end features [N, frames, coefficients, 1]; images: uint8 pixels
    [N, H, W, C]); the float model sees ``x * scale`` (images: pixel / 255, in [0, 1]).
    ``y_*`` are int64 labels indexing ``classes``."""

    classes: tuple[str, ...]
    scale: float
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def as_float(self, x: np.ndarray) -> np.ndarray:
        return x.astype(np.float32) * np.float32(self.scale)

    def float_chunks(self, x: np.ndarray, rows: int = 1024):
        """``as_float`` in chunks of ``rows``, so a large split never exists whole as float32."""
        for start in range(0, len(x), rows):
            yield self.as_float(x[start:start + rows])

    @property
    def counts(self) -> dict[str, int]:
        """Examples per split: train, validation, test."""
        return {"train": len(self.y_train), "validation": len(self.y_val), "test": len(self.y_test)}

    def save(self, path: Path) -> None:
        with open_atomic(path) as f:  # straight to the file: an image set can be gigabytes
            np.savez(f, classes=np.array(self.classes), scale=np.float64(self.scale),
                     x_train=self.x_train, y_train=self.y_train, x_val=self.x_val, y_val=self.y_val,
                     x_test=self.x_test, y_test=self.y_test)

    @classmethod
    def load(cls, path: Path) -> FeatureSet:
        with np.load(path) as f:
            arrays = {k: f[k] for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")}
            for k in ("x_train", "x_val", "x_test"):  # run folders written before the channel axis
                if arrays[k].ndim == 3:
                    arrays[k] = arrays[k][..., None]
            return cls(classes=tuple(str(c) for c in f["classes"]), scale=float(f["scale"]), **arrays)

"""What quantization measured on the test split: quantize_metrics.json."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..fsutil import write_text_atomic


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> np.ndarray:
    """Rows: true class; columns: predicted class."""
    m = np.zeros((n, n), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


@dataclass(frozen=True)
class QuantizeMetrics:
    """What quantization measured on the test split; written as quantize_metrics.json."""

    classes: list[str]
    test_examples: int
    float_accuracy: float
    int8_accuracy: float                # LiteRT's default kernels
    float_int8_agreement: float         # fraction of examples where both predict the same class
    confusion_int8: list[list[int]]     # rows: true class, columns: predicted class
    tflite_bytes: int
    representative_samples: int
    input_scale: float                  # the int8 input: q = round(x / scale) + zero_point
    input_zero_point: int
    # rows: true class, columns: the float model's prediction (None in run folders written before)
    confusion_float: list[list[int]] | None = None

    def write(self, path: Path) -> None:
        write_text_atomic(path, json.dumps(dataclasses.asdict(self), indent=2) + "\n")

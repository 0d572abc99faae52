"""What training measured: train_metrics.json."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import write_text_atomic


@dataclass(frozen=True)
class TrainMetrics:
    """What training measured; written as train_metrics.json."""

    task: str
    dataset: str                        # the folder (or generated set) it trained on
    classes: list[str]
    input_shape: list[int]              # one example, as the model sees it
    examples: dict[str, int]            # per split: train, validation, test
    epochs_run: int                     # early stopping may end before recipe.training.epochs
    best_val_accuracy: float
    float_test_accuracy: float
    parameters: int
    seconds: dict[str, float]
    history: dict[str, list[float]]     # Keras's per-epoch loss and accuracy

    def write(self, path: Path) -> None:
        write_text_atomic(path, json.dumps(dataclasses.asdict(self), indent=2) + "\n")

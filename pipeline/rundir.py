"""The run folder (build/<name>/): one place for the name of every artefact a stage writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import McuforgeError


class RunDirError(McuforgeError):
    """A run folder lacks what an earlier stage should have written there."""


@dataclass(frozen=True)
class RunDir:
    root: Path

    @property
    def recipe(self) -> Path:          # copy of the recipe the run was made from
        return self.root / "recipe.yaml"

    @property
    def features(self) -> Path:        # int32 features + labels of every split (features.npz)
        return self.root / "features.npz"

    @property
    def float_model(self) -> Path:     # trained Keras model
        return self.root / "model.keras"

    @property
    def train_metrics(self) -> Path:
        return self.root / "train_metrics.json"

    @property
    def tflite(self) -> Path:          # full-integer int8 model
        return self.root / "model.tflite"

    @property
    def quant_metrics(self) -> Path:
        return self.root / "quantize_metrics.json"

    @property
    def test_vectors(self) -> Path:    # int8 test-split inputs and labels (inputs, labels)
        return self.root / "test_vectors.npz"

    @property
    def c_dir(self) -> Path:           # generated C
        return self.root / "c"

    def require(self, path: Path, stage: str) -> Path:
        if not path.exists():
            raise RunDirError(f"{path}: missing; run `mcuforge {stage}` first")
        return path

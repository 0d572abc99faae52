"""Training stage: dataset -> features -> Keras float model, written into the run folder.

Writes recipe.yaml (a copy), features.npz (int32 front-end features of every split, labels,
class names), model.keras and train_metrics.json.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DatasetError, MissingDependencyError
from .fsutil import write_bytes_atomic, write_text_atomic
from .recipe import Recipe
from .rundir import RunDir


@dataclass(frozen=True)
class FeatureSet:
    """Front-end output of every split. ``x_*`` are int32 [N, frames, coefficients]; the model
    sees them as float ``x * scale`` with a trailing channel axis."""

    classes: tuple[str, ...]
    scale: float
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def as_float(self, x: np.ndarray) -> np.ndarray:
        return (x.astype(np.float32) * np.float32(self.scale))[..., None]

    def save(self, path: Path) -> None:
        import io

        buf = io.BytesIO()
        np.savez(buf, classes=np.array(self.classes), scale=np.float64(self.scale),
                 x_train=self.x_train, y_train=self.y_train, x_val=self.x_val, y_val=self.y_val,
                 x_test=self.x_test, y_test=self.y_test)
        write_bytes_atomic(path, buf.getvalue())

    @classmethod
    def load(cls, path: Path) -> "FeatureSet":
        with np.load(path) as f:
            return cls(classes=tuple(str(c) for c in f["classes"]), scale=float(f["scale"]),
                       **{k: f[k] for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")})


def require_tensorflow():
    from .capture import captured_fd

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with captured_fd(2):  # TensorFlow's native start-up log lines
            import tensorflow as tf
    except ImportError as exc:
        raise MissingDependencyError(
            "training and quantization need TensorFlow: pip install 'mcuforge[train]'") from exc
    return tf


def dataset_root(recipe: Recipe, data_override: str | None, progress: bool) -> Path:
    """The Speech Commands folder to read: the user's, or the synthetic set (made and cached)."""
    spec = recipe.dataset
    if data_override or spec.kind == "speech_commands":
        root = data_override or spec.path
        if not root:
            raise DatasetError(f"{recipe.path}: dataset.kind is speech_commands but no dataset.path "
                               "is set (or pass --data FOLDER)")
        return Path(os.path.expanduser(root))
    from .data.synth import default_synth_dir, synthesize_speech_commands

    out = default_synth_dir(spec.clips_per_class, spec.seed)
    return synthesize_speech_commands(out, clips_per_class=spec.clips_per_class, seed=spec.seed,
                                      progress=progress)


def make_features(recipe: Recipe, root: Path, progress: bool) -> FeatureSet:
    from .data import load_speech_commands
    from .features import FEATURE_SCALE, compute_features

    spec = recipe.dataset
    ds = load_speech_commands(root, silence_fraction=spec.silence_fraction,
                              unknown_fraction=spec.unknown_fraction, seed=spec.seed, progress=progress)
    feats = {name: compute_features(split.audio, progress=progress)
             for name, split in (("train", ds.train), ("val", ds.validation), ("test", ds.test))}
    return FeatureSet(classes=tuple(ds.classes), scale=float(FEATURE_SCALE),
                      x_train=feats["train"], y_train=ds.train.labels.astype(np.int64),
                      x_val=feats["val"], y_val=ds.validation.labels.astype(np.int64),
                      x_test=feats["test"], y_test=ds.test.labels.astype(np.int64))


def _keras_verbosity(progress: bool) -> int:
    """Keras's bar on a terminal, one line per epoch otherwise (logs), nothing when quiet."""
    if not progress:
        return 0
    return 1 if sys.stdout.isatty() else 2


def train(recipe: Recipe, run: RunDir, *, data_override: str | None = None,
          progress: bool = True) -> dict:
    tf = require_tensorflow()
    import keras

    from .arch import build_model

    t0 = time.monotonic()
    root = dataset_root(recipe, data_override, progress)
    features = make_features(recipe, root, progress)
    if len(features.y_train) == 0 or len(features.y_val) == 0 or len(features.y_test) == 0:
        raise DatasetError(f"{root}: a split is empty (train {len(features.y_train)}, validation "
                           f"{len(features.y_val)}, test {len(features.y_test)} clips)")
    t_data = time.monotonic() - t0

    run.root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(recipe.path, run.recipe)
    features.save(run.features)

    spec = recipe.training
    keras.utils.set_random_seed(spec.seed)
    tf.config.experimental.enable_op_determinism()
    x_train, x_val = features.as_float(features.x_train), features.as_float(features.x_val)
    model = build_model(recipe.model, x_train.shape[1:], len(features.classes),
                        batchnorm_momentum=spec.batchnorm_momentum)
    steps = spec.epochs * int(np.ceil(len(x_train) / spec.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(spec.learning_rate, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=spec.early_stopping_patience,
                                         restore_best_weights=True)
    t1 = time.monotonic()
    history = model.fit(x_train, features.y_train, validation_data=(x_val, features.y_val),
                        epochs=spec.epochs, batch_size=spec.batch_size, callbacks=[stop],
                        verbose=_keras_verbosity(progress))
    t_train = time.monotonic() - t1

    tmp = run.float_model.with_name(".model.tmp.keras")
    model.save(tmp)
    os.replace(tmp, run.float_model)
    _, test_acc = model.evaluate(features.as_float(features.x_test), features.y_test, verbose=0)
    metrics = {
        "dataset": str(root),
        "classes": list(features.classes),
        "clips": {"train": len(features.y_train), "validation": len(features.y_val),
                  "test": len(features.y_test)},
        "epochs_run": len(history.history["loss"]),
        "best_val_accuracy": float(max(history.history["val_accuracy"])),
        "float_test_accuracy": float(test_acc),
        "parameters": int(model.count_params()),
        "seconds": {"data_and_features": round(t_data, 1), "training": round(t_train, 1)},
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
    }
    write_text_atomic(run.train_metrics, json.dumps(metrics, indent=2) + "\n")
    return metrics

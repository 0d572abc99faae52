"""Training stage: dataset -> model inputs -> Keras float model, written into the run folder.

One mechanism serves both tasks: the data stage yields a ``FeatureSet``, the model inputs of every
split as integers and the scale that maps them to the float model's input (keyword spotting: int32
front-end features; images: uint8 pixels, scale 1/255). It is saved as features.npz, so quantize
and later reruns read exactly what training saw. Writes recipe.yaml (a copy), features.npz,
model.keras and train_metrics.json.

Images are augmented (flips, shifts, pad-and-crop; ``recipe.augmentation``) in the tf.data input
pipeline of the training split only; the model itself never contains preprocessing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DatasetError, MissingDependencyError
from .fsutil import open_atomic, write_text_atomic
from .recipe import Recipe
from .rundir import RunDir


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

    def save(self, path: Path) -> None:
        with open_atomic(path) as f:  # straight to the file: an image set can be gigabytes
            np.savez(f, classes=np.array(self.classes), scale=np.float64(self.scale),
                     x_train=self.x_train, y_train=self.y_train, x_val=self.x_val, y_val=self.y_val,
                     x_test=self.x_test, y_test=self.y_test)

    @classmethod
    def load(cls, path: Path) -> "FeatureSet":
        with np.load(path) as f:
            arrays = {k: f[k] for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")}
            for k in ("x_train", "x_val", "x_test"):  # run folders written before the channel axis
                if arrays[k].ndim == 3:
                    arrays[k] = arrays[k][..., None]
            return cls(classes=tuple(str(c) for c in f["classes"]), scale=float(f["scale"]), **arrays)


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


def prepare_inputs(recipe: Recipe, data_override: str | None, progress: bool) -> tuple[FeatureSet, str]:
    """The model inputs of every split for the recipe's task, and where the data came from."""
    if recipe.is_image:
        return make_image_inputs(recipe, data_override, progress)
    root = dataset_root(recipe, data_override, progress)
    return make_features(recipe, root, progress), str(root)


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
                      x_train=feats["train"][..., None], y_train=ds.train.labels.astype(np.int64),
                      x_val=feats["val"][..., None], y_val=ds.validation.labels.astype(np.int64),
                      x_test=feats["test"][..., None], y_test=ds.test.labels.astype(np.int64))


FOLDER_KINDS = ("image_folder", "cifar10")


def image_dataset_kind(recipe: Recipe, data_override: str | None) -> tuple[str, Path | None]:
    """The image dataset kind to read and its folder. ``--data`` replaces ``dataset.path``; with a
    generated kind (digits, synthetic_images) it switches to cifar10 when the folder holds
    ``batches.meta``, else to image_folder."""
    from .data.images.cifar10 import META

    kind, path = recipe.dataset.kind, recipe.dataset.path
    if data_override:
        path = data_override
        if kind not in FOLDER_KINDS:
            kind = "cifar10" if (Path(os.path.expanduser(path)) / META).is_file() else "image_folder"
    if kind in FOLDER_KINDS:
        if not path:
            raise DatasetError(f"{recipe.path}: dataset.kind is {kind} but no dataset.path is set "
                               "(or pass --data FOLDER)")
        root = Path(os.path.expanduser(path))
        if not root.exists():
            how = "given by --data" if data_override else \
                f"dataset.path of {recipe.path}; or pass --data FOLDER"
            raise DatasetError(f"{root}: dataset folder not found ({how})")
        return kind, root
    return kind, None


def make_image_inputs(recipe: Recipe, data_override: str | None, progress: bool) -> tuple[FeatureSet, str]:
    from .data import images

    spec, ft = recipe.dataset, recipe.features
    kind, root = image_dataset_kind(recipe, data_override)
    if kind == "image_folder":
        ds = images.load_image_folder(root, size=ft.size, channels=ft.channels, resize=ft.resize,
                                      validation_fraction=spec.validation_fraction,
                                      test_fraction=spec.test_fraction, seed=spec.seed, progress=progress)
    elif kind == "cifar10":
        ds = images.load_cifar10(root, size=ft.size, channels=ft.channels,
                                 validation_fraction=spec.validation_fraction, seed=spec.seed,
                                 progress=progress)
    elif kind == "digits":
        ds = images.load_digits(size=ft.size, channels=ft.channels,
                                validation_fraction=spec.validation_fraction,
                                test_fraction=spec.test_fraction, seed=spec.seed)
    else:
        ds = images.make_synthetic_images(size=ft.size, channels=ft.channels,
                                          images_per_class=spec.images_per_class,
                                          validation_fraction=spec.validation_fraction,
                                          test_fraction=spec.test_fraction, seed=spec.seed)
    return FeatureSet(classes=ds.classes, scale=images.PIXEL_SCALE,
                      x_train=ds.train.images, y_train=ds.train.labels,
                      x_val=ds.validation.images, y_val=ds.validation.labels,
                      x_test=ds.test.images, y_test=ds.test.labels), ds.source


def _image_batches(tf, features: FeatureSet, x: np.ndarray, y: np.ndarray, batch_size: int, *,
                   recipe: Recipe | None = None):
    """A tf.data pipeline of float images (``x * scale``) and labels. With ``recipe`` it is the
    training pipeline: shuffled (seeded) and augmented as ``recipe.augmentation`` says."""
    scale = np.float32(features.scale)
    if recipe is None:
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        ds = ds.map(lambda image, label: (tf.cast(image, tf.float32) * scale, label))
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    seed = recipe.training.seed
    aug = recipe.augmentation
    height, width, channels = x.shape[1:]
    shift_px = int(round(aug.shift * min(height, width)))
    # Shuffle row numbers, not images: the pixels stay in one uint8 tensor, never in a buffer.
    images, labels = tf.constant(x), tf.constant(y)
    rows = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def augment(row, seed_pair):
        image, label = tf.gather(images, row), tf.gather(labels, row)
        image = tf.cast(image, tf.float32) * scale
        s = tf.random.experimental.stateless_split(seed_pair, num=4)
        if aug.horizontal_flip:
            image = tf.image.stateless_random_flip_left_right(image, s[0])
        if aug.vertical_flip:
            image = tf.image.stateless_random_flip_up_down(image, s[1])
        for pad, mode, k in ((shift_px, "CONSTANT", 2), (aug.crop_padding, "REFLECT", 3)):
            if pad > 0:  # pad, then crop a random window of the original size
                padded = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]], mode=mode)
                image = tf.image.stateless_random_crop(padded, [height, width, channels], s[k])
        return image, label

    ds = tf.data.Dataset.zip((rows, seeds)).map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _keras_verbosity(progress: bool) -> int:
    """Keras's bar on a terminal, one line per epoch otherwise (logs), nothing when quiet."""
    if not progress:
        return 0
    return 1 if sys.stdout.isatty() else 2


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


def train(recipe: Recipe, run: RunDir, *, data_override: str | None = None,
          progress: bool = True) -> dict:
    tf = require_tensorflow()
    import keras

    from .arch import build_model

    t0 = time.monotonic()
    features, source = prepare_inputs(recipe, data_override, progress)
    what = "images" if recipe.is_image else "clips"
    if len(features.y_train) == 0 or len(features.y_val) == 0 or len(features.y_test) == 0:
        raise DatasetError(f"{source}: a split is empty (train {len(features.y_train)}, validation "
                           f"{len(features.y_val)}, test {len(features.y_test)} {what})")
    t_data = time.monotonic() - t0

    run.root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(recipe.path, run.recipe)
    features.save(run.features)

    spec = recipe.training
    keras.utils.set_random_seed(spec.seed)
    tf.config.experimental.enable_op_determinism()
    model = build_model(recipe.model, features.x_train.shape[1:], len(features.classes),
                        batchnorm_momentum=spec.batchnorm_momentum)
    steps = spec.epochs * int(np.ceil(len(features.y_train) / spec.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(spec.learning_rate, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=spec.early_stopping_patience,
                                         restore_best_weights=True)
    t1 = time.monotonic()
    if recipe.is_image:  # uint8 pixels stay uint8 until a batch is made; augmentation in tf.data
        train_data = _image_batches(tf, features, features.x_train, features.y_train,
                                    spec.batch_size, recipe=recipe)
        val_data = _image_batches(tf, features, features.x_val, features.y_val, spec.batch_size)
        history = model.fit(train_data, validation_data=val_data, epochs=spec.epochs,
                            shuffle=False,  # the tf.data pipeline shuffles (seeded)
                            callbacks=[stop], verbose=_keras_verbosity(progress))
        test_data = _image_batches(tf, features, features.x_test, features.y_test, 256)
        _, test_acc = model.evaluate(test_data, verbose=0)
    else:
        x_train, x_val = features.as_float(features.x_train), features.as_float(features.x_val)
        history = model.fit(x_train, features.y_train, validation_data=(x_val, features.y_val),
                            epochs=spec.epochs, batch_size=spec.batch_size, callbacks=[stop],
                            verbose=_keras_verbosity(progress))
        _, test_acc = model.evaluate(features.as_float(features.x_test), features.y_test, verbose=0)
    t_train = time.monotonic() - t1

    tmp = run.float_model.with_name(".model.tmp.keras")  # Keras saves only to a name ending in .keras
    try:
        model.save(tmp)
        os.replace(tmp, run.float_model)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    counts = {"train": len(features.y_train), "validation": len(features.y_val),
              "test": len(features.y_test)}
    metrics = TrainMetrics(
        task=recipe.task, dataset=source, classes=list(features.classes),
        input_shape=list(features.x_train.shape[1:]), examples=counts,
        epochs_run=len(history.history["loss"]),
        best_val_accuracy=float(max(history.history["val_accuracy"])),
        float_test_accuracy=float(test_acc), parameters=int(model.count_params()),
        seconds={"data_and_features": round(t_data, 1), "training": round(t_train, 1)},
        history={k: [float(v) for v in vals] for k, vals in history.history.items()},
    )
    write_text_atomic(run.train_metrics, json.dumps(dataclasses.asdict(metrics), indent=2) + "\n")
    return metrics

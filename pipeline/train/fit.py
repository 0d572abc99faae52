"""The training stage: features -> a Keras float model, fitted with a fixed seed, cosine
learning-rate decay and early stopping on validation accuracy."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DatasetError
from ..features.dataset import prepare_inputs
from ..fsutil import ensure_dir, mark_dir
from ..recipe import Recipe
from ..rundir import RunDir
from .backend import keras_verbosity, require_tensorflow
from .keras_data import image_batches, stream_batches
from .metrics import TrainMetrics


def train(recipe: Recipe, run: RunDir, *, data_override: str | None = None,
          progress: bool = True, callbacks: Sequence[Any] = ()) -> TrainMetrics:
    """``callbacks``: more Keras callbacks (they watch, e.g. report every epoch to a search;
    they must not change the training, so a recipe trains the same with or without them)."""
    tf = require_tensorflow()
    import keras

    from ..arch import build_model

    t0 = time.monotonic()
    features, source = prepare_inputs(recipe, data_override, progress)
    what = "images" if recipe.is_image else "clips"
    if len(features.y_train) == 0 or len(features.y_val) == 0 or len(features.y_test) == 0:
        raise DatasetError(f"{source}: a split is empty (train {len(features.y_train)}, validation "
                           f"{len(features.y_val)}, test {len(features.y_test)} {what})")
    t_data = time.monotonic() - t0

    mark_dir(ensure_dir(run.root))
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
        train_data = image_batches(tf, features, features.x_train, features.y_train,
                                   spec.batch_size, recipe=recipe)
        val_data = image_batches(tf, features, features.x_val, features.y_val, spec.batch_size)
        history = model.fit(train_data, validation_data=val_data, epochs=spec.epochs,
                            shuffle=False,  # the tf.data pipeline shuffles (seeded)
                            callbacks=[stop, *callbacks], verbose=keras_verbosity(progress))
        test_data = image_batches(tf, features, features.x_test, features.y_test, 256)
        _, test_acc = model.evaluate(test_data, verbose=0)
    else:
        x_val = features.as_float(features.x_val)
        if recipe.augmentation.stream_windows > 0:  # a new epoch of windows each epoch, seeded
            train_args: tuple = (stream_batches(keras, features, recipe.augmentation.stream_windows,
                                                spec.batch_size, spec.seed),)
            fit_args: dict = {"shuffle": False}     # the epochs come shuffled
        else:
            train_args = (features.as_float(features.x_train), features.y_train)
            fit_args = {"batch_size": spec.batch_size}
        history = model.fit(*train_args, validation_data=(x_val, features.y_val),
                            epochs=spec.epochs, callbacks=[stop, *callbacks],
                            verbose=keras_verbosity(progress), **fit_args)
        _, test_acc = model.evaluate(features.as_float(features.x_test), features.y_test, verbose=0)
    t_train = time.monotonic() - t1

    tmp = run.float_model.with_name(".model.tmp.keras")  # Keras saves only to a name ending in .keras
    try:
        model.save(tmp)
        os.replace(tmp, run.float_model)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    metrics = TrainMetrics(
        task=recipe.task, dataset=source, classes=list(features.classes),
        input_shape=list(features.x_train.shape[1:]), examples=features.counts,
        epochs_run=len(history.history["loss"]),
        best_val_accuracy=float(max(history.history["val_accuracy"])),
        float_test_accuracy=float(test_acc), parameters=int(model.count_params()),
        seconds={"data_and_features": round(t_data, 1), "training": round(t_train, 1)},
        history={k: [float(v) for v in vals] for k, vals in history.history.items()},
    )
    metrics.write(run.train_metrics)
    return metrics

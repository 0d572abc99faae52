"""The quantization stage: run folder (features.npz, model.keras) -> model.tflite (int8),
test_vectors.npz (the int8 test-split inputs and labels, for emulation) and quantize_metrics.json
(float and int8 accuracy on the test split; int8 with LiteRT's default kernels)."""

from __future__ import annotations

import io

import numpy as np

from ..features.featureset import FeatureSet
from ..fsutil import write_bytes_atomic
from ..recipe import Recipe
from ..reference import litert_input_quantization, litert_outputs
from ..rundir import RunDir
from ..train.backend import require_tensorflow
from ..ui import progress_bar
from .convert import convert_int8, export_model, quantize_input
from .metrics import QuantizeMetrics, confusion_matrix


def representative_inputs(recipe: Recipe, features: FeatureSet) -> np.ndarray:
    """The calibration set: ``quantization.representative_samples`` float inputs of the training
    split, drawn with the training seed."""
    rng = np.random.default_rng(recipe.training.seed)
    count = min(recipe.quantization.representative_samples, len(features.y_train))
    pick = rng.choice(len(features.y_train), size=count, replace=False)
    return features.as_float(features.x_train[pick])


def quantize(recipe: Recipe, run: RunDir, *, progress: bool = True) -> QuantizeMetrics:
    tf = require_tensorflow()
    import keras

    features = FeatureSet.load(run.require(run.features, "train"))
    model = keras.models.load_model(run.require(run.float_model, "train"))
    representative = representative_inputs(recipe, features)
    count = len(representative)

    export = export_model(recipe, model, representative.shape[1:], len(features.classes))
    tflite = convert_int8(tf, export, representative)

    scale, zero_point = litert_input_quantization(tflite)
    x_int8 = np.concatenate([quantize_input(chunk, scale, zero_point)
                             for chunk in features.float_chunks(features.x_test)])
    # Prediction only: the batch size sets speed and memory, not the result; 256 keeps Keras's
    # per-batch overhead small while a batch of the largest inputs (96x96x3 float) stays ~28 MB.
    float_pred = np.concatenate([np.argmax(model.predict(chunk, batch_size=256, verbose=0), axis=1)
                                 for chunk in features.float_chunks(features.x_test)])
    with progress_bar(len(x_int8), "int8 accuracy (LiteRT)", progress) as bar:
        scores = litert_outputs(tflite, x_int8, bar.update, reference_kernels=False)
    int8_pred = np.argmax(scores.reshape(len(x_int8), -1), axis=1)
    y = features.y_test
    n = len(features.classes)

    write_bytes_atomic(run.tflite, tflite)
    buf = io.BytesIO()
    np.savez(buf, inputs=x_int8, labels=y, classes=np.array(features.classes))
    write_bytes_atomic(run.test_vectors, buf.getvalue())
    metrics = QuantizeMetrics(
        classes=list(features.classes), test_examples=int(len(y)),
        float_accuracy=float(np.mean(float_pred == y)), int8_accuracy=float(np.mean(int8_pred == y)),
        float_int8_agreement=float(np.mean(float_pred == int8_pred)),
        confusion_int8=confusion_matrix(y, int8_pred, n).tolist(), tflite_bytes=len(tflite),
        confusion_float=confusion_matrix(y, float_pred, n).tolist(),
        representative_samples=int(count), input_scale=scale, input_zero_point=zero_point,
    )
    metrics.write(run.quant_metrics)
    return metrics

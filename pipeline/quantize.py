"""Quantization stage: float Keras model -> full-integer int8 .tflite, float vs int8 accuracy.

int8 input and output, per-channel conv weights (the converter's default), calibrated on a
representative set drawn from the training split. The .tflite is evaluated with LiteRT on the
test split; the int8 test inputs are written as test_vectors.npz for the emulation stage.

The int8 input quantization follows from the representative set. For images (float input =
pixel / 255) a set that holds black and white pixels gives scale 1/255 and zero point -128, so the
int8 input is exactly ``pixel - 128``; ``quantize_metrics.json`` records the scale and zero point.
"""

from __future__ import annotations

import dataclasses
import io
import json
from dataclasses import dataclass
from contextlib import redirect_stderr, redirect_stdout

import numpy as np

from .capture import captured_fd
from .emulate.reference import litert_outputs
from .fsutil import write_bytes_atomic, write_text_atomic
from .recipe import Recipe
from .report import progress_bar
from .rundir import RunDir
from .train import FeatureSet, require_tensorflow


def quantize_input(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """float -> int8 as TFLite rounds (half away from zero), then clamps to [-128, 127]."""
    v = x / np.float32(scale)
    q = np.trunc(v + np.copysign(np.float32(0.5), v)) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def _export_model(recipe: Recipe, model, input_shape: tuple[int, ...], num_classes: int):
    """A batch-1 copy of the trained model (same weights), so the converter emits a static graph."""
    from .arch import build_model

    export = build_model(recipe.model, input_shape, num_classes,
                         batchnorm_momentum=recipe.training.batchnorm_momentum, batch_size=1)
    export.set_weights(model.get_weights())
    return export


def convert_int8(tf, model, representative: np.ndarray) -> bytes:
    def dataset():
        for row in representative:
            yield [row[None, ...]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    # The converter prints its saved-model signature and native log lines; keep the terminal clean.
    with captured_fd(1), captured_fd(2), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return converter.convert()


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


def quantize(recipe: Recipe, run: RunDir, *, progress: bool = True) -> dict:
    tf = require_tensorflow()
    import keras

    features = FeatureSet.load(run.require(run.features, "train"))
    model = keras.models.load_model(run.require(run.float_model, "train"))
    rng = np.random.default_rng(recipe.training.seed)
    count = min(recipe.quantization.representative_samples, len(features.y_train))
    pick = rng.choice(len(features.y_train), size=count, replace=False)
    representative = features.as_float(features.x_train[pick])

    export = _export_model(recipe, model, representative.shape[1:], len(features.classes))
    tflite = convert_int8(tf, export, representative)

    from .tflite.reader import read_model_bytes

    graph = read_model_bytes(tflite, run.tflite.name)
    inp = graph.tensor(graph.inputs[0])
    x_int8 = np.concatenate([quantize_input(chunk, inp.quant.scale[0], inp.quant.zero_point[0])
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
        representative_samples=int(count), input_scale=inp.quant.scale[0],
        input_zero_point=inp.quant.zero_point[0],
    )
    write_text_atomic(run.quant_metrics, json.dumps(dataclasses.asdict(metrics), indent=2) + "\n")
    return metrics

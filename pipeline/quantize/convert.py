"""Float Keras model -> full-integer int8 (or 16x8) .tflite, and float inputs -> int8 as TFLite rounds them.

The int8 input quantization follows from the representative set. For images (float input =
pixel / 255) a set that holds black and white pixels gives scale 1/255 and zero point -128, so the
int8 input is exactly ``pixel - 128``.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import numpy as np

from ..capture import captured_fd
from ..recipe import Recipe


def quantize_input(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """float -> int8 as TFLite rounds (half away from zero), then clamps to [-128, 127]."""
    v = x / np.float32(scale)
    q = np.trunc(v + np.copysign(np.float32(0.5), v)) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def export_model(recipe: Recipe, model, input_shape: tuple[int, ...], num_classes: int):
    """A batch-1 copy of the trained model (same weights), so the converter emits a static graph."""
    from ..arch import build_model

    export = build_model(recipe.model, input_shape, num_classes,
                         batchnorm_momentum=recipe.training.batchnorm_momentum, batch_size=1)
    export.set_weights(model.get_weights())
    return export


def convert_int8(tf, model, representative: np.ndarray | dict[str, np.ndarray]) -> bytes:
    """``representative``: samples [N, ...] of the one input, or of each input by its name (the
    converter orders a model's inputs its own way, not as the list the model was built with)."""
    return _convert(tf, model, representative, tf.lite.OpsSet.TFLITE_BUILTINS_INT8, tf.int8)


def convert_16x8(tf, model, representative: np.ndarray | dict[str, np.ndarray]) -> bytes:
    """The "16x8" full-integer model: int16 activations (input and output included), int8
    weights, int64 biases (TFLite's EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8)."""
    return _convert(tf, model, representative,
                    tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8,
                    tf.int16)


def _convert(tf, model, representative: np.ndarray | dict[str, np.ndarray], ops, io_type) -> bytes:
    def dataset():
        if isinstance(representative, dict):
            for k in range(len(next(iter(representative.values())))):
                yield {name: rows[k][None, ...] for name, rows in representative.items()}
        else:
            for row in representative:
                yield [row[None, ...]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = dataset
    converter.target_spec.supported_ops = [ops]
    converter.inference_input_type = io_type
    converter.inference_output_type = io_type
    # The converter prints its saved-model signature and native log lines; keep the terminal clean.
    with captured_fd(1), captured_fd(2), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return converter.convert()

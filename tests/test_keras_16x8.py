"""End to end: a small Keras conv + dense classifier (convolutions, both poolings, a residual
ADD, dense, softmax) converted by TensorFlow to a "16x8" model
(int16 activations, int8 weights, int64 biases; int16 input and output), compiled by mcuforge and
run on the host, bit-exact against TFLite-Micro on random int16 inputs.

The conversion (seconds of TensorFlow) is cached under mcuforge's cache folder, keyed by the
TensorFlow version and this file's model description, so a second run only compiles and runs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import require_module
from mcuforge.codegen import render_program
from mcuforge.compile import compile_model
from mcuforge.emulate import check_on_host
from mcuforge.quantize.convert import convert_16x8
from mcuforge.resources import cache_dir
from mcuforge.tflite.reader import read_model

SEED = 3
INPUT_SHAPE = (12, 10, 1)
DESCRIPTION = (f"conv3x3x8-relu/maxpool2/dwconv3x3-relu6/add/avgpool2/conv1x1x6/flatten/dense5/"
               f"softmax seed{SEED} {INPUT_SHAPE}")


def _convert_16x8(tf) -> bytes:
    import keras
    from keras import layers

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(shape=INPUT_SHAPE, batch_size=1)
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    y = layers.DepthwiseConv2D(3, padding="same")(x)
    y = layers.ReLU(6.0)(y)
    x = layers.Add()([x, y])
    x = layers.AveragePooling2D(2)(x)
    x = layers.Conv2D(6, 1)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(5, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(SEED)
    representative = rng.uniform(-1.0, 1.0, size=(24, *INPUT_SHAPE)).astype(np.float32)
    return convert_16x8(tf, model, representative)


def _tensorflow_version() -> str:
    """The installed TensorFlow's version, without importing it (that alone takes seconds)."""
    for dist in ("tensorflow", "tensorflow-cpu"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    require_module("tensorflow")   # skips (or, under CI, fails) the test
    raise AssertionError("unreachable")


def keras_16x8_model() -> bytes:
    key = hashlib.sha256(f"{_tensorflow_version()} {DESCRIPTION}".encode()).hexdigest()[:16]
    path = cache_dir() / "test-models" / f"keras_16x8_{key}.tflite"
    if not path.is_file():
        import tensorflow as tf

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(_convert_16x8(tf))
        tmp.replace(path)
    return path.read_bytes()


@pytest.mark.host
@pytest.mark.train
@pytest.mark.filterwarnings("ignore:Statistics for quantized inputs:UserWarning")
def test_keras_16x8_classifier_bit_exact(tmp_path: Path, host_cc: str):
    model = tmp_path / "keras_16x8.tflite"
    model.write_bytes(keras_16x8_model())
    graph = read_model(model)
    ops = Counter(op.opcode for op in graph.operators)
    assert {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "MAX_POOL_2D",
            "AVERAGE_POOL_2D", "SOFTMAX"} <= set(ops), dict(ops)
    assert graph.tensor(graph.inputs[0]).dtype.name == "INT16"

    program = compile_model(model)
    assert {c.function for c in program.calls} >= {
        "mf_conv2d_s16", "mf_depthwise_conv2d_s16", "mf_fully_connected_s16", "mf_add_s16",
        "mf_max_pool2d_s16", "mf_avg_pool2d_s16", "mf_softmax_s16"}
    c_dir = render_program(program, tmp_path / "c", model.read_bytes())
    rng = np.random.default_rng(SEED)
    inputs = rng.integers(-32768, 32768, size=(40, *INPUT_SHAPE), dtype=np.int16)
    result = check_on_host(c_dir, inputs, tmp_path / "build")
    assert result.generated.dtype == np.int16
    assert result.vs_tflm.ok, result.vs_tflm
    assert np.array_equal(result.generated, result.tflm)
    # the outputs vary: a constant output would pass trivially
    assert len(np.unique(result.generated)) > 20, np.unique(result.generated)

"""A broad acceptance set of int8 models (issue 10): ordinary Keras code as users write it, with
random (seeded) weights, converted by the TFLite converter to full int8 (int8 input and output,
per-channel weights, a representative set of random data) with mcuforge's own converter settings
(mcuforge.quantize.convert.convert_int8). tests/test_model_zoo.py and tests/zoo_report.py run it.

Families: CNNs with Flatten + Dense (dynamic and fixed batch), BatchNorm, each common activation
(as a layer after a convolution), squeeze-excite blocks, residual adds, 1-D convolutions,
upsampling, Conv2DTranspose, depthwise/separable convolutions, Concatenate, Reshape/Permute,
Dropout, ZeroPadding/Cropping, global pooling, elementwise merges, small MobileNet-, ResNet- and
DS-CNN-like nets (the builders of tests/keras_vision_models.py and pipeline/arch at small sizes),
the random CNNs of tests/test_fold.py (``random_cnn``, shared with it), GRU/LSTM classifiers and
multi-input/multi-output functional models. Every model converts in well under 2 s.

Converted flatbuffers are cached under ``$MCUFORGE_ZOO_CACHE`` (default ~/.cache/mcuforge-zoo/),
in a folder named after the TensorFlow and Keras versions, one file per model named after the
model and a hash of its spec (the builder's source, its options, the seed, ZOO_FORMAT), so a rerun
converts nothing and an edited builder converts again. ``public_models()`` lists the int8 models at
hand that no one here wrote (../shared/models, *.tflite under tests/ and models/).
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"
ZOO_FORMAT = 2          # bump to invalidate every cached conversion
REPRESENTATIVE = 16     # random samples in the representative set


@dataclass(frozen=True)
class ZooModel:
    """One Keras model of the zoo: ``build(**options)`` returns an uncompiled keras.Model."""

    name: str
    family: str
    build: Callable[..., Any]
    options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0

    def spec_hash(self) -> str:
        text = "\n".join([str(ZOO_FORMAT), self.name, inspect.getsource(self.build),
                          repr(sorted(self.options.items())), str(self.seed)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# builders: plain Keras, as in a user's notebook (most with a dynamic batch, as users write them)

def _input(shape, batch=None, name=None):
    import keras

    return keras.Input(shape, batch_size=batch, name=name)


def flatten_dense(batch=None):
    from keras import Model, layers

    i = _input((12, 12, 1), batch)
    x = layers.Conv2D(4, 3, activation="relu")(i)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    return Model(i, layers.Dense(5, activation="softmax")(x))


def mlp():
    from keras import Model, layers

    i = _input((20,))
    x = layers.Dense(32, activation="relu")(i)
    x = layers.Dense(16, activation="tanh")(x)
    return Model(i, layers.Dense(4)(x))


def batchnorm_cnn(bias=True):
    from keras import Model, layers

    i = _input((10, 10, 3))
    x = layers.Conv2D(8, 3, padding="same", use_bias=bias)(i)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=bias)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    return Model(i, layers.Dense(3)(x))


def batchnorm_input():
    """BatchNormalization on the input itself: nothing to fold it into (a MUL and an ADD)."""
    from keras import Model, layers

    i = _input((8, 8, 2))
    x = layers.BatchNormalization()(i)
    x = layers.Conv2D(4, 3)(x)
    return Model(i, layers.Dense(3)(layers.Flatten()(x)))


def activation(kind):
    """Conv2D -> the activation as its own layer -> Flatten -> Dense."""
    from keras import Model, layers

    i = _input((8, 8, 2))
    x = layers.Conv2D(6, 3, padding="same")(i)
    if kind == "prelu":
        x = layers.PReLU(shared_axes=[1, 2])(x)
    elif kind == "prelu_full":
        x = layers.PReLU()(x)
    elif kind == "leaky_relu":
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    elif kind == "relu6":
        x = layers.ReLU(6.0)(x)
    elif kind == "softmax":
        x = layers.Softmax()(x)
    else:
        x = layers.Activation(kind)(x)
    return Model(i, layers.Dense(4)(layers.Flatten()(x)))


def dense_activation(kind):
    """The activation fused into Dense (activation=...), at the head."""
    from keras import Model, layers

    i = _input((16,))
    x = layers.Dense(12, activation=kind)(i)
    return Model(i, layers.Dense(3, activation="sigmoid" if kind != "sigmoid" else "tanh")(x))


def squeeze_excite():
    from keras import Model, layers

    i = _input((8, 8, 8))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(i)
    s = layers.GlobalAveragePooling2D()(x)
    s = layers.Dense(2, activation="relu")(s)
    s = layers.Dense(8, activation="sigmoid")(s)
    s = layers.Reshape((1, 1, 8))(s)
    x = layers.Multiply()([x, s])
    x = layers.GlobalAveragePooling2D()(x)
    return Model(i, layers.Dense(3, activation="softmax")(x))


def squeeze_excite_hard():
    """MobileNetV3-style: hard_sigmoid gate, keepdims pooling, hard_swish body."""
    from keras import Model, layers

    i = _input((8, 8, 4))
    x = layers.Conv2D(8, 1, activation="hard_swish")(i)
    s = layers.GlobalAveragePooling2D(keepdims=True)(x)
    s = layers.Conv2D(4, 1, activation="relu")(s)
    s = layers.Conv2D(8, 1, activation="hard_sigmoid")(s)
    x = layers.Multiply()([x, s])
    return Model(i, layers.Dense(3)(layers.Flatten()(x)))


def residual(projection=False):
    from keras import Model, layers

    i = _input((8, 8, 4))
    y = layers.Conv2D(8 if projection else 4, 3, padding="same", activation="relu")(i)
    y = layers.Conv2D(8 if projection else 4, 3, padding="same")(y)
    s = layers.Conv2D(8, 1)(i) if projection else i
    x = layers.ReLU()(layers.Add()([s, y]))
    x = layers.GlobalAveragePooling2D()(x)
    return Model(i, layers.Dense(3)(x))


def merges():
    """Subtract, Multiply, Maximum, Minimum and Average of two branches."""
    from keras import Model, layers

    i = _input((6, 6, 4))
    a = layers.Conv2D(4, 3, padding="same")(i)
    b = layers.Conv2D(4, 1)(i)
    x = layers.Concatenate()([layers.Subtract()([a, b]), layers.Multiply()([a, b]),
                              layers.Maximum()([a, b]), layers.Minimum()([a, b]),
                              layers.Average()([a, b])])
    return Model(i, layers.Dense(3)(layers.Flatten()(x)))


def conv1d(kind, batch=None):
    from keras import Model, layers

    i = _input((32, 4), batch)
    if kind == "conv":
        x = layers.Conv1D(8, 3, activation="relu")(i)
        x = layers.MaxPooling1D(2)(x)
        x = layers.Conv1D(8, 3, strides=2, padding="same")(x)
        x = layers.Flatten()(x)
    elif kind == "separable":
        x = layers.SeparableConv1D(8, 5, padding="same", activation="relu")(i)
        x = layers.MaxPooling1D(2)(x)
        x = layers.GlobalAveragePooling1D()(x)
    elif kind == "dilated":
        x = layers.Conv1D(6, 3, dilation_rate=2, padding="causal", activation="relu")(i)
        x = layers.AveragePooling1D(2)(x)
        x = layers.GlobalMaxPooling1D()(x)
    else:
        raise ValueError(kind)
    return Model(i, layers.Dense(3, activation="softmax")(x))


def upsampling(interpolation):
    from keras import Model, layers

    i = _input((6, 6, 3))
    x = layers.Conv2D(4, 3, padding="same")(i)
    x = layers.UpSampling2D(2, interpolation=interpolation)(x)
    x = layers.Conv2D(2, 3, padding="same")(x)
    return Model(i, x)


def conv_transpose(padding, stride=2):
    from keras import Model, layers

    i = _input((5, 5, 4))
    x = layers.Conv2DTranspose(6, 3, strides=stride, padding=padding, activation="relu")(i)
    x = layers.Conv2D(2, 1)(x)
    return Model(i, x)


def autoencoder():
    """A small convolutional autoencoder: strided convolutions down, transposed ones up."""
    from keras import Model, layers

    i = _input((16, 16, 1))
    x = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(i)
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(x)
    return Model(i, x)


def depthwise(kind, batch=None):
    from keras import Model, layers

    i = _input((10, 10, 4), batch)
    if kind == "depthwise":
        x = layers.DepthwiseConv2D(3, padding="same", activation="relu")(i)
        x = layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2)(x)
    elif kind == "separable":
        x = layers.SeparableConv2D(8, 3, padding="same", activation="relu")(i)
        x = layers.SeparableConv2D(8, 3, strides=2)(x)
    elif kind == "dilated":
        x = layers.Conv2D(4, 3, dilation_rate=2, padding="same")(i)
        x = layers.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x)
    else:
        raise ValueError(kind)
    return Model(i, layers.Dense(3)(layers.GlobalMaxPooling2D()(x)))


def concatenate():
    """Inception-like branches joined on channels."""
    from keras import Model, layers

    i = _input((8, 8, 3))
    a = layers.Conv2D(4, 1, activation="relu")(i)
    b = layers.Conv2D(4, 3, padding="same", activation="relu")(i)
    c = layers.MaxPooling2D(3, strides=1, padding="same")(i)
    x = layers.Concatenate()([a, b, c])
    x = layers.AveragePooling2D(2)(x)
    return Model(i, layers.Dense(3)(layers.Flatten()(x)))


def reshape_permute(batch=None):
    from keras import Model, layers

    i = _input((6, 8, 2), batch)
    x = layers.Conv2D(4, 3, padding="same")(i)
    x = layers.Permute((2, 1, 3))(x)
    x = layers.Reshape((8, 24))(x)
    x = layers.Dense(5)(x)            # a Dense over the last axis of a 3-D tensor
    x = layers.Flatten()(x)
    return Model(i, layers.Dense(3)(x))


def dropout_head():
    from keras import Model, layers

    i = _input((8, 8, 2))
    x = layers.Conv2D(4, 3, activation="relu")(i)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(layers.Dense(8, activation="relu")(x))
    return Model(i, layers.Dense(3)(x))


def pad_crop():
    from keras import Model, layers

    i = _input((8, 8, 2))
    x = layers.ZeroPadding2D(((1, 2), (0, 1)))(i)
    x = layers.Conv2D(4, 3)(x)
    x = layers.Cropping2D(((1, 0), (0, 1)))(x)
    x = layers.ZeroPadding2D(1)(x)
    x = layers.MaxPooling2D(2)(x)
    return Model(i, layers.Dense(3)(layers.Flatten()(x)))


def global_max_pool():
    from keras import Model, layers

    i = _input((8, 8, 3))
    x = layers.Conv2D(6, 3, activation="relu")(i)
    x = layers.GlobalMaxPooling2D()(x)
    return Model(i, layers.Dense(3, activation="softmax")(x))


def layer_norm():
    from keras import Model, layers

    i = _input((8, 16))
    x = layers.Dense(16)(i)
    x = layers.LayerNormalization()(x)
    return Model(i, layers.Dense(3)(layers.Flatten()(x)))


def recurrent(kind, batch=None, unroll=False):
    from keras import Model, layers

    i = _input((10, 6), batch)
    layer = {"lstm": layers.LSTM, "gru": layers.GRU}[kind]
    x = layer(8, unroll=unroll)(i)
    return Model(i, layers.Dense(3, activation="softmax")(x))


def two_in_two_out():
    from keras import Model, layers

    a = _input((8, 8, 1), name="image")
    b = _input((6,), name="meta")
    x = layers.Conv2D(4, 3, activation="relu")(a)
    x = layers.Flatten()(x)
    y = layers.Dense(8, activation="relu")(b)
    z = layers.Concatenate()([x, y])
    return Model([a, b], [layers.Dense(3, activation="softmax", name="cls")(z),
                          layers.Dense(1, name="score")(z)])


def one_in_two_out():
    from keras import Model, layers

    i = _input((8, 8, 2))
    x = layers.Conv2D(4, 3, activation="relu")(i)
    return Model(i, [layers.Dense(3)(layers.Flatten()(x)),
                     layers.Conv2D(1, 1, activation="sigmoid")(x)])


def mobilenet_like(alpha=0.25):
    """A MobileNetV1 cut short (keras_vision_models.mobilenet_v1 has 13 blocks, too slow to
    convert here): a stride-2 convolution, four depthwise-separable blocks, pooling, softmax."""
    from keras import Model, layers

    def block(x, filters, stride):
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
        x = layers.ReLU(6.0)(layers.BatchNormalization()(x))
        x = layers.Conv2D(int(filters * alpha), 1, use_bias=False)(x)
        return layers.ReLU(6.0)(layers.BatchNormalization()(x))

    i = _input((32, 32, 3))
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False)(i)
    x = layers.ReLU(6.0)(layers.BatchNormalization()(x))
    for filters, stride in ((64, 1), (128, 2), (128, 1), (256, 2)):
        x = block(x, filters, stride)
    x = layers.GlobalAveragePooling2D()(x)
    return Model(i, layers.Dense(3, activation="softmax")(x))


def small_resnet8():
    import keras_vision_models

    return keras_vision_models.resnet8(size=16, classes=4)


def digits_cnn():
    import keras_vision_models

    return keras_vision_models.digits_cnn(size=16, classes=4)


def ds_cnn(batch=None):
    """The keyword spotter's DS-CNN (pipeline/arch) at width 16 on the 49x10 MFCC map."""
    from mcuforge.arch.dscnn import build_ds_cnn

    return build_ds_cnn((49, 10, 1), 12, width=16, blocks=2, batch_size=batch)


def arch_cnn():
    from mcuforge.arch.cnn import build_cnn

    return build_cnn((16, 16, 1), 4, width=8, blocks=2)


def mobilenet_v3_block():
    """An inverted residual with expansion, hard_swish, depthwise and a projection, then a head."""
    from keras import Model, layers

    i = _input((12, 12, 8))
    x = layers.Conv2D(24, 1, use_bias=False)(i)
    x = layers.Activation("hard_swish")(layers.BatchNormalization()(x))
    x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = layers.Activation("hard_swish")(layers.BatchNormalization()(x))
    x = layers.BatchNormalization()(layers.Conv2D(8, 1, use_bias=False)(x))
    x = layers.Add()([i, x])
    x = layers.GlobalAveragePooling2D()(x)
    return Model(i, layers.Dense(3)(x))


def random_cnn(seed: int):
    """A small random CNN, mostly with a dynamic batch: convolutions, depthwise, pooling,
    residual adds, padding, then a head that flattens one way or another, dense, softmax
    (tests/test_fold.py converts these too)."""
    import keras
    from keras import layers

    rng = np.random.default_rng(seed)
    size, channels = int(rng.choice([8, 10, 12])), int(rng.choice([1, 2, 3]))
    inp = keras.Input((size, size, channels), batch_size=None if rng.random() < 0.8 else 1)
    x = inp
    for _ in range(int(rng.integers(1, 4))):
        kind = rng.choice(["conv", "dw", "pool", "res", "pad"])
        if kind == "conv":
            x = layers.Conv2D(int(rng.choice([2, 4, 6])), int(rng.choice([1, 3])),
                              strides=int(rng.choice([1, 2])),
                              padding=str(rng.choice(["same", "valid"])),
                              activation=rng.choice([None, "relu", "relu6"]))(x)
        elif kind == "dw":
            x = layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
        elif kind == "pool" and x.shape[1] >= 2:
            x = (layers.MaxPooling2D if rng.random() < 0.5 else layers.AveragePooling2D)(2)(x)
        elif kind == "res":
            x = layers.Add()([x, layers.Conv2D(x.shape[-1], 3, padding="same")(x)])
        elif kind == "pad":
            x = layers.ZeroPadding2D(1)(x)
    head = rng.choice(["flatten", "gap", "gap_flatten", "reshape", "reshape_seq"])
    if head == "flatten":
        x = layers.Flatten()(x)
    elif head == "gap":
        x = layers.GlobalAveragePooling2D()(x)
    elif head == "gap_flatten":
        x = layers.Flatten()(layers.GlobalAveragePooling2D(keepdims=True)(x))
    elif head == "reshape":
        x = layers.Reshape((-1,))(x)
    else:
        x = layers.Flatten()(layers.Reshape((x.shape[1] * x.shape[2], x.shape[3]))(x))
    x = layers.Dense(int(rng.choice([3, 5])))(x)
    if rng.random() < 0.5:
        x = layers.Softmax()(x)
    return keras.Model(inp, x)


ACTIVATIONS = ("relu", "relu6", "sigmoid", "tanh", "hard_swish", "leaky_relu", "elu", "prelu",
               "prelu_full", "softmax", "silu", "gelu", "hard_sigmoid", "softplus", "selu")
DENSE_ACTIVATIONS = ("relu", "relu6", "sigmoid", "tanh", "softmax", "elu", "silu")
RANDOM_CNNS = 12


def _zoo() -> list[ZooModel]:
    m = ZooModel
    models = [
        m("flatten_dense", "flatten", flatten_dense),
        m("flatten_dense_batch1", "flatten", flatten_dense, {"batch": 1}),
        m("mlp", "dense", mlp),
        m("batchnorm_cnn", "batchnorm", batchnorm_cnn),
        m("batchnorm_cnn_nobias", "batchnorm", batchnorm_cnn, {"bias": False}),
        m("batchnorm_input", "batchnorm", batchnorm_input),
        *(m(f"act_{k}", "activation", activation, {"kind": k}) for k in ACTIVATIONS),
        *(m(f"dense_{k}", "activation", dense_activation, {"kind": k}) for k in DENSE_ACTIVATIONS),
        m("squeeze_excite", "squeeze-excite", squeeze_excite),
        m("squeeze_excite_hard", "squeeze-excite", squeeze_excite_hard),
        m("residual", "residual", residual),
        m("residual_projection", "residual", residual, {"projection": True}),
        m("merges", "merge", merges),
        m("conv1d", "conv1d", conv1d, {"kind": "conv"}),
        m("separable_conv1d", "conv1d", conv1d, {"kind": "separable"}),
        m("dilated_conv1d", "conv1d", conv1d, {"kind": "dilated"}),
        m("dilated_conv1d_batch1", "conv1d", conv1d, {"kind": "dilated", "batch": 1}),
        m("upsampling_nearest", "upsampling", upsampling, {"interpolation": "nearest"}),
        m("upsampling_bilinear", "upsampling", upsampling, {"interpolation": "bilinear"}),
        m("conv_transpose_same", "transpose-conv", conv_transpose, {"padding": "same"}),
        m("conv_transpose_valid", "transpose-conv", conv_transpose, {"padding": "valid"}),
        m("autoencoder", "transpose-conv", autoencoder),
        m("depthwise", "depthwise", depthwise, {"kind": "depthwise"}),
        m("separable_conv2d", "depthwise", depthwise, {"kind": "separable"}),
        m("dilated_conv2d", "depthwise", depthwise, {"kind": "dilated"}),
        m("dilated_conv2d_batch1", "depthwise", depthwise, {"kind": "dilated", "batch": 1}),
        m("concatenate", "concatenate", concatenate),
        m("reshape_permute", "reshape", reshape_permute),
        m("reshape_permute_batch1", "reshape", reshape_permute, {"batch": 1}),
        m("dropout", "dropout", dropout_head),
        m("pad_crop", "padding", pad_crop),
        m("global_max_pool", "pooling", global_max_pool),
        m("layer_norm", "normalization", layer_norm),
        m("mobilenet_like", "net", mobilenet_like),
        m("mobilenet_v3_block", "net", mobilenet_v3_block),
        m("small_resnet8", "net", small_resnet8),
        m("digits_cnn", "net", digits_cnn),
        m("ds_cnn", "net", ds_cnn),
        m("ds_cnn_batch1", "net", ds_cnn, {"batch": 1}),
        m("arch_cnn", "net", arch_cnn),
        *(m(f"random_cnn_{s:02d}", "random-cnn", random_cnn, {"seed": s}) for s in range(RANDOM_CNNS)),
        m("one_in_two_out", "multi-io", one_in_two_out),
        m("two_in_two_out", "multi-io", two_in_two_out),
        # recurrent last, the fixed-batch ones at the very end: the converter crashes on them, and
        # each crash costs a new conversion process (ensure_converted)
        m("lstm", "recurrent", recurrent, {"kind": "lstm"}),
        m("lstm_unrolled", "recurrent", recurrent, {"kind": "lstm", "unroll": True}),
        m("gru", "recurrent", recurrent, {"kind": "gru"}),
        m("lstm_batch1", "recurrent", recurrent, {"kind": "lstm", "batch": 1}),
        m("gru_batch1", "recurrent", recurrent, {"kind": "gru", "batch": 1}),
    ]
    assert len({z.name for z in models}) == len(models)
    return models


ZOO: dict[str, ZooModel] = {z.name: z for z in _zoo()}


# ---------------------------------------------------------------------------------------------
# conversion, cached

def cache_dir() -> Path:
    """Without importing TensorFlow (seconds): a run on a warm cache never loads it."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(*names: str) -> str:
        for name in names:
            try:
                return version(name)
            except PackageNotFoundError:
                pass
        return "none"

    root = Path(os.environ.get("MCUFORGE_ZOO_CACHE") or Path.home() / ".cache" / "mcuforge-zoo")
    return root / f"tf-{installed('tensorflow', 'tensorflow-cpu')}-keras-{installed('keras')}"


def convert(model: ZooModel) -> bytes:
    """``model`` built with seeded random weights (random BatchNorm statistics too), converted to
    full int8 on a random representative set (seeded)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    import keras_vision_models
    from mcuforge.quantize.convert import convert_int8

    keras.backend.clear_session()   # layer names numbered from 0: the same bytes in any process
    keras.utils.set_random_seed(model.seed)
    km = model.build(**model.options)
    keras_vision_models.randomize_batchnorm(km, model.seed)
    rng = np.random.default_rng(model.seed)
    shapes = [tuple(t.shape[1:]) for t in km.inputs]
    sets = [rng.uniform(-1.0, 1.0, size=(REPRESENTATIVE, *s)).astype(np.float32) for s in shapes]
    if len(sets) == 1:
        return convert_int8(tf, km, sets[0])
    return convert_int8(tf, km, {t.name: s for t, s in zip(km.inputs, sets)})


class ConversionError(Exception):
    """The TFLite converter refused a zoo model (not mcuforge's fault: reported apart)."""


def _paths(name: str) -> tuple[Path, Path]:
    """Where zoo model ``name``'s conversion is cached: the .tflite, or the converter's error."""
    path = cache_dir() / f"{name}-{ZOO[name].spec_hash()}.tflite"
    return path, path.with_suffix(".error")


def _convert_to_cache(name: str) -> None:
    path, failed = _paths(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            data = convert(ZOO[name])
        except Exception as exc:    # the converter's own errors are of many types
            lines = str(exc).strip().splitlines()
            # an MLIR error leads with the location (names numbered per process): drop it
            line = re.sub(r"^.*?error: loc\(.*\)\): ", "", lines[0]) if lines else ""
            failed.write_text(f"{type(exc).__name__}: {line}"[:2000])
            return
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(path)               # atomic: concurrent runs never read half a file


def unconverted(names: list[str] | None = None) -> list[str]:
    """The models of ``names`` (default: the whole zoo) not in the cache yet."""
    return [n for n in (names or list(ZOO)) if not any(p.is_file() for p in _paths(n))]


def ensure_converted(names: list[str] | None = None, timeout: float = 600.0) -> None:
    """Converts every model of ``names`` (default: the whole zoo) not in the cache yet, in a child
    process: the converter can crash (a segmentation fault on some recurrent models), and a crash
    is then recorded as that model's conversion error and the others go on."""
    todo = unconverted(names)
    while todo:
        proc = subprocess.run([sys.executable, str(Path(__file__)), *todo], capture_output=True,
                              text=True, timeout=timeout, cwd=REPO,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        started = [ln.split(" ", 1)[1] for ln in proc.stdout.splitlines() if ln.startswith("start ")]
        if proc.returncode != 0:
            if not started:
                raise RuntimeError(f"zoo conversion failed: {proc.stderr.strip()[-500:]}")
            path, failed = _paths(started[-1])
            if not path.is_file():
                failed.write_text(f"the TFLite converter crashed (exit code {proc.returncode})")
        todo = unconverted(todo)


def tflite_path(name: str) -> Path:
    """The cached full-int8 .tflite of zoo model ``name``, converted on first use. A model the
    converter refuses raises ConversionError with the converter's message."""
    path, failed = _paths(name)
    if not path.is_file() and not failed.is_file():
        ensure_converted([name])
    if failed.is_file():
        raise ConversionError(failed.read_text())
    return path


def public_models() -> dict[str, Path]:
    """int8 models no one here made: ../shared/models/*.tflite (MLPerf Tiny), and any *.tflite
    under the repository's tests/ and models/ folders."""
    found = sorted(SHARED_MODELS.glob("*.tflite")) if SHARED_MODELS.is_dir() else []
    for folder in ("tests", "models"):
        found += sorted((REPO / folder).rglob("*.tflite"))
    return {p.stem: p for p in found}


if __name__ == "__main__":     # the conversion child of ensure_converted: python model_zoo.py NAME...
    sys.path.insert(0, str(Path(__file__).parent))
    for _name in sys.argv[1:]:
        print(f"start {_name}", flush=True)
        _convert_to_cache(_name)

"""Keras vision models for the end-to-end op coverage tests (tests/test_vision_models.py), built
from plain Keras layers with random weights, and their full-int8 conversion.

- ``mobilenet_v1``: MobileNetV1 as in MLPerf Tiny visual wake words (width 0.25, 96x96x3): a
  3x3 stride-2 convolution, 13 depthwise-separable blocks (depthwise 3x3 -> BN -> ReLU6 ->
  pointwise 1x1 -> BN -> ReLU6), global average pooling, dense, softmax. ``stride2_padding``
  says how the stride-2 depthwise convolutions pad: "same" (padding="same", as MLPerf Tiny),
  "keras" (ZeroPadding2D(((0, 1), (0, 1))) then VALID, as keras.applications.MobileNet; the
  converter folds that back into a SAME convolution) or "symmetric" (ZeroPadding2D(1) then
  VALID, which no SAME convolution equals: the converter keeps a PAD op).
  ``keepdims`` is GlobalAveragePooling2D's (a MEAN with keep_dims, then a RESHAPE, or not).
- ``resnet8``: ResNet-8 as in MLPerf Tiny image classification (32x32x3, 16/32/64 filters, three
  residual stacks with adds, a 1x1 stride-2 projection on the shortcut of stacks 2 and 3,
  average pooling over the 8x8 map, flatten, dense, softmax).
- ``digits_cnn``: a small CNN for 28x28 grayscale digits (conv -> max pool -> conv -> max pool
  -> flatten -> dense -> softmax).

Every model has a fixed batch of 1 (keras.Input(batch_size=1)), which keeps the converter from
emitting SHAPE/STRIDED_SLICE/PACK around Flatten. The representative set is random.
"""

from __future__ import annotations

import numpy as np


def _bn_momentum() -> float:
    return 0.9


def mobilenet_v1(alpha: float = 0.25, size: int = 96, classes: int = 2,
                 stride2_padding: str = "symmetric", keepdims: bool = False):
    import keras
    from keras import layers

    def relu6(x):
        return layers.ReLU(6.0)(x)

    def bn(x):
        return layers.BatchNormalization(momentum=_bn_momentum())(x)

    inputs = keras.Input(shape=(size, size, 3), batch_size=1, name="image")
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False)(inputs)
    x = relu6(bn(x))
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
              (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    for filters, stride in blocks:
        if stride == 2 and stride2_padding != "same":
            pad = ((0, 1), (0, 1)) if stride2_padding == "keras" else ((1, 1), (1, 1))
            x = layers.ZeroPadding2D(pad)(x)
            x = layers.DepthwiseConv2D(3, strides=2, padding="valid", use_bias=False)(x)
        else:
            x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
        x = relu6(bn(x))
        x = layers.Conv2D(int(filters * alpha), 1, padding="same", use_bias=False)(x)
        x = relu6(bn(x))
    x = layers.GlobalAveragePooling2D(keepdims=keepdims)(x)
    if keepdims:
        x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v1")


def resnet8(size: int = 32, classes: int = 10):
    import keras
    from keras import layers

    def bn(x):
        return layers.BatchNormalization(momentum=_bn_momentum())(x)

    inputs = keras.Input(shape=(size, size, 3), batch_size=1, name="image")
    x = layers.Conv2D(16, 3, padding="same")(inputs)
    x = layers.Activation("relu")(bn(x))
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        y = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
        y = layers.Activation("relu")(bn(y))
        y = bn(layers.Conv2D(filters, 3, padding="same")(y))
        if stride != 1:
            x = layers.Conv2D(filters, 1, strides=stride, padding="same")(x)
        x = layers.Activation("relu")(layers.add([x, y]))
    x = layers.AveragePooling2D(pool_size=int(x.shape[1]))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet8")


def digits_cnn(size: int = 28, classes: int = 10):
    import keras
    from keras import layers

    inputs = keras.Input(shape=(size, size, 1), batch_size=1, name="image")
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="digits_cnn")


BUILDERS = {"mobilenet_v1": mobilenet_v1, "resnet8": resnet8, "digits_cnn": digits_cnn}


def randomize_batchnorm(model, seed: int) -> None:
    """Random BN statistics and affine parameters, so that folding them into the convolutions
    gives per-channel scales that differ (freshly built BN layers are the identity)."""
    from keras import layers

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            n = gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n).astype(np.float32),
                               rng.normal(0.0, 0.2, n).astype(np.float32),
                               rng.normal(0.0, 0.2, n).astype(np.float32),
                               rng.uniform(0.5, 2.0, n).astype(np.float32)])


def convert(name: str, seed: int = 0, samples: int = 16, **options) -> bytes:
    """Builds model ``name`` (``options`` go to its builder) with random weights (seeded), converts
    it to a full-int8 .tflite (int8 input and output) with a random representative set; returns the flatbuffer."""
    import keras

    from mcuforge.quantize import convert_int8

    keras.utils.set_random_seed(seed)
    model = BUILDERS[name](**options)
    randomize_batchnorm(model, seed)
    rng = np.random.default_rng(seed)
    shape = tuple(model.input_shape[1:])
    representative = rng.uniform(-1.0, 1.0, size=(samples, *shape)).astype(np.float32)
    import tensorflow as tf

    return convert_int8(tf, model, representative)

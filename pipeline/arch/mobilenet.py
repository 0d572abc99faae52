"""MobileNetV1 (Howard et al. 2017) with a width multiplier, as in MLPerf Tiny visual wake words
(width 0.25 at 96x96x3, 2 classes).

conv 3x3 stride 2 (32 alpha) -> BN -> ReLU6, then 13 depthwise-separable blocks (depthwise 3x3 ->
BN -> ReLU6 -> pointwise 1x1 -> BN -> ReLU6) with 64, 128, 128, 256, 256, 512 x 6, 1024, 1024
alpha pointwise channels and stride 2 at blocks 2, 4, 6 and 12; average pool over the whole map
-> flatten -> dropout -> dense -> softmax. The resolution is the input size: at 96 the last map is
3x3. Stride-2 layers use SAME padding, which TFLite applies itself, so the int8 graph has no PAD op:
CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, FULLY_CONNECTED, SOFTMAX (the converter drops the
flatten of the 1x1 map).
"""

from __future__ import annotations

BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
          (512, 1), (512, 1), (1024, 2), (1024, 1))


def channels(filters: int, width: float) -> int:
    return max(1, int(filters * width))


def build_mobilenet_v1(input_shape: tuple[int, ...], num_classes: int, *, width: float = 0.25,
                       dropout: float = 0.1, batchnorm_momentum: float = 0.9,
                       batch_size: int | None = None):
    import keras
    from keras import layers

    def bn_relu6(x):
        x = layers.BatchNormalization(momentum=batchnorm_momentum)(x)
        return layers.ReLU(6.0)(x)

    inputs = keras.Input(shape=input_shape, batch_size=batch_size, name="image")
    x = layers.Conv2D(channels(32, width), 3, strides=2, padding="same", use_bias=False)(inputs)
    x = bn_relu6(x)
    for filters, stride in BLOCKS:
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
        x = bn_relu6(x)
        x = layers.Conv2D(channels(filters, width), 1, use_bias=False)(x)
        x = bn_relu6(x)
    x = layers.AveragePooling2D(pool_size=(x.shape[1], x.shape[2]))(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v1")

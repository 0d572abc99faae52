"""DS-CNN for keyword spotting, as in MLPerf Tiny KWS, with a width parameter.

[49, 10, 1] features -> conv 10x4 stride 2 (width ch) -> BN -> ReLU -> dropout
-> blocks x (depthwise k x k (k = kernel_size, 3 in MLPerf Tiny) -> BN -> ReLU -> pointwise 1x1
(width ch) -> BN -> ReLU)
-> dropout -> average pool over the whole map -> flatten -> dense(num_classes) -> softmax.
The int8 converter folds every BN into the conv before it and fuses the ReLUs, so the deployed
graph is CONV_2D, (DEPTHWISE_CONV_2D, CONV_2D) x blocks, AVERAGE_POOL_2D, RESHAPE,
FULLY_CONNECTED, SOFTMAX.
"""

from __future__ import annotations


def build_ds_cnn(input_shape: tuple[int, ...], num_classes: int, *, width: int = 64, blocks: int = 4,
                 kernel_size: int = 3,
                 dropout: float = 0.2, batchnorm_momentum: float = 0.9,
                 batch_size: int | None = None):
    """``batch_size=1`` builds the export graph: a fixed batch keeps the converter from emitting
    SHAPE/STRIDED_SLICE/PACK around the flatten."""
    import keras
    from keras import layers

    def bn():
        return layers.BatchNormalization(momentum=batchnorm_momentum)

    inputs = keras.Input(shape=input_shape, batch_size=batch_size, name="features")
    x = layers.Conv2D(width, (10, 4), strides=(2, 2), padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(bn()(x))
    x = layers.Dropout(dropout)(x)
    for _ in range(blocks):
        x = layers.DepthwiseConv2D((kernel_size, kernel_size), padding="same", use_bias=False)(x)
        x = layers.ReLU()(bn()(x))
        x = layers.Conv2D(width, (1, 1), use_bias=False)(x)
        x = layers.ReLU()(bn()(x))
    x = layers.Dropout(2 * dropout)(x)
    x = layers.AveragePooling2D(pool_size=(x.shape[1], x.shape[2]))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="ds_cnn")

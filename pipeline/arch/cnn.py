"""A small CNN for small images (the digits default).

[H, W, C] image in [0, 1] -> blocks x (conv k x k (k = kernel_size; width * 2^b channels) -> BN
-> ReLU -> max pool 2x2) -> flatten -> dropout -> dense(num_classes) -> softmax. After int8 conversion (BN folded into
the conv, ReLU fused): CONV_2D, MAX_POOL_2D per block, RESHAPE, FULLY_CONNECTED, SOFTMAX.
"""

from __future__ import annotations


def build_cnn(input_shape: tuple[int, ...], num_classes: int, *, width: int = 16, blocks: int = 2,
              kernel_size: int = 3,
              dropout: float = 0.25, batchnorm_momentum: float = 0.9, batch_size: int | None = None):
    """``batch_size=1`` builds the export graph (a fixed batch keeps the flatten a plain RESHAPE)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, batch_size=batch_size, name="image")
    x = inputs
    for b in range(blocks):
        x = layers.Conv2D(width * 2 ** b, kernel_size, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=batchnorm_momentum)(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="cnn")

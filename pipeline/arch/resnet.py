"""ResNet-8 as in MLPerf Tiny image classification (CIFAR-10, 32x32x3), with width and
resolution parameters.

conv 3x3 (width) -> BN -> ReLU, then three residual stacks of width, 2 width and 4 width filters:
conv 3x3 (stride 1, 2, 2) -> BN -> ReLU -> conv 3x3 -> BN, added to the shortcut, -> ReLU. The
shortcut of stacks 2 and 3 is a 1x1 stride-2 convolution (the projection where the shape changes).
Then average pool over the whole map (8x8 at 32x32) -> flatten -> dropout (0 by default, as the
reference) -> dense -> softmax. int8 graph: CONV_2D, ADD (ReLU fused), AVERAGE_POOL_2D,
FULLY_CONNECTED, SOFTMAX (the converter drops the flatten of the 1x1 map).
"""

from __future__ import annotations


def build_resnet8(input_shape: tuple[int, ...], num_classes: int, *, width: int = 16,
                  dropout: float = 0.0, batchnorm_momentum: float = 0.9,
                  batch_size: int | None = None):
    import keras
    from keras import layers

    def conv_bn(x, filters, strides=1):
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
        return layers.BatchNormalization(momentum=batchnorm_momentum)(x)

    inputs = keras.Input(shape=input_shape, batch_size=batch_size, name="image")
    x = layers.ReLU()(conv_bn(inputs, width))
    for stack, filters in enumerate((width, 2 * width, 4 * width)):
        strides = 1 if stack == 0 else 2
        y = layers.ReLU()(conv_bn(x, filters, strides))
        y = conv_bn(y, filters)
        if stack > 0:
            x = layers.Conv2D(filters, 1, strides=strides, padding="same")(x)
        x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.AveragePooling2D(pool_size=(x.shape[1], x.shape[2]))(x)
    x = layers.Flatten()(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="resnet8")

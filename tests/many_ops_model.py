"""One small int8 model that uses every op the compiler lowers (PAD, CONV_2D, DEPTHWISE_CONV_2D,
ADD, MAX_POOL_2D, AVERAGE_POOL_2D, CONCATENATION, MEAN, RESHAPE, FULLY_CONNECTED, SOFTMAX), made
with tests/tflite_builder.py, so a test needs no external model file: tests/test_c_warnings.py
compiles its generated C with every compiler, tests/test_packaging.py compiles and emulates it
from an installed wheel. Bit-exact against TFLite-Micro (9,256 MACs, 308 B of weights).
"""

from __future__ import annotations

import numpy as np

from mcuforge.tflite.graph import (
    Activation,
    AddOptions,
    ConcatenationOptions,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    FullyConnectedOptions,
    Padding,
    Pool2DOptions,
    ReducerOptions,
    ReshapeOptions,
    SoftmaxOptions,
)
from tflite_builder import ModelBuilder

OPS = ("PAD", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MAX_POOL_2D", "AVERAGE_POOL_2D",
       "CONCATENATION", "MEAN", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX")


def many_ops_model(seed: int = 0) -> bytes:
    """(1, 8, 8, 3) int8 -> ... -> (1, 5) int8 softmax; weights from ``seed``."""
    rng = np.random.default_rng(seed)

    def weights(shape) -> np.ndarray:
        return rng.integers(-127, 128, shape).astype(np.int8)

    def bias(n: int, limit: int = 500) -> np.ndarray:
        return rng.integers(-limit, limit, n).astype(np.int32)

    b = ModelBuilder("mcuforge test model: every lowered op")
    x = b.add_input((1, 8, 8, 3), 0.05, -3)

    pads = b.add_const(np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32), name="paddings")
    padded = b.add_tensor((1, 10, 10, 3), scale=0.05, zero_point=-3, name="padded")
    b.add_operator("PAD", (x, pads), (padded,))

    conv_scales = (0.01, 0.02, 0.015, 0.01)
    f = b.add_const(weights((4, 3, 3, 3)), scale=conv_scales, zero_point=0, axis=0, name="conv_w")
    cb = b.add_const(bias(4), scale=tuple(0.05 * s for s in conv_scales), zero_point=0,
                     name="conv_b")
    conv = b.add_tensor((1, 8, 8, 4), scale=0.1, zero_point=-10, name="conv")
    b.add_operator("CONV_2D", (padded, f, cb), (conv,),
                   Conv2DOptions(Padding.VALID, 1, 1, activation=Activation.RELU))

    dw = b.add_const(weights((1, 3, 3, 4)), scale=(0.02,) * 4, zero_point=0, axis=3, name="dw_w")
    db = b.add_const(bias(4), scale=(0.1 * 0.02,) * 4, zero_point=0, name="dw_b")
    depthwise = b.add_tensor((1, 8, 8, 4), scale=0.12, zero_point=3, name="depthwise")
    b.add_operator("DEPTHWISE_CONV_2D", (conv, dw, db), (depthwise,),
                   DepthwiseConv2DOptions(Padding.SAME, 1, 1, 1))

    total = b.add_tensor((1, 8, 8, 4), scale=0.15, zero_point=-2, name="sum")
    b.add_operator("ADD", (conv, depthwise), (total,), AddOptions())

    maxpool = b.add_tensor((1, 4, 4, 4), scale=0.15, zero_point=-2, name="maxpool")
    b.add_operator("MAX_POOL_2D", (total,), (maxpool,), Pool2DOptions(Padding.VALID, 2, 2, 2, 2))
    avgpool = b.add_tensor((1, 4, 4, 4), scale=0.15, zero_point=-2, name="avgpool")
    b.add_operator("AVERAGE_POOL_2D", (total,), (avgpool,), Pool2DOptions(Padding.SAME, 2, 2, 3, 3))

    concat = b.add_tensor((1, 4, 4, 8), scale=0.15, zero_point=-2, name="concat")
    b.add_operator("CONCATENATION", (maxpool, avgpool), (concat,), ConcatenationOptions(axis=3))

    axes = b.add_const(np.array([1, 2], np.int32), name="axes")
    mean = b.add_tensor((1, 1, 1, 8), scale=0.1, zero_point=0, name="mean")
    b.add_operator("MEAN", (concat, axes), (mean,), ReducerOptions(keep_dims=True))

    shape = b.add_const(np.array([1, 8], np.int32), name="shape")
    flat = b.add_tensor((1, 8), scale=0.1, zero_point=0, name="flat")
    b.add_operator("RESHAPE", (mean, shape), (flat,), ReshapeOptions(new_shape=(1, 8)))

    w = b.add_const(weights((5, 8)), scale=0.02, zero_point=0, name="fc_w")
    fb = b.add_const(bias(5, 200), scale=0.1 * 0.02, zero_point=0, name="fc_b")
    logits = b.add_tensor((1, 5), scale=0.2, zero_point=1, name="logits")
    b.add_operator("FULLY_CONNECTED", (flat, w, fb), (logits,), FullyConnectedOptions())

    out = b.add_output((1, 5), 1.0 / 256.0, -128)
    b.add_operator("SOFTMAX", (logits,), (out,), SoftmaxOptions())
    return b.build()

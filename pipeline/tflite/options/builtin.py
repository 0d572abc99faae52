"""Options of the first ops mcuforge lowered: convolutions, pooling, FULLY_CONNECTED, SOFTMAX,
CONCATENATION, ADD, RESHAPE and MEAN (the dataclasses are in ``tflite.graph``)."""

from __future__ import annotations

import math

from ...errors import ModelFileError, UnsupportedModelError
from ..graph import (
    AddOptions,
    ConcatenationOptions,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    FullyConnectedOptions,
    Pool2DOptions,
    ReducerOptions,
    ReshapeOptions,
    SoftmaxOptions,
)
from . import activation, padding, positive


def _conv2d(t, where: str, file: str) -> Conv2DOptions:
    # padding, stride_w, stride_h, fused_activation_function, dilation_w, dilation_h
    return Conv2DOptions(
        padding=padding(t.scalar(0, "b", 0, "padding"), where, file),
        stride_w=positive(t.scalar(1, "i", 0, "stride_w"), "stride_w", where, file),
        stride_h=positive(t.scalar(2, "i", 0, "stride_h"), "stride_h", where, file),
        activation=activation(t.scalar(3, "b", 0, "fused_activation_function"), where, file),
        dilation_w=positive(t.scalar(4, "i", 1, "dilation_w_factor"), "dilation_w", where, file),
        dilation_h=positive(t.scalar(5, "i", 1, "dilation_h_factor"), "dilation_h", where, file),
    )


def _depthwise_conv2d(t, where: str, file: str) -> DepthwiseConv2DOptions:
    # padding, stride_w, stride_h, depth_multiplier, fused_activation_function, dilation_w/h
    return DepthwiseConv2DOptions(
        padding=padding(t.scalar(0, "b", 0, "padding"), where, file),
        stride_w=positive(t.scalar(1, "i", 0, "stride_w"), "stride_w", where, file),
        stride_h=positive(t.scalar(2, "i", 0, "stride_h"), "stride_h", where, file),
        # redundant in the schema (kernels derive it from the shapes); passed on unchecked
        depth_multiplier=t.scalar(3, "i", 0, "depth_multiplier"),
        activation=activation(t.scalar(4, "b", 0, "fused_activation_function"), where, file),
        dilation_w=positive(t.scalar(5, "i", 1, "dilation_w_factor"), "dilation_w", where, file),
        dilation_h=positive(t.scalar(6, "i", 1, "dilation_h_factor"), "dilation_h", where, file),
    )


def _pool2d(t, where: str, file: str) -> Pool2DOptions:
    # padding, stride_w, stride_h, filter_width, filter_height, fused_activation_function
    return Pool2DOptions(
        padding=padding(t.scalar(0, "b", 0, "padding"), where, file),
        stride_w=positive(t.scalar(1, "i", 0, "stride_w"), "stride_w", where, file),
        stride_h=positive(t.scalar(2, "i", 0, "stride_h"), "stride_h", where, file),
        filter_w=positive(t.scalar(3, "i", 0, "filter_width"), "filter_width", where, file),
        filter_h=positive(t.scalar(4, "i", 0, "filter_height"), "filter_height", where, file),
        activation=activation(t.scalar(5, "b", 0, "fused_activation_function"), where, file),
    )


def _fully_connected(t, where: str, file: str) -> FullyConnectedOptions:
    # fused_activation_function, weights_format, keep_num_dims, asymmetric_quantize_inputs, ...
    weights_format = t.scalar(1, "b", 0, "weights_format")
    if weights_format != 0:
        raise UnsupportedModelError(
            f"{file}: {where}: weights format {weights_format} (shuffled weights) is not "
            "supported; only the default [out, in] layout is")
    return FullyConnectedOptions(
        activation=activation(t.scalar(0, "b", 0, "fused_activation_function"), where, file),
        keep_num_dims=bool(t.scalar(2, "?", False, "keep_num_dims")),
    )


def _softmax(t, where: str, file: str) -> SoftmaxOptions:
    beta = t.scalar(0, "f", 0.0, "beta")  # schema default is 0.0; converters always write it
    if not math.isfinite(beta):
        raise ModelFileError(f"{file}: {where}: beta is {beta}, must be finite")
    return SoftmaxOptions(beta=beta)


def _concatenation(t, where: str, file: str) -> ConcatenationOptions:
    return ConcatenationOptions(
        axis=t.scalar(0, "i", 0, "axis"),
        activation=activation(t.scalar(1, "b", 0, "fused_activation_function"), where, file),
    )


def _add(t, where: str, file: str) -> AddOptions:
    return AddOptions(
        activation=activation(t.scalar(0, "b", 0, "fused_activation_function"), where, file))


def _reshape(t, where: str, file: str) -> ReshapeOptions:
    new_shape = t.vector(0, "<i4", "new_shape")
    return ReshapeOptions(new_shape=() if new_shape is None else tuple(new_shape.tolist()))


def _reducer(t, where: str, file: str) -> ReducerOptions:
    return ReducerOptions(keep_dims=bool(t.scalar(0, "?", False, "keep_dims")))


# op name -> (BuiltinOptions union tag, options table name, parser, options table required)
PARSERS = {
    "CONV_2D": (1, "Conv2DOptions", _conv2d, True),
    "DEPTHWISE_CONV_2D": (2, "DepthwiseConv2DOptions", _depthwise_conv2d, True),
    "AVERAGE_POOL_2D": (5, "Pool2DOptions", _pool2d, True),
    "MAX_POOL_2D": (5, "Pool2DOptions", _pool2d, True),
    "FULLY_CONNECTED": (8, "FullyConnectedOptions", _fully_connected, False),
    "SOFTMAX": (9, "SoftmaxOptions", _softmax, False),
    "CONCATENATION": (10, "ConcatenationOptions", _concatenation, False),
    "ADD": (11, "AddOptions", _add, False),
    "RESHAPE": (17, "ReshapeOptions", _reshape, False),
    "MEAN": (27, "ReducerOptions", _reducer, False),
}

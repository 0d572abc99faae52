"""Read and validate a .tflite flatbuffer into a small typed graph (``mcuforge.tflite.graph``).

    from mcuforge.tflite import read_model
    graph = read_model("model.tflite")   # Graph; raises ModelFileError / UnsupportedModelError
"""

from .graph import (
    Activation,
    AddOptions,
    ConcatenationOptions,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    DType,
    FullyConnectedOptions,
    Graph,
    Operator,
    Padding,
    Pool2DOptions,
    Quant,
    ReducerOptions,
    ReshapeOptions,
    SoftmaxOptions,
    Tensor,
)
from .reader import BUILTIN_OPERATORS, builtin_name, read_model, read_model_bytes

__all__ = [
    "read_model", "read_model_bytes", "BUILTIN_OPERATORS", "builtin_name",
    "Graph", "Tensor", "Operator", "Quant", "DType", "Padding", "Activation",
    "Conv2DOptions", "DepthwiseConv2DOptions", "Pool2DOptions", "FullyConnectedOptions",
    "SoftmaxOptions", "ReshapeOptions", "AddOptions", "ConcatenationOptions", "ReducerOptions",
]

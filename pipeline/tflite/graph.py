"""A small typed graph of a validated int8 TFLite model (one subgraph).

Produced by ``mcuforge.tflite.reader.read_model``; everything downstream (lowering, planning, code
generation) reads only these types, never the flatbuffer.

Layout invariants (TFLite conventions, kept as they are in the file):
- activations are NHWC; CONV_2D filters are OHWI; DEPTHWISE_CONV_2D filters are 1HW(C*M);
  FULLY_CONNECTED weights are [out, in] (row-major, one row per output unit);
- quantization: real = scale * (q - zero_point); per-channel params have ``axis`` set to the
  quantized dimension and one scale/zero point per slice of it (for filters, checked by the
  compile stage; see ``Quant``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np


class DType(enum.Enum):
    """Tensor element types this project can name (TFLite TensorType values)."""

    FLOAT32 = 0
    FLOAT16 = 1
    INT32 = 2
    UINT8 = 3
    INT64 = 4
    STRING = 5
    BOOL = 6
    INT16 = 7
    COMPLEX64 = 8
    INT8 = 9
    FLOAT64 = 10

    @property
    def numpy(self) -> np.dtype:
        return np.dtype(_NUMPY[self])

    @property
    def itemsize(self) -> int:
        return self.numpy.itemsize

    @property
    def c_type(self) -> str:
        return _C_TYPES[self]


_NUMPY = {
    DType.FLOAT32: "float32", DType.FLOAT16: "float16", DType.INT32: "int32", DType.UINT8: "uint8",
    DType.INT64: "int64", DType.STRING: "object", DType.BOOL: "bool", DType.INT16: "int16",
    DType.COMPLEX64: "complex64", DType.INT8: "int8", DType.FLOAT64: "float64",
}
_C_TYPES = {
    DType.FLOAT32: "float", DType.INT32: "int32_t", DType.UINT8: "uint8_t", DType.INT64: "int64_t",
    DType.BOOL: "bool", DType.INT16: "int16_t", DType.INT8: "int8_t", DType.FLOAT64: "double",
}


class Padding(enum.Enum):
    SAME = 0
    VALID = 1


class Activation(enum.Enum):
    """Fused activation (TFLite ActivationFunctionType values)."""

    NONE = 0
    RELU = 1
    RELU_N1_TO_1 = 2
    RELU6 = 3
    TANH = 4
    SIGN_BIT = 5


@dataclass(frozen=True)
class Quant:
    """Affine quantization: real = scale[i] * (q - zero_point[i]).

    ``scale`` holds the file's float32 values converted to Python floats (exact). Per-tensor
    quantization has one entry; per-channel has one per index of dimension ``axis``.
    ``zero_point`` always has as many entries as ``scale`` (the reader repeats a file's single
    zero point, as TFLite-Micro does). For per-channel parameters ``axis`` is the file's
    quantized_dimension as written: the reader does not check it against the shape, because
    TFLite-Micro checks it only where an op uses per-channel scales (filters); whoever relies on
    it checks it (``compile.ops.context.OpContext.weights``).
    """

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1


@dataclass(frozen=True, eq=False)
class Tensor:
    index: int
    name: str
    dtype: DType
    shape: tuple[int, ...]
    quant: Quant | None
    data: np.ndarray | None = None  # constant contents (dtype and shape as above); None if computed
    # schema Tensor.is_variable: state an op reads and rewrites, kept from one invocation to the
    # next (SVDF's activation state, the LSTM's hidden and cell states)
    is_variable: bool = False
    # schema Tensor.shape_signature when it marks a dynamic dimension (-1), else None: ``shape``
    # then holds a placeholder at the -1s, which TFLite-Micro runs as written (compile.fold_shapes)
    shape_signature: tuple[int, ...] | None = None

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def num_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.num_elements * self.dtype.itemsize


# ---- operator options (only the fields code generation needs) ----

@dataclass(frozen=True)
class Conv2DOptions:
    padding: Padding
    stride_w: int
    stride_h: int
    dilation_w: int = 1
    dilation_h: int = 1
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class DepthwiseConv2DOptions:
    padding: Padding
    stride_w: int
    stride_h: int
    depth_multiplier: int
    dilation_w: int = 1
    dilation_h: int = 1
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class Pool2DOptions:
    padding: Padding
    stride_w: int
    stride_h: int
    filter_w: int
    filter_h: int
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class FullyConnectedOptions:
    activation: Activation = Activation.NONE
    keep_num_dims: bool = False


@dataclass(frozen=True)
class SoftmaxOptions:
    beta: float = 1.0


@dataclass(frozen=True)
class ReshapeOptions:
    new_shape: tuple[int, ...] = ()


@dataclass(frozen=True)
class AddOptions:
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class ConcatenationOptions:
    axis: int
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class ReducerOptions:
    keep_dims: bool = False


OpOptions = (Conv2DOptions | DepthwiseConv2DOptions | Pool2DOptions | FullyConnectedOptions
             | SoftmaxOptions | ReshapeOptions | AddOptions | ConcatenationOptions | ReducerOptions
             | None)


@dataclass(frozen=True)
class Operator:
    index: int
    opcode: str                 # builtin operator name as in the schema, e.g. "CONV_2D"
    inputs: tuple[int, ...]     # tensor indices; -1 marks an omitted optional input
    outputs: tuple[int, ...]
    options: OpOptions = None
    version: int = 1            # the operator code's version (which kernel variant TFLite means)


@dataclass(frozen=True)
class Graph:
    name: str                   # model file stem, used for C identifiers after sanitising
    sha256: str                 # of the whole .tflite file
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]  # in execution order
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def tensor(self, index: int) -> Tensor:
        return self.tensors[index]

"""A small writer of int8 TFLite flatbuffers for tests: single ops (or a few) with any data and
quantization, including what the converter never produces (zero points at -128/127, tiny or
huge scales, effective multipliers > 1, asymmetric padding, strides larger than the filter...).

Field slots follow the public TFLite schema (tensorflow/compiler/mlir/lite/schema/schema.fbs,
file identifier "TFL3", schema version 3): in a table, fields take consecutive slots in
declaration order and a union field takes two (its type, then its value).

Usage::

    b = ModelBuilder()
    x = b.add_input((1, 8, 8, 3), scale=0.05, zero_point=-3)
    w = b.add_const(filters, scale=(0.01, 0.02), axis=0)
    ...
    y = b.add_output((1, 8, 8, 2), scale=0.1, zero_point=5)
    b.add_operator("CONV_2D", (x, w, bias), (y,), Conv2DOptions(...))
    model_bytes = b.build()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import flatbuffers
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
from mcuforge.tflite.reader import BUILTIN_OPERATORS

# BuiltinOperator values (schema enum BuiltinOperator), from the reader's table of names
OPCODES = {name: code for code, name in enumerate(BUILTIN_OPERATORS)}
# BuiltinOptions union member indices (0 is NONE)
_OPTIONS_TYPE = {
    Conv2DOptions: 1, DepthwiseConv2DOptions: 2, Pool2DOptions: 5, FullyConnectedOptions: 8,
    SoftmaxOptions: 9, ConcatenationOptions: 10, AddOptions: 11, ReshapeOptions: 17,
    ReducerOptions: 27,
}
# TensorType values
TENSOR_TYPES = {"float32": 0, "int32": 2, "uint8": 3, "int64": 4, "int16": 7, "int8": 9}


@dataclass(frozen=True)
class RawOptions:
    """Builtin options written field by field, for any op: ``union_tag`` is the BuiltinOptions
    union member, ``slots`` the table's field count and ``fields`` (slot, kind, value) with kind
    one of "int8", "int32", "bool", "float32", "int32_vector". Lets a test write options of an op
    this module has no dataclass writer for."""

    union_tag: int
    slots: int
    fields: tuple[tuple[int, str, object], ...] = ()


@dataclass
class _TensorSpec:
    name: str
    dtype: str
    shape: tuple[int, ...]
    data: np.ndarray | None
    scale: tuple[float, ...] | None
    zero_point: tuple[int, ...] | None
    axis: int
    signature: tuple[int, ...] | None = None     # shape_signature (-1: a dynamic dimension)


@dataclass
class _OpSpec:
    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: object


def _as_tuple(v, n: int | None = None) -> tuple:
    if v is None:
        return ()
    if np.ndim(v) == 0:
        return (v,)
    return tuple(np.asarray(v).reshape(-1).tolist())


class ModelBuilder:
    """Collects tensors and operators; ``build()`` writes the flatbuffer."""

    def __init__(self, description: str = "mcuforge test model"):
        self.description = description
        self.tensors: list[_TensorSpec] = []
        self.ops: list[_OpSpec] = []
        self.inputs: list[int] = []
        self.outputs: list[int] = []

    # ---- tensors ----

    def add_tensor(self, shape: Sequence[int], dtype: str = "int8", *, data=None,
                   scale=None, zero_point=None, axis: int = 0, name: str | None = None,
                   signature: Sequence[int] | None = None) -> int:
        """A tensor; ``scale``/``zero_point`` scalars (per-tensor) or sequences (per-channel
        along ``axis``; a scalar zero point is repeated). ``data`` makes it a constant;
        ``signature`` is written as its shape_signature."""
        scales = tuple(float(s) for s in _as_tuple(scale)) if scale is not None else None
        zps = None
        if scale is not None:
            zps = tuple(int(z) for z in _as_tuple(0 if zero_point is None else zero_point))
            if len(zps) == 1 and len(scales) > 1:
                zps = zps * len(scales)
        if data is not None:
            data = np.ascontiguousarray(np.asarray(data, dtype=dtype).reshape(tuple(shape)))
        index = len(self.tensors)
        self.tensors.append(_TensorSpec(name or f"t{index}", dtype, tuple(int(d) for d in shape),
                                        data, scales, zps, int(axis),
                                        None if signature is None else tuple(signature)))
        return index

    def add_input(self, shape, scale: float, zero_point: int, dtype: str = "int8",
                  name: str = "input") -> int:
        index = self.add_tensor(shape, dtype, scale=scale, zero_point=zero_point, name=name)
        self.inputs.append(index)
        return index

    def add_output(self, shape, scale: float, zero_point: int, dtype: str = "int8",
                   name: str = "output") -> int:
        index = self.add_tensor(shape, dtype, scale=scale, zero_point=zero_point, name=name)
        self.outputs.append(index)
        return index

    def add_const(self, data: np.ndarray, dtype: str | None = None, *, scale=None,
                  zero_point=None, axis: int = 0, name: str | None = None) -> int:
        data = np.asarray(data)
        return self.add_tensor(data.shape, dtype or str(data.dtype), data=data, scale=scale,
                               zero_point=zero_point, axis=axis, name=name)

    def add_operator(self, opcode: str, inputs: Sequence[int], outputs: Sequence[int],
                     options=None) -> None:
        """``inputs`` may contain -1 for an omitted optional input (e.g. no bias)."""
        if opcode not in OPCODES:
            raise ValueError(f"tflite_builder does not know {opcode}")
        self.ops.append(_OpSpec(opcode, tuple(inputs), tuple(outputs), options))

    # ---- writing ----

    def build(self) -> bytes:
        b = flatbuffers.Builder(4096)
        opcode_names = sorted({op.opcode for op in self.ops}, key=lambda n: OPCODES[n])
        opcode_index = {name: i for i, name in enumerate(opcode_names)}

        # Buffers: 0 is the conventional empty buffer, then one per constant tensor.
        buffer_of: dict[int, int] = {}
        buffer_data: list[bytes | None] = [None]
        for i, t in enumerate(self.tensors):
            if t.data is not None:
                buffer_of[i] = len(buffer_data)
                buffer_data.append(t.data.astype(t.data.dtype.newbyteorder("<")).tobytes())

        buffer_offsets = []
        for data in buffer_data:
            data_off = _byte_vector(b, data, align=16) if data else None
            b.StartObject(3)                                   # Buffer
            if data_off is not None:
                b.PrependUOffsetTRelativeSlot(0, data_off, 0)  # data
            buffer_offsets.append(b.EndObject())

        tensor_offsets = [self._write_tensor(b, i, t, buffer_of.get(i, 0))
                          for i, t in enumerate(self.tensors)]
        op_offsets = [self._write_operator(b, op, opcode_index[op.opcode]) for op in self.ops]

        tensors_vec = _offset_vector(b, tensor_offsets)
        inputs_vec = b.CreateNumpyVector(np.array(self.inputs, dtype=np.int32))
        outputs_vec = b.CreateNumpyVector(np.array(self.outputs, dtype=np.int32))
        ops_vec = _offset_vector(b, op_offsets)
        sg_name = b.CreateString("main")
        b.StartObject(5)                                       # SubGraph
        b.PrependUOffsetTRelativeSlot(0, tensors_vec, 0)
        b.PrependUOffsetTRelativeSlot(1, inputs_vec, 0)
        b.PrependUOffsetTRelativeSlot(2, outputs_vec, 0)
        b.PrependUOffsetTRelativeSlot(3, ops_vec, 0)
        b.PrependUOffsetTRelativeSlot(4, sg_name, 0)
        subgraph = b.EndObject()

        code_offsets = []
        for name in opcode_names:
            code = OPCODES[name]
            b.StartObject(4)                                   # OperatorCode
            b.PrependInt8Slot(0, min(code, 127), 0)            # deprecated_builtin_code
            b.PrependInt32Slot(2, 1, 1)                        # version
            b.PrependInt32Slot(3, code, 0)                     # builtin_code
            code_offsets.append(b.EndObject())

        codes_vec = _offset_vector(b, code_offsets)
        subgraphs_vec = _offset_vector(b, [subgraph])
        description = b.CreateString(self.description)
        buffers_vec = _offset_vector(b, buffer_offsets)
        b.StartObject(5)                                       # Model
        b.PrependUint32Slot(0, 3, 0)                           # version
        b.PrependUOffsetTRelativeSlot(1, codes_vec, 0)
        b.PrependUOffsetTRelativeSlot(2, subgraphs_vec, 0)
        b.PrependUOffsetTRelativeSlot(3, description, 0)
        b.PrependUOffsetTRelativeSlot(4, buffers_vec, 0)
        model = b.EndObject()
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())

    def _write_tensor(self, b: flatbuffers.Builder, index: int, t: _TensorSpec,
                      buffer: int) -> int:
        quant = None
        if t.scale is not None:
            scale_vec = b.CreateNumpyVector(np.array(t.scale, dtype=np.float32))
            zp_vec = b.CreateNumpyVector(np.array(t.zero_point, dtype=np.int64))
            b.StartObject(7)                                   # QuantizationParameters
            b.PrependUOffsetTRelativeSlot(2, scale_vec, 0)     # scale
            b.PrependUOffsetTRelativeSlot(3, zp_vec, 0)        # zero_point
            b.PrependInt32Slot(6, t.axis, 0)                   # quantized_dimension
            quant = b.EndObject()
        shape_vec = b.CreateNumpyVector(np.array(t.shape, dtype=np.int32))
        signature_vec = (None if t.signature is None
                         else b.CreateNumpyVector(np.array(t.signature, dtype=np.int32)))
        name = b.CreateString(t.name)
        b.StartObject(9)                                       # Tensor
        b.PrependUOffsetTRelativeSlot(0, shape_vec, 0)         # shape
        b.PrependInt8Slot(1, TENSOR_TYPES[t.dtype], 0)         # type
        b.PrependUint32Slot(2, buffer, 0)                      # buffer
        b.PrependUOffsetTRelativeSlot(3, name, 0)              # name
        if quant is not None:
            b.PrependUOffsetTRelativeSlot(4, quant, 0)         # quantization
        if signature_vec is not None:
            b.PrependUOffsetTRelativeSlot(7, signature_vec, 0)     # shape_signature
        return b.EndObject()

    def _write_operator(self, b: flatbuffers.Builder, op: _OpSpec, opcode_index: int) -> int:
        options = _write_options(b, op.options) if op.options is not None else None
        inputs_vec = b.CreateNumpyVector(np.array(op.inputs, dtype=np.int32))
        outputs_vec = b.CreateNumpyVector(np.array(op.outputs, dtype=np.int32))
        b.StartObject(5)                                       # Operator (first 5 slots)
        b.PrependUint32Slot(0, opcode_index, 0)                # opcode_index
        b.PrependUOffsetTRelativeSlot(1, inputs_vec, 0)
        b.PrependUOffsetTRelativeSlot(2, outputs_vec, 0)
        if options is not None:
            tag = (op.options.union_tag if isinstance(op.options, RawOptions)
                   else _OPTIONS_TYPE[type(op.options)])
            b.PrependUint8Slot(3, tag, 0)                               # builtin_options_type
            b.PrependUOffsetTRelativeSlot(4, options, 0)                # builtin_options
        return b.EndObject()


def _byte_vector(b: flatbuffers.Builder, data: bytes, align: int) -> int:
    b.StartVector(1, len(data), align)
    b.head = b.head - len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return b.EndVector()


def _offset_vector(b: flatbuffers.Builder, offsets: Sequence[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()


def _write_raw_options(b: flatbuffers.Builder, o: RawOptions) -> int:
    vectors = {slot: b.CreateNumpyVector(np.array(value, dtype=np.int32))
               for slot, kind, value in o.fields if kind == "int32_vector"}
    b.StartObject(o.slots)
    for slot, kind, value in o.fields:
        if kind == "int8":
            b.PrependInt8Slot(slot, int(value), 0)
        elif kind == "int32":
            b.PrependInt32Slot(slot, int(value), 0)
        elif kind == "bool":
            b.PrependBoolSlot(slot, bool(value), False)
        elif kind == "float32":
            b.PrependFloat32Slot(slot, float(value), 0.0)
        elif kind == "int32_vector":
            b.PrependUOffsetTRelativeSlot(slot, vectors[slot], 0)
        else:
            raise ValueError(f"unknown field kind {kind}")
    return b.EndObject()


def _write_options(b: flatbuffers.Builder, o) -> int:
    if isinstance(o, RawOptions):
        return _write_raw_options(b, o)
    if isinstance(o, Conv2DOptions):
        b.StartObject(7)
        b.PrependInt8Slot(0, o.padding.value, 0)
        b.PrependInt32Slot(1, o.stride_w, 0)
        b.PrependInt32Slot(2, o.stride_h, 0)
        b.PrependInt8Slot(3, o.activation.value, 0)
        b.PrependInt32Slot(4, o.dilation_w, 1)
        b.PrependInt32Slot(5, o.dilation_h, 1)
        return b.EndObject()
    if isinstance(o, DepthwiseConv2DOptions):
        b.StartObject(7)
        b.PrependInt8Slot(0, o.padding.value, 0)
        b.PrependInt32Slot(1, o.stride_w, 0)
        b.PrependInt32Slot(2, o.stride_h, 0)
        b.PrependInt32Slot(3, o.depth_multiplier, 0)
        b.PrependInt8Slot(4, o.activation.value, 0)
        b.PrependInt32Slot(5, o.dilation_w, 1)
        b.PrependInt32Slot(6, o.dilation_h, 1)
        return b.EndObject()
    if isinstance(o, Pool2DOptions):
        b.StartObject(6)
        b.PrependInt8Slot(0, o.padding.value, 0)
        b.PrependInt32Slot(1, o.stride_w, 0)
        b.PrependInt32Slot(2, o.stride_h, 0)
        b.PrependInt32Slot(3, o.filter_w, 0)
        b.PrependInt32Slot(4, o.filter_h, 0)
        b.PrependInt8Slot(5, o.activation.value, 0)
        return b.EndObject()
    if isinstance(o, FullyConnectedOptions):
        b.StartObject(5)
        b.PrependInt8Slot(0, o.activation.value, 0)
        b.PrependBoolSlot(2, bool(o.keep_num_dims), False)
        return b.EndObject()
    if isinstance(o, SoftmaxOptions):
        b.StartObject(1)
        b.PrependFloat32Slot(0, float(o.beta), 0.0)
        return b.EndObject()
    if isinstance(o, ReshapeOptions):
        shape_vec = b.CreateNumpyVector(np.array(o.new_shape, dtype=np.int32))
        b.StartObject(1)
        b.PrependUOffsetTRelativeSlot(0, shape_vec, 0)
        return b.EndObject()
    if isinstance(o, ConcatenationOptions):
        b.StartObject(2)
        b.PrependInt32Slot(0, o.axis, 0)
        b.PrependInt8Slot(1, o.activation.value, 0)
        return b.EndObject()
    if isinstance(o, AddOptions):
        b.StartObject(2)
        b.PrependInt8Slot(0, o.activation.value, 0)
        return b.EndObject()
    if isinstance(o, ReducerOptions):
        b.StartObject(1)
        b.PrependBoolSlot(0, bool(o.keep_dims), False)
        return b.EndObject()
    raise TypeError(f"no writer for options {type(o).__name__}")


# ---- shapes as TFLite computes them ----

def conv_output_size(padding: Padding, size: int, filter_size: int, stride: int,
                     dilation: int = 1) -> int:
    """ComputeOutSize: SAME -> ceil(size / stride); VALID -> ceil((size - eff + 1) / stride)."""
    effective = (filter_size - 1) * dilation + 1
    if padding is Padding.SAME:
        return (size + stride - 1) // stride
    return (size + stride - effective) // stride


# ---- single-op models ----

def _spatial_output(options, h: int, w: int, kh: int, kw: int) -> tuple[int, int]:
    return (conv_output_size(options.padding, h, kh, options.stride_h, options.dilation_h),
            conv_output_size(options.padding, w, kw, options.stride_w, options.dilation_w))


def _bias_scales(input_scale: float, filter_scales: Sequence[float]) -> tuple[float, ...]:
    """input_scale * filter_scale per channel, as the converter writes the bias scales."""
    return tuple(float(np.float32(input_scale) * np.float32(s)) for s in filter_scales)


def conv2d_model(input_shape, filters: np.ndarray, bias: np.ndarray | None,
                 input_q: tuple[float, int], filter_scales: Sequence[float],
                 output_q: tuple[float, int], options: Conv2DOptions,
                 output_shape: Sequence[int] | None = None, filter_zero_point: int = 0,
                 act_dtype: str = "int8", bias_dtype: str = "int32") -> bytes:
    """CONV_2D: filters OHWI int8, bias [O] of ``bias_dtype`` (int32; int64 or int32 with int16
    activations, ``act_dtype``) or None (written as input -1), per-channel when
    len(filter_scales) > 1."""
    n, h, w, _ = input_shape
    o, kh, kw, _ = filters.shape
    if output_shape is None:
        output_shape = (n, *_spatial_output(options, h, w, kh, kw), o)
    b = ModelBuilder()
    x = b.add_input(input_shape, *input_q, dtype=act_dtype)
    f = b.add_const(filters.astype(np.int8), scale=tuple(filter_scales),
                    zero_point=filter_zero_point, axis=0, name="filter")
    bi = -1
    if bias is not None:
        bi = b.add_const(np.asarray(bias, dtype=bias_dtype), name="bias", zero_point=0, axis=0,
                         scale=_bias_scales(input_q[0], filter_scales))
    y = b.add_output(output_shape, *output_q, dtype=act_dtype)
    b.add_operator("CONV_2D", (x, f, bi), (y,), options)
    return b.build()


def depthwise_conv2d_model(input_shape, filters: np.ndarray, bias: np.ndarray | None,
                           input_q: tuple[float, int], filter_scales: Sequence[float],
                           output_q: tuple[float, int], options: DepthwiseConv2DOptions,
                           output_shape: Sequence[int] | None = None,
                           act_dtype: str = "int8", bias_dtype: str = "int32") -> bytes:
    """DEPTHWISE_CONV_2D: filters [1, kh, kw, C*M] int8; per-channel scales along axis 3."""
    n, h, w, _ = input_shape
    _, kh, kw, oc = filters.shape
    if output_shape is None:
        output_shape = (n, *_spatial_output(options, h, w, kh, kw), oc)
    b = ModelBuilder()
    x = b.add_input(input_shape, *input_q, dtype=act_dtype)
    f = b.add_const(filters.astype(np.int8), scale=tuple(filter_scales), zero_point=0, axis=3,
                    name="filter")
    bi = -1
    if bias is not None:
        bi = b.add_const(np.asarray(bias, dtype=bias_dtype), name="bias", zero_point=0, axis=0,
                         scale=_bias_scales(input_q[0], filter_scales))
    y = b.add_output(output_shape, *output_q, dtype=act_dtype)
    # Without a bias the operator gets two inputs, not a third input of -1: TFLite-Micro's
    # depthwise prepare step dereferences the missing bias tensor of a 3-input node (segfault).
    b.add_operator("DEPTHWISE_CONV_2D", (x, f, bi) if bi >= 0 else (x, f), (y,), options)
    return b.build()


def fully_connected_model(input_shape, weights: np.ndarray, bias: np.ndarray | None,
                          input_q: tuple[float, int], filter_scales: Sequence[float],
                          output_q: tuple[float, int], options: FullyConnectedOptions,
                          output_shape: Sequence[int] | None = None,
                          filter_zero_point: int = 0,
                          act_dtype: str = "int8", bias_dtype: str = "int32") -> bytes:
    """FULLY_CONNECTED: weights [units, depth] int8; input flattened to [-1, depth]."""
    units, depth = weights.shape
    if output_shape is None:
        if options.keep_num_dims:
            output_shape = (*input_shape[:-1], units)
        else:
            output_shape = (int(np.prod(input_shape)) // depth, units)
    b = ModelBuilder()
    x = b.add_input(input_shape, *input_q, dtype=act_dtype)
    f = b.add_const(weights.astype(np.int8), scale=tuple(filter_scales),
                    zero_point=filter_zero_point, axis=0, name="weights")
    bi = -1
    if bias is not None:
        bi = b.add_const(np.asarray(bias, dtype=bias_dtype), name="bias", zero_point=0, axis=0,
                         scale=_bias_scales(input_q[0], filter_scales))
    y = b.add_output(output_shape, *output_q, dtype=act_dtype)
    b.add_operator("FULLY_CONNECTED", (x, f, bi), (y,), options)
    return b.build()


def pool2d_model(kind: str, input_shape, q: tuple[float, int], options: Pool2DOptions,
                 output_shape: Sequence[int] | None = None,
                 output_q: tuple[float, int] | None = None, dtype: str = "int8") -> bytes:
    """AVERAGE_POOL_2D or MAX_POOL_2D; output quantization defaults to the input's; tensors of
    ``dtype``."""
    n, h, w, c = input_shape
    if output_shape is None:
        output_shape = (n, conv_output_size(options.padding, h, options.filter_h, options.stride_h),
                        conv_output_size(options.padding, w, options.filter_w, options.stride_w), c)
    b = ModelBuilder()
    x = b.add_input(input_shape, *q, dtype=dtype)
    y = b.add_output(output_shape, *(output_q or q), dtype=dtype)
    b.add_operator(kind, (x,), (y,), options)
    return b.build()


def softmax_model(input_shape, input_q: tuple[float, int], beta: float = 1.0,
                  output_q: tuple[float, int] = (1.0 / 256.0, -128),
                  dtype: str = "int8") -> bytes:
    b = ModelBuilder()
    x = b.add_input(input_shape, *input_q, dtype=dtype)
    y = b.add_output(input_shape, *output_q, dtype=dtype)
    b.add_operator("SOFTMAX", (x,), (y,), SoftmaxOptions(beta=beta))
    return b.build()


def reshape_model(input_shape, output_shape, q: tuple[float, int],
                  shape_tensor: bool = True) -> bytes:
    """RESHAPE with the new shape as a constant int32 input (as the converter writes it) and/or
    in the options."""
    b = ModelBuilder()
    x = b.add_input(input_shape, *q)
    inputs = [x]
    if shape_tensor:
        inputs.append(b.add_const(np.array(output_shape, dtype=np.int32), name="shape"))
    y = b.add_output(output_shape, *q)
    b.add_operator("RESHAPE", inputs, (y,), ReshapeOptions(new_shape=tuple(output_shape)))
    return b.build()


def pad_model(input_shape, paddings, q: tuple[float, int],
              constant: tuple[int, tuple[float, int]] | None = None,
              output_q: tuple[float, int] | None = None, dtype: str = "int8") -> bytes:
    """PAD (or PADV2 when ``constant`` = (value, its (scale, zero point)) is given):
    ``paddings`` [[before, after], ...] per dimension, written as a constant int32 [rank, 2];
    tensors (and the constant) of ``dtype``."""
    pads = np.asarray(paddings, dtype=np.int32).reshape(len(input_shape), 2)
    output_shape = tuple(int(d + p[0] + p[1]) for d, p in zip(input_shape, pads))
    b = ModelBuilder()
    x = b.add_input(input_shape, *q, dtype=dtype)
    inputs = [x, b.add_const(pads, name="paddings")]
    if constant is not None:
        value, (c_scale, c_zp) = constant
        inputs.append(b.add_const(np.array([value], dtype=dtype).reshape(()), scale=c_scale,
                                  zero_point=c_zp, name="constant_values"))
    y = b.add_output(output_shape, *(output_q or q), dtype=dtype)
    b.add_operator("PADV2" if constant is not None else "PAD", inputs, (y,))
    return b.build()


def mean_model(input_shape, axes: Sequence[int], input_q: tuple[float, int],
               output_q: tuple[float, int], keep_dims: bool = True) -> bytes:
    """MEAN over ``axes`` (a constant int32 vector, negative values allowed, as written)."""
    rank = len(input_shape)
    resolved = {a % rank for a in axes}
    if keep_dims:
        output_shape = tuple(1 if d in resolved else e for d, e in enumerate(input_shape))
    else:
        output_shape = tuple(e for d, e in enumerate(input_shape) if d not in resolved)
    b = ModelBuilder()
    x = b.add_input(input_shape, *input_q)
    axis = b.add_const(np.array(list(axes), dtype=np.int32), name="axis")
    y = b.add_output(output_shape, *output_q)
    b.add_operator("MEAN", (x, axis), (y,), ReducerOptions(keep_dims=keep_dims))
    return b.build()


__all__ = [
    "ModelBuilder", "conv_output_size", "conv2d_model", "depthwise_conv2d_model",
    "fully_connected_model", "pool2d_model", "softmax_model", "reshape_model", "pad_model",
    "mean_model", "Activation", "Padding",
]

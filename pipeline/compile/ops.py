"""Lowering of each supported TFLite op to one call of a firmware/kernels function.

``LOWERINGS[opcode](graph, op) -> KernelCall``. Every lowering checks what its kernel relies on
(types, quantization, shapes recomputed from the options, accumulator range) and raises a
one-line ``UnsupportedModelError`` (valid model, something mcuforge does not generate) or
``ModelFileError`` (the file contradicts itself) naming the op. All quantization arithmetic comes
from ``quant``; the values land in the params or in constant arrays named ``op{index}_<what>``,
laid out exactly as the kernel reads them. The kernel call is
``function(&params, input..., output...)`` with activation pointers as arguments.
"""

from __future__ import annotations

from typing import Callable, NoReturn

import numpy as np

from ..errors import ModelFileError, UnsupportedModelError
from ..tflite.graph import (Activation, AddOptions, ConcatenationOptions, Conv2DOptions,
                            DepthwiseConv2DOptions, DType, FullyConnectedOptions, Graph, Operator,
                            Padding, Pool2DOptions, ReducerOptions, SoftmaxOptions, Tensor)
from . import quant
from .program import ConstArray, KernelCall

Lowering = Callable[[Graph, Operator], KernelCall]

SOFTMAX_MAX_DEPTH = 4095      # keeps the kernel's Q12.19 sum of exponentials below 2^31
POOL_SCALE_TOLERANCE = 1e-6   # TFLite-Micro's check that pooling input and output scales agree
MAX_DIMS = 6                  # MF_MAX_DIMS: dimensions an element-wise/movement kernel takes
PAD_MAX_INPUT_DIMS = 5        # TFLite-Micro's PAD handles inputs of at most 5 dimensions
MEAN_MAX_COUNT = 2**23        # values per mean: keeps 255 * count below 2^31
CONCATENATION_MAX_INPUTS = 10 # MF_CONCATENATION_MAX_INPUTS, also TFLite-Micro's limit


class _Op:
    """One op being lowered: its graph, error helpers and tensor accessors."""

    def __init__(self, graph: Graph, op: Operator):
        self.graph = graph
        self.op = op
        self.where = f"{graph.name}.tflite: op {op.index} ({op.opcode})"

    def unsupported(self, message: str) -> NoReturn:
        raise UnsupportedModelError(f"{self.where}: {message}")

    def bad_file(self, message: str) -> NoReturn:
        raise ModelFileError(f"{self.where}: {message}")

    def name(self, what: str) -> str:
        return f"op{self.op.index}_{what}"

    # ---- tensors ----

    def input(self, k: int, role: str, optional: bool = False) -> Tensor | None:
        if k >= len(self.op.inputs) or self.op.inputs[k] < 0:
            if optional:
                return None
            self.bad_file(f"missing {role} (input {k})")
        return self.graph.tensor(self.op.inputs[k])

    def output(self, k: int = 0) -> Tensor:
        if len(self.op.outputs) <= k:
            self.bad_file(f"has {len(self.op.outputs)} outputs")
        return self.graph.tensor(self.op.outputs[k])

    def activation(self, t: Tensor, role: str, rank: int | None = None) -> tuple[float, int]:
        """An int8, per-tensor quantized, computed tensor: returns (scale, zero_point)."""
        label = f"{role} tensor '{t.name}'"
        if t.dtype is not DType.INT8:
            self.unsupported(f"{label} is {t.dtype.name.lower()}; only int8 activations are "
                             f"supported")
        if t.is_constant:
            self.unsupported(f"{label} is a constant; only computed activations are supported")
        if t.quant is None:
            self.unsupported(f"{label} has no quantization parameters")
        if t.quant.per_channel:
            self.unsupported(f"{label} is quantized per channel; activations must be per-tensor")
        if rank is not None and len(t.shape) != rank:
            self.bad_file(f"{label} has shape {list(t.shape)}; expected {rank} dimensions")
        if any(d <= 0 for d in t.shape):
            self.unsupported(f"{label} has an empty or dynamic shape {list(t.shape)}")
        return t.quant.scale[0], t.quant.zero_point[0]

    def weights(self, t: Tensor, role: str, channels: int, axis: int, rank: int,
                allow_zero_point: bool = False) -> tuple[tuple[float, ...], int]:
        """A constant int8 filter with one scale or one per output channel along ``axis``;
        returns (scales, zero point). Zero points must be 0 unless ``allow_zero_point``."""
        label = f"{role} tensor '{t.name}'"
        if t.dtype is not DType.INT8:
            self.unsupported(f"{label} is {t.dtype.name.lower()}; only int8 weights are supported")
        if not t.is_constant:
            self.unsupported(f"{label} is computed at run time; only constant weights are "
                             f"supported")
        if len(t.shape) != rank:
            self.bad_file(f"{label} has shape {list(t.shape)}; expected {rank} dimensions")
        if t.quant is None:
            self.unsupported(f"{label} has no quantization parameters")
        scales, zps = t.quant.scale, t.quant.zero_point
        if len(scales) not in (1, channels):
            self.bad_file(f"{label} has {len(scales)} scales for {channels} output channels")
        if len(scales) > 1 and t.quant.axis != axis:
            self.unsupported(f"{label} is quantized along dimension {t.quant.axis}; "
                             f"expected dimension {axis}")
        nonzero = sorted({int(z) for z in zps if z != 0})
        if nonzero and not (allow_zero_point and len(zps) == 1):
            self.unsupported(f"{label} has zero point {nonzero[0]}; int8 weights must be "
                             f"symmetric (zero point 0)")
        return scales, int(zps[0])

    def bias(self, t: Tensor | None, channels: int) -> np.ndarray | None:
        if t is None:
            return None
        label = f"bias tensor '{t.name}'"
        if t.dtype is not DType.INT32:
            self.unsupported(f"{label} is {t.dtype.name.lower()}; int8 ops need an int32 bias")
        if not t.is_constant:
            self.unsupported(f"{label} is computed at run time; only a constant bias is supported")
        if t.num_elements != channels:
            self.bad_file(f"{label} has {t.num_elements} values for {channels} output channels")
        return np.asarray(t.data, dtype=np.int32).reshape(-1)

    # ---- checks ----

    def expect_shape(self, t: Tensor, expected: tuple[int, ...], why: str) -> None:
        if tuple(t.shape) != tuple(expected):
            self.bad_file(f"output tensor '{t.name}' has shape {list(t.shape)}, but {why} gives "
                          f"{list(expected)}")

    def activation_range(self, activation, scale: float, zero_point: int) -> tuple[int, int]:
        try:
            return quant.activation_range(activation, scale, zero_point)
        except quant.QuantError as err:
            self.unsupported(str(err))

    def accumulator_fits(self, abs_weight_sums: np.ndarray, input_zero_point: int,
                         bias: np.ndarray | None) -> None:
        bound = quant.accumulator_bound(abs_weight_sums, input_zero_point, bias)
        if bound > quant.INT32_MAX:
            self.unsupported(f"the int32 accumulator can reach {bound:,} (> 2^31 - 1) for some "
                             f"input; weights and bias too large for 32-bit accumulation")

    def multipliers(self, input_scale: float, filter_scales: tuple[float, ...],
                    output_scale: float, channels: int,
                    effective=quant.conv_effective_scale) -> tuple[np.ndarray, np.ndarray]:
        try:
            mults, shifts, _ = quant.per_channel_multipliers(input_scale, filter_scales,
                                                             output_scale, channels, effective)
        except quant.QuantError as err:
            self.unsupported(str(err))
        return mults, shifts


def _dims(shape: tuple[int, ...]) -> str:
    return "{" + ", ".join(str(int(d)) for d in shape) + "}"


def _padding(padding: Padding, size: int, filter_size: int, stride: int,
             dilation: int) -> tuple[int, int]:
    """(output size, leading padding) as TFLite computes them (ComputeOutSize and
    ComputePaddingHeightWidth): SAME gives ceil(size / stride) outputs and pads
    total = (out - 1) * stride + effective_filter - size, top/left getting total // 2
    (the extra odd pixel goes to the bottom/right); VALID pads nothing."""
    effective = (filter_size - 1) * dilation + 1
    if padding is Padding.SAME:
        out = (size + stride - 1) // stride
    else:
        out = (size + stride - effective) // stride
    total = (out - 1) * stride + effective - size
    return out, max(total, 0) // 2


def _const(name: str, c_type: str, values: np.ndarray) -> ConstArray:
    dtype = {"int8_t": np.int8, "int32_t": np.int32}[c_type]
    return ConstArray(name=name, c_type=c_type,
                      values=np.ascontiguousarray(values, dtype=dtype).reshape(-1))


def _requant_constants(o: _Op, mults: np.ndarray, shifts: np.ndarray) -> tuple[ConstArray, ...]:
    return (_const(o.name("multiplier"), "int32_t", mults),
            _const(o.name("shift"), "int32_t", shifts))


def _spatial(o: _Op, options, in_h: int, in_w: int, k_h: int, k_w: int,
             out_h: int, out_w: int) -> tuple[int, int]:
    """Recomputes the output height/width from the options, compares them with the file and
    returns (pad_h, pad_w)."""
    dil_h = getattr(options, "dilation_h", 1)
    dil_w = getattr(options, "dilation_w", 1)
    oh, pad_h = _padding(options.padding, in_h, k_h, options.stride_h, dil_h)
    ow, pad_w = _padding(options.padding, in_w, k_w, options.stride_w, dil_w)
    if oh < 1 or ow < 1:
        o.bad_file(f"{options.padding.name} padding of a {in_h}x{in_w} input with a {k_h}x{k_w} "
                   f"window (dilation {dil_h}x{dil_w}) leaves no output")
    if (oh, ow) != (out_h, out_w):
        o.bad_file(f"output is {out_h}x{out_w}, but {options.padding.name} padding with stride "
                   f"{options.stride_h}x{options.stride_w}, dilation {dil_h}x{dil_w} and a "
                   f"{k_h}x{k_w} window over {in_h}x{in_w} gives {oh}x{ow}")
    return pad_h, pad_w


def _conv_params(o: _Op, inp: Tensor, filt_dims: tuple[int, ...], out: Tensor, options,
                 pad_h: int, pad_w: int, in_zp: int, out_zp: int,
                 act: tuple[int, int], bias: np.ndarray | None) -> list[tuple[str, str]]:
    return [
        ("input", _dims(inp.shape)), ("filter", _dims(filt_dims)), ("output", _dims(out.shape)),
        ("stride_h", str(options.stride_h)), ("stride_w", str(options.stride_w)),
        ("dilation_h", str(options.dilation_h)), ("dilation_w", str(options.dilation_w)),
        ("pad_h", str(pad_h)), ("pad_w", str(pad_w)),
        ("input_offset", str(-in_zp)), ("output_offset", str(out_zp)),
        ("act_min", str(act[0])), ("act_max", str(act[1])),
        ("filter_data", o.name("filter")),
        ("bias", o.name("bias") if bias is not None else "NULL"),
        ("multiplier", o.name("multiplier")), ("shift", o.name("shift")),
    ]


# ---- CONV_2D ----

def lower_conv2d(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    options = op.options
    if not isinstance(options, Conv2DOptions):
        o.bad_file("has no Conv2DOptions")
    inp = o.input(0, "input")
    filt = o.input(1, "filter")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input", rank=4)
    out_scale, out_zp = o.activation(out, "output", rank=4)
    n, in_h, in_w, in_c = inp.shape
    if len(filt.shape) != 4:
        o.bad_file(f"filter tensor '{filt.name}' has shape {list(filt.shape)}; expected OHWI")
    out_c, k_h, k_w, k_c = filt.shape
    if min(filt.shape) < 1:
        o.bad_file(f"filter tensor '{filt.name}' has an empty shape {list(filt.shape)}")
    filter_scales, _ = o.weights(filt, "filter", out_c, axis=0, rank=4)
    bias = o.bias(o.input(2, "bias", optional=True), out_c)
    if in_c % k_c != 0 or out_c % (in_c // k_c) != 0:
        o.bad_file(f"filter has {k_c} input channels and {out_c} outputs for an input with "
                   f"{in_c} channels (neither a plain nor a grouped convolution)")
    if out.shape[0] != n or out.shape[3] != out_c:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for {n} batches and "
                   f"{out_c} filters")
    pad_h, pad_w = _spatial(o, options, in_h, in_w, k_h, k_w, out.shape[1], out.shape[2])

    weights = np.asarray(filt.data, dtype=np.int8)
    o.accumulator_fits(np.abs(weights.astype(np.int64)).reshape(out_c, -1).sum(axis=1), in_zp, bias)
    mults, shifts = o.multipliers(in_scale, filter_scales, out_scale, out_c)
    act = o.activation_range(options.activation, out_scale, out_zp)

    constants = [_const(o.name("filter"), "int8_t", weights)]
    if bias is not None:
        constants.append(_const(o.name("bias"), "int32_t", bias))
    constants.extend(_requant_constants(o, mults, shifts))
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_conv2d_s8",
        params_type="mf_conv2d_params",
        params=tuple(_conv_params(o, inp, (out_c, k_h, k_w, k_c), out, options, pad_h, pad_w,
                                  in_zp, out_zp, act, bias)),
        inputs=(inp.index,), outputs=(out.index,), constants=tuple(constants),
        macs=int(n * out.shape[1] * out.shape[2] * out_c * k_h * k_w * k_c),
    )


# ---- DEPTHWISE_CONV_2D ----

def lower_depthwise_conv2d(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    options = op.options
    if not isinstance(options, DepthwiseConv2DOptions):
        o.bad_file("has no DepthwiseConv2DOptions")
    inp = o.input(0, "input")
    filt = o.input(1, "filter")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input", rank=4)
    out_scale, out_zp = o.activation(out, "output", rank=4)
    n, in_h, in_w, in_c = inp.shape
    if len(filt.shape) != 4 or filt.shape[0] != 1:
        o.bad_file(f"filter tensor '{filt.name}' has shape {list(filt.shape)}; expected "
                   f"[1, height, width, channels * depth_multiplier]")
    _, k_h, k_w, out_c = filt.shape
    if min(filt.shape) < 1:
        o.bad_file(f"filter tensor '{filt.name}' has an empty shape {list(filt.shape)}")
    mult = options.depth_multiplier
    if mult < 1 or out_c != in_c * mult:
        o.bad_file(f"depth_multiplier {mult} with {in_c} input channels does not give the "
                   f"filter's {out_c} output channels")
    filter_scales, _ = o.weights(filt, "filter", out_c, axis=3, rank=4)
    bias = o.bias(o.input(2, "bias", optional=True), out_c)
    if out.shape[0] != n or out.shape[3] != out_c:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for {n} batches and "
                   f"{out_c} channels")
    pad_h, pad_w = _spatial(o, options, in_h, in_w, k_h, k_w, out.shape[1], out.shape[2])

    weights = np.asarray(filt.data, dtype=np.int8)
    o.accumulator_fits(np.abs(weights.astype(np.int64)).reshape(-1, out_c).sum(axis=0), in_zp, bias)
    mults, shifts = o.multipliers(in_scale, filter_scales, out_scale, out_c)
    act = o.activation_range(options.activation, out_scale, out_zp)

    constants = [_const(o.name("filter"), "int8_t", weights)]
    if bias is not None:
        constants.append(_const(o.name("bias"), "int32_t", bias))
    constants.extend(_requant_constants(o, mults, shifts))
    params = _conv_params(o, inp, (1, k_h, k_w, out_c), out, options, pad_h, pad_w, in_zp,
                          out_zp, act, bias)
    params.insert(9, ("depth_multiplier", str(mult)))
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_depthwise_conv2d_s8",
        params_type="mf_depthwise_conv2d_params", params=tuple(params),
        inputs=(inp.index,), outputs=(out.index,), constants=tuple(constants),
        macs=int(n * out.shape[1] * out.shape[2] * out_c * k_h * k_w),
    )


# ---- FULLY_CONNECTED ----

def lower_fully_connected(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    options = op.options if op.options is not None else FullyConnectedOptions()
    if not isinstance(options, FullyConnectedOptions):
        o.bad_file("has options that are not FullyConnectedOptions")
    inp = o.input(0, "input")
    filt = o.input(1, "weights")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input")
    out_scale, out_zp = o.activation(out, "output")
    if len(filt.shape) != 2 or min(filt.shape) < 1:
        o.bad_file(f"weights tensor '{filt.name}' has shape {list(filt.shape)}; expected "
                   f"[units, depth]")
    units, depth = filt.shape
    filter_scales, filter_zp = o.weights(filt, "weights", units, axis=0, rank=2,
                                         allow_zero_point=True)
    per_channel = len(filter_scales) > 1
    bias = o.bias(o.input(2, "bias", optional=True), units)
    if len(out.shape) < 1 or out.shape[-1] != units:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for {units} units")
    batches = out.num_elements // units
    if inp.num_elements != batches * depth:
        o.bad_file(f"input tensor '{inp.name}' has {inp.num_elements} values; {batches} "
                   f"batches of depth {depth} need {batches * depth}")

    weights = np.asarray(filt.data, dtype=np.int8)
    o.accumulator_fits(np.abs(weights.astype(np.int64) - filter_zp).sum(axis=1), in_zp, bias)
    if per_channel:
        mults, shifts = o.multipliers(in_scale, filter_scales, out_scale, units)
    else:
        bias_t = o.input(2, "bias", optional=True)
        if bias_t is not None:
            bias_scale = bias_t.quant.scale[0] if bias_t.quant is not None else 0.0
            if not quant.fc_bias_scale_ok(in_scale, filter_scales[0], bias_scale, out_scale):
                o.bad_file(f"bias scale {bias_scale:.6g} does not match input scale x weights "
                           f"scale = {in_scale * filter_scales[0]:.6g} (TFLite-Micro rejects it)")
        mults, shifts = o.multipliers(in_scale, filter_scales[:1], out_scale, 1,
                                      effective=quant.fc_per_tensor_effective_scale)
    act = o.activation_range(options.activation, out_scale, out_zp)

    constants = [_const(o.name("filter"), "int8_t", weights)]
    if bias is not None:
        constants.append(_const(o.name("bias"), "int32_t", bias))
    constants.extend(_requant_constants(o, mults, shifts))
    params = [
        ("batches", str(batches)), ("accum_depth", str(depth)), ("output_depth", str(units)),
        ("input_offset", str(-in_zp)),
        # TFLite-Micro's per-channel kernel ignores the weights' zero point (checked to be 0)
        ("filter_offset", str(0 if per_channel else -filter_zp)),
        ("output_offset", str(out_zp)),
        ("act_min", str(act[0])), ("act_max", str(act[1])),
        ("per_channel", "1" if per_channel else "0"),
        ("filter_data", o.name("filter")),
        ("bias", o.name("bias") if bias is not None else "NULL"),
        ("multiplier", o.name("multiplier")), ("shift", o.name("shift")),
    ]
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_fully_connected_s8",
        params_type="mf_fully_connected_params", params=tuple(params),
        inputs=(inp.index,), outputs=(out.index,), constants=tuple(constants),
        macs=int(batches * units * depth),
    )


# ---- AVERAGE_POOL_2D / MAX_POOL_2D ----

def _lower_pool(graph: Graph, op: Operator, function: str) -> KernelCall:
    o = _Op(graph, op)
    options = op.options
    if not isinstance(options, Pool2DOptions):
        o.bad_file("has no Pool2DOptions")
    inp = o.input(0, "input")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input", rank=4)
    out_scale, out_zp = o.activation(out, "output", rank=4)
    scale_diff = abs(float(np.float32(in_scale) - np.float32(out_scale)))
    if scale_diff > POOL_SCALE_TOLERANCE or in_zp != out_zp:
        o.unsupported(f"input (scale {in_scale:.6g}, zero point {in_zp}) and output (scale "
                      f"{out_scale:.6g}, zero point {out_zp}) quantization differ; pooling needs "
                      f"them equal")
    n, in_h, in_w, ch = inp.shape
    if out.shape[0] != n or out.shape[3] != ch:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for input "
                   f"{list(inp.shape)}")
    pad_h, pad_w = _spatial(o, options, in_h, in_w, options.filter_h, options.filter_w,
                            out.shape[1], out.shape[2])
    # every window must overlap the input (TFLite-Micro's average pool fails on an empty one)
    axes = ((in_h, options.stride_h, pad_h, options.filter_h, out.shape[1]),
            (in_w, options.stride_w, pad_w, options.filter_w, out.shape[2]))
    for size, stride, pad, k, count in axes:
        for i in range(count):
            start = i * stride - pad
            if start + k <= 0 or start >= size:
                o.unsupported(f"pooling window {i} lies entirely in the padding")
    act = o.activation_range(options.activation, out_scale, out_zp)
    params = [
        ("input", _dims(inp.shape)), ("output", _dims(out.shape)),
        ("stride_h", str(options.stride_h)), ("stride_w", str(options.stride_w)),
        ("filter_h", str(options.filter_h)), ("filter_w", str(options.filter_w)),
        ("pad_h", str(pad_h)), ("pad_w", str(pad_w)),
        ("act_min", str(act[0])), ("act_max", str(act[1])),
    ]
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function=function, params_type="mf_pool2d_params",
        params=tuple(params), inputs=(inp.index,), outputs=(out.index,), constants=(), macs=0,
    )


def lower_average_pool2d(graph: Graph, op: Operator) -> KernelCall:
    return _lower_pool(graph, op, "mf_avg_pool2d_s8")


def lower_max_pool2d(graph: Graph, op: Operator) -> KernelCall:
    return _lower_pool(graph, op, "mf_max_pool2d_s8")


# ---- SOFTMAX ----

def lower_softmax(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    options = op.options if op.options is not None else SoftmaxOptions(beta=0.0)
    if not isinstance(options, SoftmaxOptions):
        o.bad_file("has options that are not SoftmaxOptions")
    inp = o.input(0, "input")
    out = o.output()
    in_scale, _ = o.activation(inp, "input")
    out_scale, out_zp = o.activation(out, "output")
    if len(inp.shape) < 1:
        o.bad_file(f"input tensor '{inp.name}' is a scalar")
    if tuple(out.shape) != tuple(inp.shape):
        o.bad_file(f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}")
    if out_zp != quant.SOFTMAX_INT8_OUTPUT_ZERO_POINT or \
            float(np.float32(out_scale)) != quant.SOFTMAX_INT8_OUTPUT_SCALE:
        o.unsupported(f"int8 output must have scale 1/256 and zero point -128 (has "
                      f"{out_scale:.6g} and {out_zp})")
    depth = inp.shape[-1]
    if depth > SOFTMAX_MAX_DEPTH:
        o.unsupported(f"softmax over {depth} values; at most {SOFTMAX_MAX_DEPTH} are supported")
    try:
        multiplier, left_shift, diff_min = quant.softmax_params(options.beta, in_scale)
    except quant.QuantError as err:
        o.unsupported(str(err))
    params = [
        ("rows", str(inp.num_elements // depth)), ("depth", str(depth)),
        ("input_multiplier", str(multiplier)), ("input_left_shift", str(left_shift)),
        ("diff_min", str(diff_min)),
    ]
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_softmax_s8",
        params_type="mf_softmax_params", params=tuple(params),
        inputs=(inp.index,), outputs=(out.index,), constants=(), macs=0,
    )


# ---- RESHAPE ----

def lower_reshape(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    inp = o.input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    shape_t = o.input(1, "shape", optional=True)
    if shape_t is not None and not shape_t.is_constant:
        o.unsupported(f"shape tensor '{shape_t.name}' is computed at run time")
    if inp.num_elements != out.num_elements:
        o.bad_file(f"reshapes {list(inp.shape)} ({inp.num_elements} values) to "
                   f"{list(out.shape)} ({out.num_elements} values)")
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_copy_s8",
        params_type="mf_copy_params", params=(("size", str(inp.nbytes)),),
        inputs=(inp.index,), outputs=(out.index,), constants=(), macs=0,
    )


# ---- shape helpers for the element-wise, movement and reduction ops ----

def _row_major_strides(shape: tuple[int, ...]) -> list[int]:
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return strides[::-1]


def _merge_dims(dims: list[int], strides: list[list[int]]) -> tuple[list[int], list[list[int]]]:
    """Drops extent-1 dimensions and merges each dimension into the one before it wherever every
    operand walks the pair as one run (outer stride == inner stride * inner extent; two zero
    strides qualify too). ``strides`` has one list per operand. Returns at least one dimension."""
    keep = [d for d in range(len(dims)) if dims[d] != 1]
    out_dims: list[int] = []
    out_strides: list[list[int]] = [[] for _ in strides]
    for d in keep:
        if out_dims and all(s_out[-1] == s[d] * dims[d] for s_out, s in zip(out_strides, strides)):
            out_dims[-1] *= dims[d]
            for s_out, s in zip(out_strides, strides):
                s_out[-1] = s[d]
        else:
            out_dims.append(dims[d])
            for s_out, s in zip(out_strides, strides):
                s_out.append(s[d])
    if not out_dims:
        return [1], [[1] for _ in strides]
    return out_dims, out_strides


def _array(values) -> str:
    return "{" + ", ".join(str(int(v)) for v in values) + "}"


def _int32_constant(o: _Op, k: int, role: str) -> np.ndarray:
    t = o.input(k, role)
    if not t.is_constant:
        o.unsupported(f"{role} tensor '{t.name}' is computed at run time; it must be a constant")
    if t.dtype is not DType.INT32:
        o.unsupported(f"{role} tensor '{t.name}' is {t.dtype.name.lower()}; TFLite-Micro reads "
                      f"it as int32")
    return np.asarray(t.data, dtype=np.int64).reshape(-1)


def _same_quantization(a: tuple[float, int], b: tuple[float, int]) -> bool:
    """Scale (float32 values, compared exactly as TFLite-Micro does in double) and zero point."""
    return float(np.float32(a[0])) == float(np.float32(b[0])) and a[1] == b[1]


# ---- ADD ----

def lower_add(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    options = op.options if op.options is not None else AddOptions()
    if not isinstance(options, AddOptions):
        o.bad_file("has options that are not AddOptions")
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; ADD takes 2")
    in1, in2 = o.input(0, "input 1"), o.input(1, "input 2")
    out = o.output()
    s1, zp1 = o.activation(in1, "input 1")
    s2, zp2 = o.activation(in2, "input 2")
    so, zpo = o.activation(out, "output")
    try:
        shape = tuple(int(d) for d in np.broadcast_shapes(in1.shape, in2.shape))
    except ValueError:
        o.bad_file(f"input shapes {list(in1.shape)} and {list(in2.shape)} do not broadcast")
    if shape != tuple(out.shape):
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)}, but broadcasting "
                   f"{list(in1.shape)} with {list(in2.shape)} gives {list(shape)}")
    if len(shape) > MAX_DIMS:
        o.unsupported(f"{len(shape)}-dimensional tensors; at most {MAX_DIMS} are supported")

    def broadcast_strides(t: Tensor) -> list[int]:
        ext = (1,) * (len(shape) - len(t.shape)) + tuple(t.shape)
        natural = _row_major_strides(ext)
        return [0 if e == 1 and d != 1 else s for e, d, s in zip(ext, shape, natural)]

    dims, (st1, st2) = _merge_dims(list(shape), [broadcast_strides(in1), broadcast_strides(in2)])
    try:
        r = quant.add_rescale(s1, s2, so)
    except quant.QuantError as err:
        o.unsupported(str(err))
    act = o.activation_range(options.activation, so, zpo)
    params = [
        ("rank", str(len(dims))), ("output_dims", _array(dims)),
        ("input1_strides", _array(st1)), ("input2_strides", _array(st2)),
        ("input1_offset", str(-zp1)), ("input2_offset", str(-zp2)),
        ("left_shift", str(r.left_shift)),
        ("input1_multiplier", str(r.input1_multiplier)), ("input1_shift", str(r.input1_shift)),
        ("input2_multiplier", str(r.input2_multiplier)), ("input2_shift", str(r.input2_shift)),
        ("output_multiplier", str(r.output_multiplier)), ("output_shift", str(r.output_shift)),
        ("output_offset", str(zpo)),
        ("act_min", str(act[0])), ("act_max", str(act[1])),
    ]
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_add_s8", params_type="mf_add_params",
        params=tuple(params), inputs=(in1.index, in2.index), outputs=(out.index,),
        constants=(), macs=0,
    )


# ---- PAD / PADV2 ----

def lower_pad(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    v2 = op.opcode == "PADV2"
    if len(op.inputs) not in ((2, 3) if v2 else (2,)):
        o.bad_file(f"has {len(op.inputs)} inputs")
    inp = o.input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    out_q = o.activation(out, "output")
    rank = len(inp.shape)
    if rank > PAD_MAX_INPUT_DIMS:
        o.unsupported(f"{rank}-dimensional input; TFLite-Micro pads at most "
                      f"{PAD_MAX_INPUT_DIMS} dimensions")
    paddings = _int32_constant(o, 1, "paddings")
    if paddings.size != 2 * len(out.shape) or len(out.shape) != rank:
        o.bad_file(f"paddings have {paddings.size} values for a {rank}-dimensional input and a "
                   f"{len(out.shape)}-dimensional output")
    before, after = paddings[0::2].tolist(), paddings[1::2].tolist()
    if min(before + after) < 0:
        o.unsupported(f"negative paddings {paddings.reshape(-1, 2).tolist()} (cropping)")
    expected = tuple(int(i + b + a) for i, b, a in zip(inp.shape, before, after))
    o.expect_shape(out, expected, f"padding {list(inp.shape)} by {paddings.reshape(-1, 2).tolist()}")
    # Input values are copied as they are (TFLite-Micro does not compare the input's and the
    # output's quantization; the converter always makes them equal).
    pad_value = out_q[1]
    constant = o.input(2, "constant value", optional=True) if v2 else None
    if constant is not None:
        if not constant.is_constant or constant.dtype is not DType.INT8:
            o.unsupported(f"constant value tensor '{constant.name}' must be a constant int8")
        if constant.num_elements != 1:
            o.bad_file(f"constant value tensor '{constant.name}' has {constant.num_elements} "
                       f"values; expected one")
        cq = constant.quant
        if cq is None or cq.per_channel or not _same_quantization(
                (cq.scale[0], cq.zero_point[0]), out_q):
            o.unsupported(f"constant value tensor '{constant.name}' is not quantized like the "
                          f"output (TFLite-Micro requires the same scale and zero point)")
        pad_value = int(np.asarray(constant.data).reshape(-1)[0])

    # merge an outer dimension into the next one when the next one is not padded
    dims: list[list[int]] = []          # [extent, before, after], outermost first
    for extent, b, a in zip(inp.shape, before, after):
        if extent == 1 and b == 0 and a == 0:
            continue
        if dims and b == 0 and a == 0:
            prev = dims[-1]
            dims[-1] = [prev[0] * extent, prev[1] * extent, prev[2] * extent]
        else:
            dims.append([int(extent), int(b), int(a)])
    if not dims:
        dims = [[1, 0, 0]]
    params = [
        ("rank", str(len(dims))), ("input_dims", _array(d[0] for d in dims)),
        ("pad_before", _array(d[1] for d in dims)), ("pad_after", _array(d[2] for d in dims)),
        ("pad_value", str(pad_value)),
    ]
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_pad_s8", params_type="mf_pad_params",
        params=tuple(params), inputs=(inp.index,), outputs=(out.index,), constants=(), macs=0,
    )


# ---- MEAN ----

def lower_mean(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    options = op.options if op.options is not None else ReducerOptions()
    if not isinstance(options, ReducerOptions):
        o.bad_file("has options that are not ReducerOptions")
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; MEAN takes an input and the axes")
    inp = o.input(0, "input")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input")
    out_scale, out_zp = o.activation(out, "output")
    rank = len(inp.shape)
    if rank > MAX_DIMS:
        o.unsupported(f"{rank}-dimensional input; at most {MAX_DIMS} are supported")
    axes = set()
    for a in _int32_constant(o, 1, "axis").tolist():
        if not -rank <= a < rank:
            o.bad_file(f"axis {a} is out of range for a {rank}-dimensional input")
        axes.add(a % rank)
    if options.keep_dims:
        expected = tuple(1 if d in axes else e for d, e in enumerate(inp.shape))
    else:
        expected = tuple(e for d, e in enumerate(inp.shape) if d not in axes)
    o.expect_shape(out, expected, f"the mean over axes {sorted(axes)} of {list(inp.shape)} "
                                  f"(keep_dims={options.keep_dims})")
    count = 1
    for d in axes:
        count *= inp.shape[d]
    if count > MEAN_MAX_COUNT:
        o.unsupported(f"mean over {count:,} values; at most {MEAN_MAX_COUNT:,} are supported")
    try:
        multiplier, shift = quant.mean_multiplier(in_scale, out_scale, count)
    except quant.QuantError as err:
        o.unsupported(str(err))

    # drop extent-1 dimensions, merge neighbours that are both reduced or both kept
    dims: list[list[int]] = []          # [extent, reduced]
    for d, extent in enumerate(inp.shape):
        if extent == 1:
            continue
        flag = 1 if d in axes else 0
        if dims and dims[-1][1] == flag:
            dims[-1][0] *= extent
        else:
            dims.append([int(extent), flag])
    if not dims:
        dims = [[1, 0]]
    params = [
        ("rank", str(len(dims))), ("input_dims", _array(d[0] for d in dims)),
        ("reduced", _array(d[1] for d in dims)), ("count", str(count)),
        ("sum_offset", str(-in_zp * count)),
        ("multiplier", str(multiplier)), ("shift", str(shift)),
        ("output_offset", str(out_zp)),
    ]
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_mean_s8", params_type="mf_mean_params",
        params=tuple(params), inputs=(inp.index,), outputs=(out.index,), constants=(), macs=0,
    )


# ---- CONCATENATION ----

def lower_concatenation(graph: Graph, op: Operator) -> KernelCall:
    o = _Op(graph, op)
    options = op.options
    if not isinstance(options, ConcatenationOptions):
        o.bad_file("has no ConcatenationOptions")
    out = o.output()
    out_q = o.activation(out, "output")
    rank = len(out.shape)
    if not 1 <= len(op.inputs) <= CONCATENATION_MAX_INPUTS:
        o.unsupported(f"{len(op.inputs)} inputs; at most {CONCATENATION_MAX_INPUTS} are supported")
    if options.activation is not Activation.NONE:
        o.unsupported(f"fused activation {options.activation.name} (TFLite-Micro accepts none)")
    if rank > MAX_DIMS:
        o.unsupported(f"{rank}-dimensional tensors; at most {MAX_DIMS} are supported")
    axis = options.axis + rank if options.axis < 0 else options.axis
    if not 0 <= axis < rank:
        o.bad_file(f"axis {options.axis} is out of range for a {rank}-dimensional output")
    inputs = [o.input(k, f"input {k}") for k in range(len(op.inputs))]
    total = 0
    for k, t in enumerate(inputs):
        q = o.activation(t, f"input {k}", rank=rank)
        if not _same_quantization(q, out_q):
            o.unsupported(f"input {k} '{t.name}' (scale {q[0]:.6g}, zero point {q[1]}) and the "
                          f"output (scale {out_q[0]:.6g}, zero point {out_q[1]}) are quantized "
                          f"differently; TFLite-Micro's int8 concatenation does not requantize")
        if any(t.shape[d] != out.shape[d] for d in range(rank) if d != axis):
            o.bad_file(f"input {k} '{t.name}' has shape {list(t.shape)}, which does not match "
                       f"the output {list(out.shape)} outside axis {axis}")
        total += t.shape[axis]
    if total != out.shape[axis]:
        o.bad_file(f"inputs add up to {total} along axis {axis}, the output has "
                   f"{out.shape[axis]}")
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    inner = int(np.prod(out.shape[axis + 1:], dtype=np.int64))
    params = [
        ("num_inputs", str(len(inputs))), ("outer", str(outer)),
        ("input_sizes", _array(t.shape[axis] * inner for t in inputs)),
    ]
    return KernelCall(
        op_index=op.index, opcode=op.opcode, function="mf_concatenation_s8",
        params_type="mf_concatenation_params", params=tuple(params),
        inputs=tuple(t.index for t in inputs), outputs=(out.index,), constants=(), macs=0,
    )


LOWERINGS: dict[str, Lowering] = {
    "ADD": lower_add,
    "AVERAGE_POOL_2D": lower_average_pool2d,
    "CONCATENATION": lower_concatenation,
    "CONV_2D": lower_conv2d,
    "DEPTHWISE_CONV_2D": lower_depthwise_conv2d,
    "FULLY_CONNECTED": lower_fully_connected,
    "MAX_POOL_2D": lower_max_pool2d,
    "MEAN": lower_mean,
    "PAD": lower_pad,
    "PADV2": lower_pad,
    "RESHAPE": lower_reshape,
    "SOFTMAX": lower_softmax,
}

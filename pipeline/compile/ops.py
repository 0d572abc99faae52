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
from ..tflite.graph import (Conv2DOptions, DepthwiseConv2DOptions, DType, FullyConnectedOptions,
                            Graph, Operator, Padding, Pool2DOptions, SoftmaxOptions, Tensor)
from . import quant
from .program import ConstArray, KernelCall

Lowering = Callable[[Graph, Operator], KernelCall]

SOFTMAX_MAX_DEPTH = 4095      # keeps the kernel's Q12.19 sum of exponentials below 2^31
POOL_SCALE_TOLERANCE = 1e-6   # TFLite-Micro's check that pooling input and output scales agree


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


LOWERINGS: dict[str, Lowering] = {
    "AVERAGE_POOL_2D": lower_average_pool2d,
    "CONV_2D": lower_conv2d,
    "DEPTHWISE_CONV_2D": lower_depthwise_conv2d,
    "FULLY_CONNECTED": lower_fully_connected,
    "MAX_POOL_2D": lower_max_pool2d,
    "RESHAPE": lower_reshape,
    "SOFTMAX": lower_softmax,
}

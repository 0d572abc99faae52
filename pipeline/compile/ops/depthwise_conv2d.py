"""DEPTHWISE_CONV_2D -> mf_depthwise_conv2d_s8 (firmware/kernels/depthwise_conv2d.c), or for
int16 activations with int8 weights (TFLite "16x8") mf_depthwise_conv2d_s16
(depthwise_conv2d_s16.c)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...tflite.graph import DepthwiseConv2DOptions, DType, Graph, Operator
from ..params import CStruct, Dims, const_ptr, i32, nested
from ..program import ConstArray, KernelCall
from .context import OpContext
from .spatial import check_spatial

OPCODES = ("DEPTHWISE_CONV_2D",)


@dataclass(frozen=True)
class DepthwiseConv2DParams(CStruct):
    """mf_depthwise_conv2d_params (firmware/kernels/depthwise_conv2d.h)."""

    C_TYPE: ClassVar[str] = "mf_depthwise_conv2d_params"
    input: Dims = nested(Dims)
    filter: Dims = nested(Dims)      # [1, fh, fw, c_out]
    output: Dims = nested(Dims)
    stride_h: int = i32()
    stride_w: int = i32()
    dilation_h: int = i32()
    dilation_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    depth_multiplier: int = i32()
    input_offset: int = i32()
    output_offset: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    filter_data: ConstArray = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int32_t")
    multiplier: ConstArray = const_ptr("int32_t")
    shift: ConstArray = const_ptr("int32_t")


@dataclass(frozen=True)
class DepthwiseConv2DS16Params(CStruct):
    """mf_depthwise_conv2d_s16_params (firmware/kernels/depthwise_conv2d_s16.h)."""

    C_TYPE: ClassVar[str] = "mf_depthwise_conv2d_s16_params"
    input: Dims = nested(Dims)
    filter: Dims = nested(Dims)      # [1, fh, fw, c_out]
    output: Dims = nested(Dims)
    stride_h: int = i32()
    stride_w: int = i32()
    dilation_h: int = i32()
    dilation_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    depth_multiplier: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    filter_data: ConstArray = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int64_t")
    multiplier: ConstArray = const_ptr("int32_t")
    shift: ConstArray = const_ptr("int32_t")


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(DepthwiseConv2DOptions)
    inp = o.required_input(0, "input")
    filt = o.required_input(1, "filter")
    out = o.output()
    s16 = inp.dtype is DType.INT16
    act_type = DType.INT16 if s16 else DType.INT8
    in_scale, in_zp = o.activation(inp, "input", rank=4, dtype=act_type)
    out_scale, out_zp = o.activation(out, "output", rank=4, dtype=act_type)
    if s16:
        o.symmetric(inp, "input", in_zp)
        o.symmetric(out, "output", out_zp)
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
    bias_t = o.input(2, "bias", optional=True)
    if s16:
        bias, acc64 = o.bias_s16(bias_t, out_c)
        if bias_t is not None and not acc64:
            # TFLite-Micro's int16 depthwise kernel reads the bias as int64 whatever its type
            o.unsupported(f"bias tensor '{bias_t.name}' is int32; TFLite-Micro's int16 "
                          f"DEPTHWISE_CONV_2D takes an int64 bias only")
    else:
        bias = o.bias(bias_t, out_c)
    if out.shape[0] != n or out.shape[3] != out_c:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for {n} batches and "
                   f"{out_c} channels")
    pad_h, pad_w = check_spatial(o, options, in_h, in_w, k_h, k_w, out.shape[1], out.shape[2])

    weights = np.asarray(filt.data, dtype=np.int8)
    o.accumulator_fits(np.abs(weights.astype(np.int64)).reshape(-1, out_c).sum(axis=0), in_zp,
                       bias, act_type, bits=48 if s16 else 32)
    mults, shifts = o.multipliers(in_scale, filter_scales, out_scale, out_c)
    act = o.activation_range(options.activation, out_scale, out_zp, act_type)
    macs = int(n * out.shape[1] * out.shape[2] * out_c * k_h * k_w)
    # the fields both structs share; the int16 one has no offsets and an int64 bias
    common: dict[str, Any] = dict(
        input=Dims.of(inp.shape), filter=Dims(1, k_h, k_w, out_c), output=Dims.of(out.shape),
        stride_h=options.stride_h, stride_w=options.stride_w,
        dilation_h=options.dilation_h, dilation_w=options.dilation_w,
        pad_h=pad_h, pad_w=pad_w, depth_multiplier=mult, act_min=act[0], act_max=act[1],
        filter_data=o.const("filter", "int8_t", weights),
        bias=(o.const("bias", "int64_t" if s16 else "int32_t", bias)
              if bias is not None else None),
        multiplier=o.const("multiplier", "int32_t", mults),
        shift=o.const("shift", "int32_t", shifts),
    )
    if s16:
        o.requant64_fits(shifts)
        return KernelCall.of(op, "depthwise_conv2d_s16", "mf_depthwise_conv2d_s16",
                             DepthwiseConv2DS16Params(**common), (inp.index,), (out.index,),
                             macs=macs, arg_types=("int16_t", "int16_t"))
    params = DepthwiseConv2DParams(**common, input_offset=-in_zp, output_offset=out_zp)
    return KernelCall.of(op, "depthwise_conv2d", "mf_depthwise_conv2d_s8", params, (inp.index,),
                         (out.index,), macs=macs)

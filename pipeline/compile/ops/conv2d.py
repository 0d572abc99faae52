"""CONV_2D -> mf_conv2d_s8 (firmware/kernels/conv2d.c): per-channel int8, plain or grouped; for
int16 activations with int8 weights (TFLite "16x8") mf_conv2d_s16 (conv2d_s16.c)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...tflite.graph import Conv2DOptions, DType, Graph, Operator
from ..params import CStruct, Dims, const_ptr, i32, nested
from ..program import ConstArray, KernelCall
from .context import OpContext
from .spatial import check_spatial

OPCODES = ("CONV_2D",)


@dataclass(frozen=True)
class Conv2DParams(CStruct):
    """mf_conv2d_params (firmware/kernels/conv2d.h)."""

    C_TYPE: ClassVar[str] = "mf_conv2d_params"
    input: Dims = nested(Dims)
    filter: Dims = nested(Dims)
    output: Dims = nested(Dims)
    stride_h: int = i32()
    stride_w: int = i32()
    dilation_h: int = i32()
    dilation_w: int = i32()
    pad_h: int = i32()           # top and left padding; bottom/right implied by the output
    pad_w: int = i32()
    input_offset: int = i32()    # -input zero point
    output_offset: int = i32()   # +output zero point
    act_min: int = i32()
    act_max: int = i32()
    filter_data: ConstArray = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int32_t")
    multiplier: ConstArray = const_ptr("int32_t")
    shift: ConstArray = const_ptr("int32_t")


@dataclass(frozen=True)
class Conv2DS16Params(CStruct):
    """mf_conv2d_s16_params (firmware/kernels/conv2d_s16.h)."""

    C_TYPE: ClassVar[str] = "mf_conv2d_s16_params"
    input: Dims = nested(Dims)
    filter: Dims = nested(Dims)
    output: Dims = nested(Dims)
    stride_h: int = i32()
    stride_w: int = i32()
    dilation_h: int = i32()
    dilation_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    acc64: int = i32()           # 1: int64 bias or none, 64-bit accumulator; 0: int32 bias
    filter_data: ConstArray = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int64_t")
    multiplier: ConstArray = const_ptr("int32_t")
    shift: ConstArray = const_ptr("int32_t")


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(Conv2DOptions)
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
    if len(filt.shape) != 4:
        o.bad_file(f"filter tensor '{filt.name}' has shape {list(filt.shape)}; expected OHWI")
    out_c, k_h, k_w, k_c = filt.shape
    if min(filt.shape) < 1:
        o.bad_file(f"filter tensor '{filt.name}' has an empty shape {list(filt.shape)}")
    filter_scales, _ = o.weights(filt, "filter", out_c, axis=0, rank=4)
    bias_t = o.input(2, "bias", optional=True)
    if s16:
        bias, acc64 = o.bias_s16(bias_t, out_c)
    else:
        bias, acc64 = o.bias(bias_t, out_c), False
    if in_c % k_c != 0 or out_c % (in_c // k_c) != 0:
        o.bad_file(f"filter has {k_c} input channels and {out_c} outputs for an input with "
                   f"{in_c} channels (neither a plain nor a grouped convolution)")
    if out.shape[0] != n or out.shape[3] != out_c:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for {n} batches and "
                   f"{out_c} filters")
    pad_h, pad_w = check_spatial(o, options, in_h, in_w, k_h, k_w, out.shape[1], out.shape[2])

    weights = np.asarray(filt.data, dtype=np.int8)
    o.accumulator_fits(np.abs(weights.astype(np.int64)).reshape(out_c, -1).sum(axis=1), in_zp,
                       bias, act_type, bits=48 if acc64 else 32)
    mults, shifts = o.multipliers(in_scale, filter_scales, out_scale, out_c)
    if acc64:
        o.requant64_fits(shifts)
    act = o.activation_range(options.activation, out_scale, out_zp, act_type)
    macs = int(n * out.shape[1] * out.shape[2] * out_c * k_h * k_w * k_c)
    # the fields both structs share; the int16 one has no offsets and an int64 bias
    common: dict[str, Any] = dict(
        input=Dims.of(inp.shape), filter=Dims(out_c, k_h, k_w, k_c), output=Dims.of(out.shape),
        stride_h=options.stride_h, stride_w=options.stride_w,
        dilation_h=options.dilation_h, dilation_w=options.dilation_w,
        pad_h=pad_h, pad_w=pad_w, act_min=act[0], act_max=act[1],
        filter_data=o.const("filter", "int8_t", weights),
        bias=(o.const("bias", "int64_t" if s16 else "int32_t", bias)
              if bias is not None else None),
        multiplier=o.const("multiplier", "int32_t", mults),
        shift=o.const("shift", "int32_t", shifts),
    )
    if s16:
        return KernelCall.of(op, "conv2d_s16", "mf_conv2d_s16",
                             Conv2DS16Params(**common, acc64=1 if acc64 else 0), (inp.index,),
                             (out.index,), macs=macs, arg_types=("int16_t", "int16_t"))
    params = Conv2DParams(**common, input_offset=-in_zp, output_offset=out_zp)
    return KernelCall.of(op, "conv2d", "mf_conv2d_s8", params, (inp.index,), (out.index,),
                         macs=macs)

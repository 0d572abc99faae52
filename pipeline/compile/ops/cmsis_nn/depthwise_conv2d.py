"""DEPTHWISE_CONV_2D -> mf_cmsis_depthwise_conv2d_s8 (firmware/kernels/cmsis_nn/
depthwise_conv2d.c): arm_depthwise_conv_wrapper_s8.

CMSIS-NN covers everything the portable lowering accepts (any depth multiplier, dilations,
batches, padding, an absent bias); only extents, strides, paddings or dilations above 65,535
keep the portable kernel (CMSIS-NN's generic depthwise kernel holds them in 16 bits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...params import CStruct, const_ptr, nested
from ...program import ConstArray, KernelCall
from ..depthwise_conv2d import DepthwiseConv2DParams
from .support import above_uint16, adapted, scratch_context, sizes
from .types import (
    NnContext,
    NnDims,
    NnDwConvParams,
    NnPerChannelQuantParams,
    activation,
    dims,
    tile,
)

OPCODES = ("DEPTHWISE_CONV_2D",)


@dataclass(frozen=True)
class CmsisDepthwiseConv2DParams(CStruct):
    """mf_cmsis_depthwise_conv2d_params (firmware/kernels/cmsis_nn/depthwise_conv2d.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_depthwise_conv2d_params"
    ctx: NnContext = nested(NnContext)
    dw_conv_params: NnDwConvParams = nested(NnDwConvParams)
    quant_params: NnPerChannelQuantParams = nested(NnPerChannelQuantParams)
    input_dims: NnDims = nested(NnDims)
    filter_dims: NnDims = nested(NnDims)
    bias_dims: NnDims = nested(NnDims)
    output_dims: NnDims = nested(NnDims)
    filter_data: ConstArray = const_ptr("int8_t")
    bias_data: ConstArray | None = const_ptr("int32_t")


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, DepthwiseConv2DParams)
    big = above_uint16([*(getattr(p.input, a) for a in "nhwc"), *(getattr(p.filter, a) for a in "nhwc"),
                        *(getattr(p.output, a) for a in "nhwc"), p.stride_h, p.stride_w,
                        p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.depth_multiplier])
    if big is not None:
        return Fallback(f"a size of {big:,}: arm_depthwise_conv_s8 keeps extents, strides and "
                        f"paddings in 16 bits")
    conv = NnDwConvParams(
        input_offset=p.input_offset, output_offset=p.output_offset, ch_mult=p.depth_multiplier,
        stride=tile(p.stride_w, p.stride_h), padding=tile(p.pad_w, p.pad_h),
        dilation=tile(p.dilation_w, p.dilation_h), activation=activation(p.act_min, p.act_max))
    input_dims = dims(p.input.n, p.input.h, p.input.w, p.input.c)
    filter_dims = dims(1, p.filter.h, p.filter.w, p.filter.c)
    output_dims = dims(p.output.n, p.output.h, p.output.w, p.output.c)
    scratch = sizes(target).depthwise_conv_wrapper_s8(target.isa, conv, input_dims, filter_dims,
                                                      output_dims)
    params = CmsisDepthwiseConv2DParams(
        ctx=scratch_context(scratch), dw_conv_params=conv,
        quant_params=NnPerChannelQuantParams(multiplier=p.multiplier, shift=p.shift),
        input_dims=input_dims, filter_dims=filter_dims, bias_dims=dims(1, 1, 1, p.output.c),
        output_dims=output_dims, filter_data=p.filter_data, bias_data=p.bias)
    return adapted(call, "depthwise_conv2d", "mf_cmsis_depthwise_conv2d_s8", params, scratch)

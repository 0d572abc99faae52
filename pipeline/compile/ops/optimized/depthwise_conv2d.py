"""DEPTHWISE_CONV_2D -> mf_opt_depthwise_conv2d_3x3_dsp_s8 / mf_opt_depthwise_conv2d_dsp_s8
(firmware/kernels/optimized/depthwise_conv2d_dsp.c) on the DSP extension, and the _mve_ twins
(depthwise_conv2d_mve.c) on Helium.

Ahead of time: the weights are laid out in the order the inner loop reads them (DSP: int16,
doubled, in SXTB16 lane order, tap by tap; Helium: int16, by groups of 8 channels, tap by tap),
the input offset is folded into the bias (a padded tap reads a pixel of input zero points, which
contributes exactly zero), and the requantization constants are packed per group of channels.
Depth multipliers above 1 and dilation stay on the portable kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np

from ...backends import Fallback, Target
from ...params import CStruct, Dims, arena_ptr, const_ptr, i32, nested
from ...program import SCRATCH, ArenaRef, ConstArray, KernelCall
from ..depthwise_conv2d import DepthwiseConv2DParams
from . import common as cm

OPCODES = ("DEPTHWISE_CONV_2D",)


@dataclass(frozen=True)
class OptDepthwiseConv2DDspParams(CStruct):
    """mf_opt_depthwise_conv2d_dsp_params (firmware/kernels/optimized/depthwise_conv2d_dsp.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_depthwise_conv2d_dsp_params"
    input: Dims = nested(Dims)
    output: Dims = nested(Dims)
    k_h: int = i32()
    k_w: int = i32()
    stride_h: int = i32()
    stride_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    c_padded: int = i32()
    pad_value: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    weights: ConstArray = const_ptr("int16_t")
    quant: ConstArray = const_ptr("int32_t")
    scratch: ArenaRef = arena_ptr("int8_t")


@dataclass(frozen=True)
class OptDepthwiseConv2DMveParams(CStruct):
    """mf_opt_depthwise_conv2d_mve_params (firmware/kernels/optimized/depthwise_conv2d_mve.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_depthwise_conv2d_mve_params"
    input: Dims = nested(Dims)
    output: Dims = nested(Dims)
    k_h: int = i32()
    k_w: int = i32()
    stride_h: int = i32()
    stride_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    c_padded: int = i32()
    pad_value: int = i32()
    output_offset: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    weights: ConstArray = const_ptr("int16_t")
    quant: ConstArray = const_ptr("int32_t")
    scratch: ArenaRef = arena_ptr("int8_t")


def _taps_by_channel(p: DepthwiseConv2DParams) -> np.ndarray:
    """[c, taps]: channel c's weights (filter layout [1, k_h, k_w, c])."""
    return cm.values(p.filter_data).reshape(p.filter.h * p.filter.w, p.output.c).T


def _dsp(call: KernelCall) -> KernelCall | Fallback:
    p = cast(DepthwiseConv2DParams, call.params)   # the adapter of DepthwiseConv2DParams's opcodes
    c = p.output.c
    w = _taps_by_channel(p)
    quant = cm.dsp_quant(w, p.input_offset, cm.values(p.bias, c), cm.values(p.multiplier),
                         cm.values(p.shift), p.output_offset)
    if isinstance(quant, Fallback):
        return quant
    c_padded = cm.round_up(c, 4)
    taps = p.filter.h * p.filter.w
    weights = np.zeros((taps, c_padded), dtype=np.int64)
    weights[:, :c] = w.T
    weights = weights.reshape(taps, c_padded // 4, 4)[:, :, cm.SXTB16_ORDER] * 2
    q = np.zeros((c_padded, 4), dtype=np.int64)
    q[:c] = quant
    q[c:, 2] = 1      # padded channels: a harmless shift
    q = q.reshape(c_padded // 4, 4, 4).transpose(0, 2, 1)     # [group][field][channel]
    params = OptDepthwiseConv2DDspParams(
        input=p.input, output=p.output, k_h=p.filter.h, k_w=p.filter.w,
        stride_h=p.stride_h, stride_w=p.stride_w, pad_h=p.pad_h, pad_w=p.pad_w,
        c_padded=c_padded, pad_value=-p.input_offset, act_min=p.act_min, act_max=p.act_max,
        weights=cm.const(call, "weights_dsp", "int16_t", weights),
        quant=cm.const(call, "quant_dsp", "int32_t", q),
        scratch=SCRATCH)
    function = ("mf_opt_depthwise_conv2d_3x3_dsp_s8" if p.filter.h == p.filter.w == 3
                else "mf_opt_depthwise_conv2d_dsp_s8")
    return cm.adapted(call, "depthwise_conv2d_dsp", function, params, 4 * taps + c_padded)


def _mve(call: KernelCall) -> KernelCall | Fallback:
    p = cast(DepthwiseConv2DParams, call.params)   # the adapter of DepthwiseConv2DParams's opcodes
    c = p.output.c
    w = _taps_by_channel(p)
    bias = cm.folded_bias(w, p.input_offset, cm.values(p.bias, c))
    if (np.abs(bias) >= cm.INT32_LIMIT).any():
        return Fallback("the folded bias leaves int32")
    c_padded = cm.round_up(c, 8)
    taps = p.filter.h * p.filter.w

    def padded(a):
        out = np.zeros(c_padded, dtype=np.int64)
        out[:c] = a
        return out

    weights = np.zeros((c_padded, taps), dtype=np.int64)
    weights[:c] = w
    # [group of 8 channels][tap][8 channels]: the order the inner loop reads them
    weights = weights.reshape(c_padded // 8, 8, taps).transpose(0, 2, 1)
    shift = padded(cm.values(p.shift))
    fields = np.stack([padded(bias), padded(cm.values(p.multiplier)), np.maximum(shift, 0),
                       np.minimum(shift, 0)])                      # [field][channel]
    # [group of 8][field][even channels 0, 2, 4, 6 | odd 1, 3, 5, 7]
    quant = fields.reshape(4, c_padded // 8, 4, 2).transpose(1, 0, 3, 2)
    params = OptDepthwiseConv2DMveParams(
        input=p.input, output=p.output, k_h=p.filter.h, k_w=p.filter.w,
        stride_h=p.stride_h, stride_w=p.stride_w, pad_h=p.pad_h, pad_w=p.pad_w,
        c_padded=c_padded, pad_value=-p.input_offset, output_offset=p.output_offset,
        act_min=p.act_min, act_max=p.act_max,
        weights=cm.const(call, "weights_mve", "int16_t", weights),
        quant=cm.const(call, "quant_mve", "int32_t", quant),
        scratch=SCRATCH)
    if p.filter.h == p.filter.w == 3:     # a pad row and a 3 x 3 patch for the side borders
        function, scratch = "mf_opt_depthwise_conv2d_3x3_mve_s8", 12 * c
    else:                                 # tap pointers and a pad pixel
        function, scratch = "mf_opt_depthwise_conv2d_mve_s8", 4 * taps + c_padded
    return cm.adapted(call, "depthwise_conv2d_mve", function, params, scratch)


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    reason = cm.no_simd(target)
    if reason is not None:
        return reason
    p = cast(DepthwiseConv2DParams, call.params)   # the adapter of DepthwiseConv2DParams's opcodes
    if p.dilation_h != 1 or p.dilation_w != 1:
        return Fallback(f"dilation {p.dilation_h}x{p.dilation_w}: the optimized depthwise "
                        f"convolutions take dilation 1")
    if p.depth_multiplier != 1:
        return Fallback(f"depth multiplier {p.depth_multiplier}: the optimized depthwise "
                        f"convolutions take 1")
    return _mve(call) if target.isa == "mve" else _dsp(call)

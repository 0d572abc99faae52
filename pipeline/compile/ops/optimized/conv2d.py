"""CONV_2D -> mf_opt_conv2d_1x1_dsp_s8 / mf_opt_conv2d_dsp_s8 (firmware/kernels/optimized/
conv2d_dsp.c) on the DSP extension, mf_opt_conv2d_1x1_mve_s8 / mf_opt_conv2d_mve_s8
(conv2d_mve.c) on Helium.

Ahead of time: the weights are re-laid out in the order the inner loop reads them (DSP: int16,
doubled, SXTB16 lane order, channel pairs interleaved; Helium: int8 rows padded to 16 taps),
the input offset is folded into the bias (padded taps read the input zero point instead, which
contributes exactly zero, as in TFLite-Micro), and the requantization constants are packed per
channel. Dilation and grouped convolution stay on the portable kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np

from ...backends import Fallback, Target
from ...params import CStruct, Dims, arena_ptr, const_ptr, i32, nested
from ...program import SCRATCH, ArenaRef, ConstArray, KernelCall
from ..conv2d import Conv2DParams
from . import common as cm

OPCODES = ("CONV_2D",)


@dataclass(frozen=True)
class OptConv2DDspParams(CStruct):
    """mf_opt_conv2d_dsp_params (firmware/kernels/optimized/conv2d_dsp.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_conv2d_dsp_params"
    input: Dims = nested(Dims)
    output: Dims = nested(Dims)
    k_h: int = i32()
    k_w: int = i32()
    stride_h: int = i32()
    stride_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    k_padded: int = i32()
    pad_value: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    weights: ConstArray = const_ptr("int16_t")
    quant: ConstArray = const_ptr("int32_t")
    scratch: ArenaRef = arena_ptr("int8_t")


@dataclass(frozen=True)
class OptConv2DMveParams(CStruct):
    """mf_opt_conv2d_mve_params (firmware/kernels/optimized/conv2d_mve.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_conv2d_mve_params"
    input: Dims = nested(Dims)
    output: Dims = nested(Dims)
    k_h: int = i32()
    k_w: int = i32()
    stride_h: int = i32()
    stride_w: int = i32()
    pad_h: int = i32()
    pad_w: int = i32()
    k: int = i32()
    k_padded: int = i32()
    pad_value: int = i32()
    output_offset: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    weights: ConstArray = const_ptr("int8_t")
    quant: ConstArray = const_ptr("int32_t")
    scratch: ArenaRef = arena_ptr("int8_t")


def _common(call: KernelCall) -> Fallback | None:
    p = cast(Conv2DParams, call.params)   # the adapter of Conv2DParams's opcodes
    if p.dilation_h != 1 or p.dilation_w != 1:
        return Fallback(f"dilation {p.dilation_h}x{p.dilation_w}: the optimized convolutions "
                        f"take dilation 1")
    if p.filter.c != p.input.c:
        return Fallback(f"grouped convolution ({p.input.c // p.filter.c} groups): the optimized "
                        f"convolutions take one group")
    return None


def _rows(p: Conv2DParams) -> np.ndarray:
    return cm.values(p.filter_data).reshape(p.filter.n, -1)


def _dsp(call: KernelCall) -> KernelCall | Fallback:
    p = cast(Conv2DParams, call.params)   # the adapter of Conv2DParams's opcodes
    out_c = p.output.c
    w = _rows(p)
    k = w.shape[1]
    quant = cm.dsp_quant(w, p.input_offset, cm.values(p.bias, out_c), cm.values(p.multiplier),
                         cm.values(p.shift), p.output_offset)
    if isinstance(quant, Fallback):
        return quant
    one_by_one = p.filter.h == 1 and p.filter.w == 1 and p.pad_h == 0 and p.pad_w == 0
    k_padded = cm.round_up(k, 8)
    row_len = p.filter.w * p.input.c
    row_bytes = 0 if one_by_one else (row_len if row_len % 4 == 0 else k_padded)
    params = OptConv2DDspParams(
        input=p.input, output=p.output, k_h=p.filter.h, k_w=p.filter.w,
        stride_h=p.stride_h, stride_w=p.stride_w, pad_h=p.pad_h, pad_w=p.pad_w,
        k_padded=k_padded, pad_value=-p.input_offset, act_min=p.act_min, act_max=p.act_max,
        weights=cm.const(call, "weights_dsp", "int16_t",
                         cm.dsp_channel_pairs(cm.dsp_weight_rows(w, k_padded))),
        quant=cm.const(call, "quant_dsp", "int32_t", quant),
        scratch=SCRATCH)
    function = "mf_opt_conv2d_1x1_dsp_s8" if one_by_one else "mf_opt_conv2d_dsp_s8"
    return cm.adapted(call, "conv2d_dsp", function, params,
                      4 * k_padded + cm.round_up(row_bytes, 4))


def _mve(call: KernelCall) -> KernelCall | Fallback:
    p = cast(Conv2DParams, call.params)   # the adapter of Conv2DParams's opcodes
    out_c = p.output.c
    w = _rows(p)
    k = w.shape[1]
    k_padded = cm.round_up(k, 16)
    c4 = cm.round_up(out_c, 4)
    rows = np.zeros((c4, k_padded), dtype=np.int64)
    rows[:out_c, :k] = w
    bias = cm.folded_bias(w, p.input_offset, cm.values(p.bias, out_c))
    if (np.abs(bias) >= cm.INT32_LIMIT).any():
        return Fallback("the folded bias leaves int32")

    def padded(a):
        out = np.zeros(c4, dtype=np.int64)
        out[:out_c] = a
        return out

    bias = padded(bias)
    shift = padded(cm.values(p.shift))
    one_by_one = p.filter.h == 1 and p.filter.w == 1 and p.pad_h == 0 and p.pad_w == 0
    params = OptConv2DMveParams(
        input=p.input, output=p.output, k_h=p.filter.h, k_w=p.filter.w,
        stride_h=p.stride_h, stride_w=p.stride_w, pad_h=p.pad_h, pad_w=p.pad_w,
        k=k, k_padded=k_padded, pad_value=-p.input_offset, output_offset=p.output_offset,
        act_min=p.act_min, act_max=p.act_max,
        weights=cm.const(call, "weights_mve", "int8_t",
                         rows.reshape(c4 // 4, 4, k_padded // 16, 16).transpose(0, 2, 1, 3)),
        quant=cm.const(call, "quant_mve", "int32_t", cm.mve_quant(
            bias, padded(cm.values(p.multiplier)), shift)),
        scratch=SCRATCH)
    function = "mf_opt_conv2d_1x1_mve_s8" if one_by_one else "mf_opt_conv2d_mve_s8"
    # the 1x1 kernel reads no scratch; it gets the smallest slot (the struct has one field)
    return cm.adapted(call, "conv2d_mve", function, params, 16 if one_by_one else 2 * k_padded)


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    reason = cm.no_simd(target) or _common(call)
    if reason is not None:
        return reason
    return _mve(call) if target.isa == "mve" else _dsp(call)

"""FULLY_CONNECTED -> the optimized 1x1 convolutions (firmware/kernels/optimized/conv2d_dsp.c:
mf_opt_conv2d_1x1_dsp_s8 on the DSP extension, conv2d_mve.c: mf_opt_conv2d_1x1_mve_s8 on
Helium). A fully connected layer of ``batches`` rows is exactly a 1x1 convolution over an image
of one row of ``batches`` pixels with ``depth`` channels, so it takes that kernel, its weight
layout and its requantization (TFLite-Micro's FULLY_CONNECTED requantizes like its per-channel
CONV_2D: MultiplyByQuantizedMultiplier, a per-tensor multiplier repeated per unit).

Ahead of time: the weights' zero point is folded into the weights (w - zero point, which must
stay int8 on Helium) and the input offset into the bias, as for the convolutions.
"""

from __future__ import annotations

import dataclasses
from typing import cast

import numpy as np

from ...backends import Fallback, Target
from ...params import Dims
from ...program import ConstArray, KernelCall
from ..conv2d import Conv2DParams
from ..fully_connected import FullyConnectedParams
from . import common as cm
from . import conv2d

OPCODES = ("FULLY_CONNECTED",)


def as_conv2d(p: FullyConnectedParams) -> Conv2DParams:
    """The 1x1 convolution computing ``p``: input [1, 1, batches, depth], weights [units, 1, 1,
    depth] (zero point folded in), per-unit multipliers and shifts."""
    units, depth = p.output_depth, p.accum_depth
    w = cm.values(p.filter_data).reshape(units, depth) + p.filter_offset

    def per_unit(a: ConstArray) -> ConstArray:
        v = cm.values(a)
        return dataclasses.replace(a, values=np.broadcast_to(v, (units,)) if v.size == 1 else v)

    return Conv2DParams(
        input=Dims(n=1, h=1, w=p.batches, c=depth), filter=Dims(n=units, h=1, w=1, c=depth),
        output=Dims(n=1, h=1, w=p.batches, c=units), stride_h=1, stride_w=1, dilation_h=1,
        dilation_w=1, pad_h=0, pad_w=0, input_offset=p.input_offset,
        output_offset=p.output_offset, act_min=p.act_min, act_max=p.act_max,
        filter_data=dataclasses.replace(p.filter_data, values=w),
        bias=p.bias, multiplier=per_unit(p.multiplier), shift=per_unit(p.shift))


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    reason = cm.no_simd(target)
    if reason is not None:
        return reason
    p = cast(FullyConnectedParams, call.params)   # the adapter of FullyConnectedParams's opcodes
    conv = as_conv2d(p)
    if target.isa == "mve" and p.filter_offset != 0:
        w = cm.values(conv.filter_data)
        if w.min() < -128 or w.max() > 127:
            return Fallback(f"weights zero point {-p.filter_offset}: the weights minus it leave "
                            f"int8, which the Helium kernel multiplies")
    return conv2d.adapt(dataclasses.replace(call, params=conv), target)

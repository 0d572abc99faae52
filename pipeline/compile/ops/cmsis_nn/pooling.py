"""AVERAGE_POOL_2D -> mf_cmsis_avg_pool2d_s8 and MAX_POOL_2D -> mf_cmsis_max_pool2d_s8
(firmware/kernels/cmsis_nn/pooling.c): arm_avgpool_s8 and arm_max_pool_s8.

Everything the portable lowering accepts (any window, stride, padding, batches; the average's
rounding is TFLite-Micro's, half away from zero, over the in-bounds part of the window). The
average takes a scratch buffer on a DSP core (one int32 sum per channel)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...params import CStruct, nested
from ...program import KernelCall
from ..pooling import Pool2DParams
from .support import adapted, scratch_context, sizes
from .types import NnContext, NnDims, NnPoolParams, activation, dims, no_context, tile

OPCODES = ("AVERAGE_POOL_2D", "MAX_POOL_2D")
FUNCTIONS = {"AVERAGE_POOL_2D": "mf_cmsis_avg_pool2d_s8", "MAX_POOL_2D": "mf_cmsis_max_pool2d_s8"}


@dataclass(frozen=True)
class CmsisPool2DParams(CStruct):
    """mf_cmsis_pool2d_params (firmware/kernels/cmsis_nn/pooling.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_pool2d_params"
    ctx: NnContext = nested(NnContext)
    pool_params: NnPoolParams = nested(NnPoolParams)
    input_dims: NnDims = nested(NnDims)
    filter_dims: NnDims = nested(NnDims)
    output_dims: NnDims = nested(NnDims)


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, Pool2DParams)
    scratch = 0
    if call.opcode == "AVERAGE_POOL_2D":
        scratch = sizes(target).avgpool_s8(target.isa, p.output.w, p.input.c)
    params = CmsisPool2DParams(
        ctx=scratch_context(scratch) if scratch else no_context(),
        pool_params=NnPoolParams(stride=tile(p.stride_w, p.stride_h), padding=tile(p.pad_w, p.pad_h),
                                 activation=activation(p.act_min, p.act_max)),
        input_dims=dims(p.input.n, p.input.h, p.input.w, p.input.c),
        filter_dims=dims(1, p.filter_h, p.filter_w, 1),
        output_dims=dims(p.output.n, p.output.h, p.output.w, p.output.c))
    return adapted(call, "pooling", FUNCTIONS[call.opcode], params, scratch)

"""FULLY_CONNECTED -> mf_cmsis_fully_connected_s8 (firmware/kernels/cmsis_nn/
fully_connected.c): arm_fully_connected_wrapper_s8.

Per-tensor weights (with their zero point as filter_offset) and per-channel weights, any number
of batches, an absent bias: everything the portable lowering accepts. On Helium CMSIS-NN's
kernels start every output from a precomputed kernel sum (what TFLite-Micro computes once with
arm_vector_sum_s8); here it is computed at generation time into the constant array
``op<index>_kernel_sums`` and handed over as the context's buffer, so the call needs no scratch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...backends import Fallback, Target
from ...params import CStruct, const_ptr, nested
from ...program import ConstArray, KernelCall
from ..fully_connected import FullyConnectedParams
from .support import adapted, const, scratch_context, sizes
from .types import NnConstContext, NnContext, NnDims, NnFcParams, NnQuantParams, activation, dims

OPCODES = ("FULLY_CONNECTED",)


@dataclass(frozen=True)
class CmsisFullyConnectedParams(CStruct):
    """mf_cmsis_fully_connected_params (firmware/kernels/cmsis_nn/fully_connected.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_fully_connected_params"
    ctx: NnContext = nested(NnContext)
    fc_params: NnFcParams = nested(NnFcParams)
    quant_params: NnQuantParams = nested(NnQuantParams)
    input_dims: NnDims = nested(NnDims)
    filter_dims: NnDims = nested(NnDims)
    bias_dims: NnDims = nested(NnDims)
    output_dims: NnDims = nested(NnDims)
    filter_data: ConstArray = const_ptr("int8_t")
    bias_data: ConstArray | None = const_ptr("int32_t")


def kernel_sums(weights: np.ndarray, bias: np.ndarray | None, input_offset: int,
                filter_offset: int) -> np.ndarray:
    """arm_vector_sum_s8's result: per output row, bias + input_offset * (sum of the row +
    columns * filter_offset), in int32 arithmetic (wrapping, as the C does)."""
    rows = weights.astype(np.int64)
    sums = rows.sum(axis=1) + rows.shape[1] * filter_offset
    total = sums * input_offset + (0 if bias is None else bias.astype(np.int64))
    return ((total + 2**31) % 2**32 - 2**31).astype(np.int32)


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, FullyConnectedParams)
    fc = NnFcParams(input_offset=p.input_offset, filter_offset=p.filter_offset,
                    output_offset=p.output_offset, activation=activation(p.act_min, p.act_max))
    input_dims = dims(p.batches, 1, 1, p.accum_depth)
    filter_dims = dims(p.accum_depth, 1, 1, p.output_depth)
    output_dims = dims(p.batches, 1, 1, p.output_depth)
    size = sizes(target).fully_connected_s8(target.isa, filter_dims)
    scratch = 0
    if target.isa == "mve":
        weights = p.filter_data.values.reshape(p.output_depth, p.accum_depth)
        sums = const(call, "kernel_sums", "int32_t",
                     kernel_sums(weights, None if p.bias is None else p.bias.values,
                                 p.input_offset, p.filter_offset))
        if size != sums.nbytes:
            return Fallback(f"arm_fully_connected_s8_get_buffer_size_mve asks for {size} bytes, "
                            f"not the {sums.nbytes} of the kernel sums mcuforge precomputes")
        ctx: NnContext = NnConstContext(buf=sums, size=sums.nbytes)
    else:
        scratch = size
        ctx = scratch_context(size)
    params = CmsisFullyConnectedParams(
        ctx=ctx, fc_params=fc,
        quant_params=NnQuantParams(multiplier=p.multiplier, shift=p.shift,
                                   is_per_channel=1 if p.per_channel else 0),
        input_dims=input_dims, filter_dims=filter_dims, bias_dims=dims(1, 1, 1, p.output_depth),
        output_dims=output_dims, filter_data=p.filter_data, bias_data=p.bias)
    return adapted(call, "fully_connected", "mf_cmsis_fully_connected_s8", params, scratch)

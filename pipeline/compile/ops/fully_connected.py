"""FULLY_CONNECTED -> mf_fully_connected_s8 (firmware/kernels/fully_connected.c), or for int16
activations with int8 weights (TFLite "16x8") mf_fully_connected_s16 (fully_connected_s16.c)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...tflite.graph import DType, FullyConnectedOptions, Graph, Operator
from .. import quant
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext

OPCODES = ("FULLY_CONNECTED",)


@dataclass(frozen=True)
class FullyConnectedParams(CStruct):
    """mf_fully_connected_params (firmware/kernels/fully_connected.h)."""

    C_TYPE: ClassVar[str] = "mf_fully_connected_params"
    batches: int = i32()
    accum_depth: int = i32()
    output_depth: int = i32()
    input_offset: int = i32()
    filter_offset: int = i32()     # -weights zero point; 0 for per-channel weights
    output_offset: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    per_channel: int = i32()       # 1: output_depth multipliers/shifts, 0: one
    filter_data: ConstArray = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int32_t")
    multiplier: ConstArray = const_ptr("int32_t")
    shift: ConstArray = const_ptr("int32_t")


@dataclass(frozen=True)
class FullyConnectedS16Params(CStruct):
    """mf_fully_connected_s16_params (firmware/kernels/fully_connected_s16.h)."""

    C_TYPE: ClassVar[str] = "mf_fully_connected_s16_params"
    batches: int = i32()
    accum_depth: int = i32()
    output_depth: int = i32()
    input_offset: int = i32()
    filter_offset: int = i32()     # -weights zero point; 0 for per-channel weights
    output_offset: int = i32()
    act_min: int = i32()
    act_max: int = i32()
    per_channel: int = i32()       # 1: output_depth multipliers/shifts, 0: one
    acc64: int = i32()             # 1: int64 bias or none, 64-bit accumulator; 0: int32 bias
    filter_data: ConstArray = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int64_t")
    multiplier: ConstArray = const_ptr("int32_t")
    shift: ConstArray = const_ptr("int32_t")


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(FullyConnectedOptions, FullyConnectedOptions())
    inp = o.required_input(0, "input")
    filt = o.required_input(1, "weights")
    out = o.output()
    s16 = inp.dtype is DType.INT16
    act_type = DType.INT16 if s16 else DType.INT8
    in_scale, in_zp = o.activation(inp, "input", dtype=act_type)
    out_scale, out_zp = o.activation(out, "output", dtype=act_type)
    if len(filt.shape) != 2 or min(filt.shape) < 1:
        o.bad_file(f"weights tensor '{filt.name}' has shape {list(filt.shape)}; expected "
                   f"[units, depth]")
    units, depth = filt.shape
    filter_scales, filter_zp = o.weights(filt, "weights", units, axis=0, rank=2,
                                         allow_zero_point=True)
    per_channel = len(filter_scales) > 1
    bias_t = o.input(2, "bias", optional=True)
    if s16:
        bias, acc64 = o.bias_s16(bias_t, units)
    else:
        bias, acc64 = o.bias(bias_t, units), False
    if len(out.shape) < 1 or out.shape[-1] != units:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for {units} units")
    batches = out.num_elements // units
    if inp.num_elements != batches * depth:
        o.bad_file(f"input tensor '{inp.name}' has {inp.num_elements} values; {batches} "
                   f"batches of depth {depth} need {batches * depth}")

    weights = np.asarray(filt.data, dtype=np.int8)
    o.accumulator_fits(np.abs(weights.astype(np.int64) - filter_zp).sum(axis=1), in_zp, bias,
                       act_type, bits=48 if acc64 else 32)
    if per_channel:
        mults, shifts = o.multipliers(in_scale, filter_scales, out_scale, units)
    else:
        if bias_t is not None:
            bias_scale = bias_t.quant.scale[0] if bias_t.quant is not None else 0.0
            if not quant.fc_bias_scale_ok(in_scale, filter_scales[0], bias_scale, out_scale):
                o.bad_file(f"bias scale {bias_scale:.6g} does not match input scale x weights "
                           f"scale = {in_scale * filter_scales[0]:.6g} (TFLite-Micro rejects it)")
        # int8 takes input * filter in float32; for int16 TFLite-Micro's multiplier is the
        # double product's (test_fully_connected_s16.py: int32_bias tells the two apart)
        effective = quant.conv_effective_scale if s16 else quant.fc_per_tensor_effective_scale
        mults, shifts = o.multipliers(in_scale, filter_scales[:1], out_scale, 1,
                                      effective=effective)
    if acc64:
        o.requant64_fits(shifts)
    act = o.activation_range(options.activation, out_scale, out_zp, act_type)
    macs = int(batches * units * depth)
    # the fields both structs share; the int16 one adds acc64 and has an int64 bias
    common: dict[str, Any] = dict(
        batches=batches, accum_depth=depth, output_depth=units,
        input_offset=-in_zp,
        # TFLite-Micro's per-channel kernel ignores the weights' zero point (checked to be 0)
        filter_offset=0 if per_channel else -filter_zp,
        output_offset=out_zp, act_min=act[0], act_max=act[1],
        per_channel=1 if per_channel else 0,
        filter_data=o.const("filter", "int8_t", weights),
        bias=(o.const("bias", "int64_t" if s16 else "int32_t", bias)
              if bias is not None else None),
        multiplier=o.const("multiplier", "int32_t", mults),
        shift=o.const("shift", "int32_t", shifts),
    )
    if s16:
        return KernelCall.of(op, "fully_connected_s16", "mf_fully_connected_s16",
                             FullyConnectedS16Params(**common, acc64=1 if acc64 else 0),
                             (inp.index,), (out.index,), macs=macs,
                             arg_types=("int16_t", "int16_t"))
    params = FullyConnectedParams(**common)
    return KernelCall.of(op, "fully_connected", "mf_fully_connected_s8", params, (inp.index,),
                         (out.index,), macs=macs)

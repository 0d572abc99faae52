"""SOFTMAX -> mf_softmax_s8 (firmware/kernels/softmax.c), int8 in and out; int16 in and out
(16x8 models) -> mf_softmax_s16 (softmax_s16.c) with two interpolated 513-entry tables
(exp on [-10, 0], 1 / (1 + x) on [0, 1]) that ``int16_table`` computes here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Graph, Operator, SoftmaxOptions
from .. import quant
from ..limits import SOFTMAX_MAX_DEPTH
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext

OPCODES = ("SOFTMAX",)


@dataclass(frozen=True)
class SoftmaxParams(CStruct):
    """mf_softmax_params (firmware/kernels/softmax.h)."""

    C_TYPE: ClassVar[str] = "mf_softmax_params"
    rows: int = i32()
    depth: int = i32()               # 1 .. MF_SOFTMAX_MAX_DEPTH
    input_multiplier: int = i32()    # Q0.31 in [2^30, 2^31)
    input_left_shift: int = i32()    # [0, 31]
    diff_min: int = i32()            # <= 0


@dataclass(frozen=True)
class SoftmaxS16Params(CStruct):
    """mf_softmax_s16_params (firmware/kernels/softmax_s16.h)."""

    C_TYPE: ClassVar[str] = "mf_softmax_s16_params"
    rows: int = i32()
    depth: int = i32()                                # 1 .. MF_SOFTMAX_MAX_DEPTH
    input_multiplier: int = i32()
    input_shift: int = i32()
    exp_table: ConstArray = const_ptr("int16_t")          # 513 entries
    reciprocal_table: ConstArray = const_ptr("int16_t")   # 513 entries


INT16_TABLE_STEPS = 512
_F32 = np.float32
# the int16 range as the tables' scales see it: 65535 (max - min)
_INT16_SPAN = 65535


def _round_f32(v: np.float32) -> np.float32:
    """std::round on a float: half away from zero (exact: |v| + 0.5 is below 2^24 here)."""
    return _F32(math.copysign(math.floor(abs(float(v)) + 0.5), float(v)))


def int16_table(f, input_scale: np.float32, input_zero_point: int, output_scale: np.float32,
                output_zero_point: int) -> np.ndarray:
    """The 513-entry int16 table of ``f`` (a float -> float function) over the int16 inputs,
    in float32 arithmetic throughout, as TFLite-Micro builds its int16 tables at prepare time.

    Entry i samples f at input_min + i * step (512 steps over the input range) in output units
    (65536 / output range), rounded; because the kernel interpolates linearly between entries,
    each entry is lowered by half the rounded error that interpolation makes at its interval's
    midpoint (so errors split evenly between the ends and the middle). The last entry is f at
    the top of the range, unadjusted. Clamped to int16."""
    lo, hi = -32768, 32767
    in_min = _F32(input_scale) * _F32(lo - input_zero_point)
    in_max = _F32(input_scale) * _F32(hi - input_zero_point)
    out_min = _F32(output_scale) * _F32(lo - output_zero_point)
    out_max = _F32(output_scale) * _F32(hi - output_zero_point)
    step = (in_max - in_min) / _F32(INT16_TABLE_STEPS)
    half = step / _F32(2)
    to_output = _F32(65536) / (out_max - out_min)
    table = np.zeros(INT16_TABLE_STEPS + 1, dtype=np.int64)
    for i in range(INT16_TABLE_STEPS):
        x = in_min + _F32(i) * step
        here, middle, after = f(x), f(x + half), f(in_min + _F32(i + 1) * step)
        sample = _round_f32(here * to_output)
        interpolated = _round_f32((after * to_output + sample) / _F32(2))
        error = interpolated - _round_f32(middle * to_output)
        table[i] = int(min(max(sample - _round_f32(error / _F32(2)), _F32(lo)), _F32(hi)))
    table[-1] = int(min(max(_round_f32(f(in_max) * to_output), _F32(lo)), _F32(hi)))
    return table


def _exp_f32(x: np.float32) -> np.float32:
    return _F32(math.exp(float(x)))       # exp correctly rounded to float32


def _reciprocal_f32(x: np.float32) -> np.float32:
    return _F32(1) / (_F32(1) + x)


def _lower_s16(o: OpContext, op: Operator, inp, out, beta: float) -> KernelCall:
    in_scale, in_zp = o.activation(inp, "input", dtype=DType.INT16)
    out_scale, out_zp = o.activation(out, "output", dtype=DType.INT16)
    o.symmetric(inp, "input", in_zp)
    o.symmetric(out, "output", out_zp)
    if abs(float(_F32(out_scale)) - 1.0 / 32768) > 0.001 / 32768:
        o.unsupported(f"int16 output must have scale 1/32768 (has {out_scale:.6g})")
    depth = inp.shape[-1]
    if depth > SOFTMAX_MAX_DEPTH:
        o.unsupported(f"softmax over {depth} values; at most {SOFTMAX_MAX_DEPTH} are supported")
    # x - max in [-65535, 0] maps to [-65535, 0] ~ [-10, 0]: beta * input_scale / (10 / 65535),
    # in double from the float32 values
    multiplier, shift = quant.quantize_multiplier(
        float(_F32(in_scale)) * float(_F32(beta)) / (10.0 / _INT16_SPAN))
    if shift > 30:
        o.unsupported(f"beta * input scale = {beta * in_scale:.6g} is too large")
    span = _F32(_INT16_SPAN)
    exp_table = int16_table(_exp_f32, _F32(10) / span, 32767, _F32(2) / span, 0)
    reciprocal_table = int16_table(_reciprocal_f32, _F32(1) / span, -32768, _F32(2) / span, 0)
    params = SoftmaxS16Params(rows=inp.num_elements // depth, depth=depth,
                              input_multiplier=multiplier, input_shift=shift,
                              exp_table=o.const("exp_table", "int16_t", exp_table),
                              reciprocal_table=o.const("reciprocal_table", "int16_t",
                                                       reciprocal_table))
    return KernelCall.of(op, "softmax_s16", "mf_softmax_s16", params, (inp.index,),
                         (out.index,), arg_types=("int16_t", "int16_t"))


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(SoftmaxOptions, SoftmaxOptions(beta=0.0))
    inp = o.required_input(0, "input")
    out = o.output()
    if len(inp.shape) >= 1 and tuple(out.shape) == tuple(inp.shape) and \
            inp.dtype is DType.INT16:
        return _lower_s16(o, op, inp, out, options.beta)
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
    params = SoftmaxParams(rows=inp.num_elements // depth, depth=depth,
                           input_multiplier=multiplier, input_left_shift=left_shift,
                           diff_min=diff_min)
    return KernelCall.of(op, "softmax", "mf_softmax_s8", params, (inp.index,), (out.index,))

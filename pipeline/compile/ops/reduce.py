"""REDUCE_MAX -> mf_reduce_max_s8, REDUCE_MIN -> mf_reduce_min_s8 and SUM -> mf_sum_s8
(firmware/kernels/reduce.c: the three share their walk over kept and reduced dimensions).

REDUCE_MAX and REDUCE_MIN pick stored values, so TFLite-Micro requires the input and the output
to be quantized alike (the same float32 scale and zero point) and fails otherwise; SUM adds the
values exactly and requantizes the sum (its own multiplier: input_scale / output_scale, without
MEAN's 1 / count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator, ReducerOptions
from .. import quant
from ..limits import MAX_DIMS, MEAN_MAX_COUNT
from ..params import CStruct, i32, i32_array, nested
from ..program import KernelCall
from .context import OpContext, same_quantization

OPCODES = ("REDUCE_MAX", "REDUCE_MIN", "SUM")
FUNCTIONS = {"REDUCE_MAX": "mf_reduce_max_s8", "REDUCE_MIN": "mf_reduce_min_s8",
             "SUM": "mf_sum_s8"}
# Values per SUM output: MEAN's limit (compile/limits.py), which keeps
# |sum + sum_offset| <= 255 * count below 2^31.
SUM_MAX_COUNT = MEAN_MAX_COUNT
# Room left above a requantized sum for the output zero point (|zero point| <= 128).
_OUTPUT_OFFSET_ROOM = 128


@dataclass(frozen=True)
class ReduceParams(CStruct):
    """mf_reduce_params (firmware/kernels/reduce.h)."""

    C_TYPE: ClassVar[str] = "mf_reduce_params"
    rank: int = i32()
    input_dims: tuple[int, ...] = i32_array(MAX_DIMS)
    reduced: tuple[int, ...] = i32_array(MAX_DIMS)


@dataclass(frozen=True)
class SumParams(CStruct):
    """mf_sum_params (firmware/kernels/reduce.h)."""

    C_TYPE: ClassVar[str] = "mf_sum_params"
    reduce: ReduceParams = nested(ReduceParams)
    count: int = i32()
    sum_offset: int = i32()
    multiplier: int = i32()
    shift: int = i32()
    output_offset: int = i32()


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(ReducerOptions, ReducerOptions())
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; {op.opcode} takes an input and the axes")
    inp = o.required_input(0, "input")
    out = o.output()
    in_q = o.activation(inp, "input")
    out_q = o.activation(out, "output")
    rank = len(inp.shape)
    if rank > MAX_DIMS:
        o.unsupported(f"{rank}-dimensional input; at most {MAX_DIMS} are supported")
    axes = set()
    for a in o.int32_constant(1, "axis").tolist():
        if not -rank <= a < rank:
            o.bad_file(f"axis {a} is out of range for a {rank}-dimensional input")
        axes.add(a % rank)
    if options.keep_dims:
        expected = tuple(1 if d in axes else e for d, e in enumerate(inp.shape))
    else:
        expected = tuple(e for d, e in enumerate(inp.shape) if d not in axes)
    o.expect_shape(out, expected, f"reducing axes {sorted(axes)} of {list(inp.shape)} "
                                  f"(keep_dims={options.keep_dims})")
    count = 1
    for d in axes:
        count *= inp.shape[d]

    # drop extent-1 dimensions, merge neighbours that are both reduced or both kept
    dims: list[list[int]] = []          # [extent, reduced]
    for d, extent in enumerate(inp.shape):
        if extent == 1:
            continue
        flag = 1 if d in axes else 0
        if dims and dims[-1][1] == flag:
            dims[-1][0] *= extent
        else:
            dims.append([int(extent), flag])
    if not dims:
        dims = [[1, 0]]
    reduce = ReduceParams(rank=len(dims), input_dims=tuple(d[0] for d in dims),
                          reduced=tuple(d[1] for d in dims))

    if op.opcode != "SUM":
        if not same_quantization(in_q, out_q):
            o.unsupported(f"input (scale {in_q[0]:.6g}, zero point {in_q[1]}) and output (scale "
                          f"{out_q[0]:.6g}, zero point {out_q[1]}) are quantized differently; "
                          f"TFLite-Micro's int8 {op.opcode} requires them equal")
        return KernelCall.of(op, "reduce", FUNCTIONS[op.opcode], reduce, (inp.index,),
                             (out.index,))

    if count > SUM_MAX_COUNT:
        o.unsupported(f"sum over {count:,} values; at most {SUM_MAX_COUNT:,} are supported")
    # TFLite-Micro (PrepareSimple): QuantizeMultiplier(double(s_in) / double(s_out))
    real = in_q[0] / out_q[0]
    try:
        multiplier, shift = quant.quantize_multiplier(real)
    except quant.QuantError as err:
        o.unsupported(str(err))
    # the sum, zero point taken out, is shifted left by `shift` in int32 before the multiply;
    # TFLite-Micro's arithmetic is undefined where that (or adding the zero point) overflows
    largest = count * max(quant.INT8_MAX - in_q[1], in_q[1] - quant.INT8_MIN) << max(shift, 0)
    if largest > quant.INT32_MAX - _OUTPUT_OFFSET_ROOM:
        o.unsupported(f"input / output scale ratio {real:.6g} is too large for a sum of {count:,} "
                      f"values: the shifted int32 sum overflows")
    params = SumParams(reduce=reduce, count=count, sum_offset=-in_q[1] * count,
                       multiplier=multiplier, shift=shift, output_offset=out_q[1])
    return KernelCall.of(op, "reduce", FUNCTIONS[op.opcode], params, (inp.index,),
                         (out.index,))

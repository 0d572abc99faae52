"""MEAN -> mf_mean_s8 (firmware/kernels/mean.c): int8 mean over any set of axes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator, ReducerOptions
from .. import quant
from ..limits import MAX_DIMS, MEAN_MAX_COUNT
from ..params import CStruct, i32, i32_array
from ..program import KernelCall
from .context import OpContext

OPCODES = ("MEAN",)


@dataclass(frozen=True)
class MeanParams(CStruct):
    """mf_mean_params (firmware/kernels/mean.h)."""

    C_TYPE: ClassVar[str] = "mf_mean_params"
    rank: int = i32()
    input_dims: tuple[int, ...] = i32_array(MAX_DIMS)
    reduced: tuple[int, ...] = i32_array(MAX_DIMS)
    count: int = i32()
    sum_offset: int = i32()
    multiplier: int = i32()
    shift: int = i32()
    output_offset: int = i32()


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(ReducerOptions, ReducerOptions())
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; MEAN takes an input and the axes")
    inp = o.required_input(0, "input")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input")
    out_scale, out_zp = o.activation(out, "output")
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
    o.expect_shape(out, expected, f"the mean over axes {sorted(axes)} of {list(inp.shape)} "
                                  f"(keep_dims={options.keep_dims})")
    count = 1
    for d in axes:
        count *= inp.shape[d]
    if count > MEAN_MAX_COUNT:
        o.unsupported(f"mean over {count:,} values; at most {MEAN_MAX_COUNT:,} are supported")
    try:
        multiplier, shift = quant.mean_multiplier(in_scale, out_scale, count)
    except quant.QuantError as err:
        o.unsupported(str(err))

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
    params = MeanParams(rank=len(dims), input_dims=tuple(d[0] for d in dims),
                        reduced=tuple(d[1] for d in dims), count=count,
                        sum_offset=-in_zp * count, multiplier=multiplier, shift=shift,
                        output_offset=out_zp)
    return KernelCall.of(op, "mean", "mf_mean_s8", params, (inp.index,), (out.index,))

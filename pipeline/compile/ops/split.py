"""SPLIT -> mf_split_s8 (firmware/kernels/split.c): the input cut into equal parts along a
constant axis, values copied. ``split_params`` also serves SPLIT_V and UNPACK, whose kernels
wrap the same one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator, Tensor
from ...tflite.options.movement import SplitOptions
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext
from .movement import MAX_CALL_TENSORS, axis_of, int_vector, outputs, product

OPCODES = ("SPLIT",)


@dataclass(frozen=True)
class SplitParams(CStruct):
    """mf_split_params (firmware/kernels/split.h)."""

    C_TYPE: ClassVar[str] = "mf_split_params"
    num_outputs: int = i32()
    outer: int = i32()
    output_sizes: ConstArray = const_ptr("int32_t")


def split_params(o: OpContext, inp: Tensor, axis: int, outs: list[Tensor],
                 extents: list[int]) -> SplitParams:
    """The params that cut ``inp`` along ``axis`` (resolved) into ``outs``, output i taking
    ``extents[i]`` indices of the axis (their sum is the input's extent)."""
    if len(outs) > MAX_CALL_TENSORS:
        o.unsupported(f"{len(outs)} outputs; at most {MAX_CALL_TENSORS} are supported (one "
                      f"kernel call takes them all)")
    assert sum(extents) == inp.shape[axis]
    inner = product(inp.shape[axis + 1:])
    sizes = np.array([e * inner for e in extents], dtype=np.int32)
    return SplitParams(num_outputs=len(outs), outer=product(inp.shape[:axis]),
                       output_sizes=o.const("output_sizes", "int32_t", sizes))


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(SplitOptions, SplitOptions())
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; SPLIT takes the axis and an input")
    inp = o.required_input(1, "input")
    o.activation(inp, "input")
    outs = outputs(o)
    rank = len(inp.shape)
    axis_values = int_vector(o, 0, "axis")
    if axis_values.size != 1:
        o.bad_file(f"axis tensor has {axis_values.size} values; expected one")
    axis = axis_of(o, int(axis_values[0]), rank)
    n = len(outs)
    if options.num_splits != n:
        o.bad_file(f"num_splits is {options.num_splits}, but the op has {n} outputs")
    if inp.shape[axis] % n:
        o.bad_file(f"axis {axis} of {list(inp.shape)} does not split into {n} equal parts")
    part = tuple(inp.shape[axis] // n if d == axis else e for d, e in enumerate(inp.shape))
    for t in outs:
        o.expect_shape(t, part, f"splitting {list(inp.shape)} into {n} along axis {axis}")
    params = split_params(o, inp, axis, outs, [part[axis]] * n)
    return KernelCall.of(op, "split", "mf_split_s8", params, (inp.index,),
                         tuple(t.index for t in outs))

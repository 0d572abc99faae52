"""SPLIT_V -> mf_split_v_s8 (firmware/kernels/split_v.c, over mf_split_va of
firmware/kernels/split.c): the input cut into parts of given extents along a constant axis,
values copied.

TFLite-Micro takes the extents from the output tensors (it does not read size_splits); the
constant size_splits (int32 or int64, one -1 allowed) is checked against them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import SplitVOptions
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import axis_of, int_vector, outputs
from .split import SplitParams, split_params

OPCODES = ("SPLIT_V",)


@dataclass(frozen=True)
class SplitVParams(CStruct):
    """mf_split_v_params (firmware/kernels/split_v.h)."""

    C_TYPE: ClassVar[str] = "mf_split_v_params"
    split: SplitParams = nested(SplitParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(SplitVOptions, SplitVOptions())
    if len(op.inputs) != 3:
        o.bad_file(f"has {len(op.inputs)} inputs; SPLIT_V takes an input, size_splits and "
                   f"the axis")
    inp = o.required_input(0, "input")
    o.activation(inp, "input")
    outs = outputs(o)
    rank = len(inp.shape)
    axis_values = int_vector(o, 2, "axis")
    if axis_values.size != 1:
        o.bad_file(f"axis tensor has {axis_values.size} values; expected one")
    axis = axis_of(o, int(axis_values[0]), rank)
    n = len(outs)
    if options.num_splits != n:
        o.bad_file(f"num_splits is {options.num_splits}, but the op has {n} outputs")
    extents = []
    for k, t in enumerate(outs):
        if len(t.shape) != rank or any(t.shape[d] != inp.shape[d] for d in range(rank)
                                       if d != axis):
            o.bad_file(f"output {k} '{t.name}' has shape {list(t.shape)}, which does not match "
                       f"the input {list(inp.shape)} outside axis {axis}")
        extents.append(t.shape[axis])
    if sum(extents) != inp.shape[axis]:
        o.bad_file(f"the outputs add up to {sum(extents)} along axis {axis}, the input has "
                   f"{inp.shape[axis]}")
    sizes = int_vector(o, 1, "size_splits", allow_int64=True).tolist()
    unknown = [k for k, s in enumerate(sizes) if s == -1]
    resolved = list(sizes)
    if len(unknown) == 1:
        resolved[unknown[0]] = inp.shape[axis] - (sum(sizes) + 1)
    if len(sizes) != n or len(unknown) > 1 or resolved != extents:
        o.bad_file(f"size_splits {sizes} does not match the outputs' extents {extents} along "
                   f"axis {axis}")
    params = SplitVParams(split=split_params(o, inp, axis, outs, extents))
    return KernelCall.of(op, "split_v", "mf_split_v_s8", params, (inp.index,),
                         tuple(t.index for t in outs))

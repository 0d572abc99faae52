"""EXPAND_DIMS -> mf_expand_dims_s8 (firmware/kernels/expand_dims.c, over mf_copy_s8 of
firmware/kernels/copy.c): a dimension of extent 1 inserted, the bytes stay as they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import axis_of, int_vector
from .reshape import CopyParams

OPCODES = ("EXPAND_DIMS",)


@dataclass(frozen=True)
class ExpandDimsParams(CStruct):
    """mf_expand_dims_params (firmware/kernels/expand_dims.h)."""

    C_TYPE: ClassVar[str] = "mf_expand_dims_params"
    copy: CopyParams = nested(CopyParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; EXPAND_DIMS takes an input and the axis")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    axis_t = o.required_input(1, "axis")
    if len(axis_t.shape) > 1:
        o.bad_file(f"axis tensor '{axis_t.name}' has shape {list(axis_t.shape)}; TFLite-Micro "
                   f"takes one value")
    values = int_vector(o, 1, "axis")
    if values.size != 1:
        o.bad_file(f"axis tensor '{axis_t.name}' has {values.size} values; expected one")
    rank = len(inp.shape)
    axis = axis_of(o, int(values[0]), rank + 1)
    o.expect_shape(out, (*inp.shape[:axis], 1, *inp.shape[axis:]),
                   f"inserting a dimension at {axis} into {list(inp.shape)}")
    return KernelCall.of(op, "expand_dims", "mf_expand_dims_s8",
                         ExpandDimsParams(copy=CopyParams(size=inp.nbytes)), (inp.index,),
                         (out.index,))

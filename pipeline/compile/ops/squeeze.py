"""SQUEEZE -> mf_squeeze_s8 (firmware/kernels/squeeze.c, over mf_copy_s8 of
firmware/kernels/copy.c): dimensions of extent 1 removed, the bytes stay as they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import SqueezeOptions
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import max_rank
from .reshape import CopyParams

OPCODES = ("SQUEEZE",)

# TFLite-Micro's SQUEEZE takes up to 8 dimensions.
SQUEEZE_MAX_DIMS = 8


@dataclass(frozen=True)
class SqueezeParams(CStruct):
    """mf_squeeze_params (firmware/kernels/squeeze.h)."""

    C_TYPE: ClassVar[str] = "mf_squeeze_params"
    copy: CopyParams = nested(CopyParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(SqueezeOptions, SqueezeOptions())
    if len(op.inputs) != 1:
        o.bad_file(f"has {len(op.inputs)} inputs; SQUEEZE takes one")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    max_rank(o, inp, SQUEEZE_MAX_DIMS)
    rank = len(inp.shape)
    if options.squeeze_dims:
        squeezed = set()
        for d in options.squeeze_dims:
            axis = d + rank if d < 0 else d
            if not 0 <= axis < rank or inp.shape[axis] != 1:
                o.bad_file(f"squeeze_dims {list(options.squeeze_dims)}: {d} is not a "
                           f"dimension of extent 1 of {list(inp.shape)}")
            squeezed.add(axis)
    else:
        squeezed = {d for d in range(rank) if inp.shape[d] == 1}
    o.expect_shape(out, tuple(e for d, e in enumerate(inp.shape) if d not in squeezed),
                   f"squeezing dimensions {sorted(squeezed)} out of {list(inp.shape)}")
    return KernelCall.of(op, "squeeze", "mf_squeeze_s8",
                         SqueezeParams(copy=CopyParams(size=inp.nbytes)), (inp.index,),
                         (out.index,))

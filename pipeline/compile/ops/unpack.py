"""UNPACK -> mf_unpack_s8 (firmware/kernels/unpack.c, over mf_split_va of
firmware/kernels/split.c): the input cut into its extent along an axis of outputs without that
axis, values copied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import UnpackOptions
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import axis_of, outputs
from .split import SplitParams, split_params

OPCODES = ("UNPACK",)


@dataclass(frozen=True)
class UnpackParams(CStruct):
    """mf_unpack_params (firmware/kernels/unpack.h)."""

    C_TYPE: ClassVar[str] = "mf_unpack_params"
    split: SplitParams = nested(SplitParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(UnpackOptions, UnpackOptions())
    if len(op.inputs) != 1:
        o.bad_file(f"has {len(op.inputs)} inputs; UNPACK takes one")
    inp = o.required_input(0, "input")
    o.activation(inp, "input")
    outs = outputs(o)
    rank = len(inp.shape)
    if rank == 0:
        o.bad_file("unpacks a 0-dimensional input")
    axis = axis_of(o, options.axis, rank)
    n = len(outs)
    # TFLite-Micro writes `num` outputs, whatever the op lists
    if options.num != n or inp.shape[axis] != n:
        o.bad_file(f"num is {options.num} and the op has {n} outputs, but axis {axis} of "
                   f"{list(inp.shape)} has {inp.shape[axis]} values")
    part = tuple(e for d, e in enumerate(inp.shape) if d != axis)
    for t in outs:
        o.expect_shape(t, part, f"unpacking {list(inp.shape)} along axis {axis}")
    params = UnpackParams(split=split_params(o, inp, axis, outs, [1] * n))
    return KernelCall.of(op, "unpack", "mf_unpack_s8", params, (inp.index,),
                         tuple(t.index for t in outs))

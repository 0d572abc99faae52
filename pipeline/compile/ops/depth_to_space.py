"""DEPTH_TO_SPACE -> mf_depth_to_space_s8 (firmware/kernels/depth_to_space.c, a strided copy:
firmware/kernels/strided_copy.c): NHWC, blocks of channels moved into space (TFLite's DCR
order), values copied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import DepthToSpaceOptions
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .strided_copy import StridedCopyParams, strided_view

OPCODES = ("DEPTH_TO_SPACE",)


@dataclass(frozen=True)
class DepthToSpaceParams(CStruct):
    """mf_depth_to_space_params (firmware/kernels/depth_to_space.h)."""

    C_TYPE: ClassVar[str] = "mf_depth_to_space_params"
    copy: StridedCopyParams = nested(StridedCopyParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    b = o.options(DepthToSpaceOptions).block_size
    if len(op.inputs) != 1:
        o.bad_file(f"has {len(op.inputs)} inputs; DEPTH_TO_SPACE takes one")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input", rank=4)
    o.activation(out, "output")
    n, h, w, c_in = inp.shape
    if c_in % (b * b):
        o.bad_file(f"input depth {c_in} is not a multiple of block_size^2 = {b * b}")
    c = c_in // (b * b)
    o.expect_shape(out, (n, h * b, w * b, c), f"depth-to-space of {list(inp.shape)} with "
                                              f"block_size {b}")
    # output [n, h, i, w, j, c] reads input [n, h, w, (i * b + j) * c + c']
    copy = strided_view(o, inp.num_elements, (n, h, b, w, b, c),
                        (h * w * c_in, w * c_in, b * c, c_in, c, 1), 0)
    return KernelCall.of(op, "depth_to_space", "mf_depth_to_space_s8",
                         DepthToSpaceParams(copy=copy), (inp.index,), (out.index,))

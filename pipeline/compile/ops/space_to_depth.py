"""SPACE_TO_DEPTH -> mf_space_to_depth_s8 (firmware/kernels/space_to_depth.c, a strided copy:
firmware/kernels/strided_copy.c): NHWC, blocks of pixels moved into the channels, values
copied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import SpaceToDepthOptions
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .strided_copy import StridedCopyParams, strided_view

OPCODES = ("SPACE_TO_DEPTH",)


@dataclass(frozen=True)
class SpaceToDepthParams(CStruct):
    """mf_space_to_depth_params (firmware/kernels/space_to_depth.h)."""

    C_TYPE: ClassVar[str] = "mf_space_to_depth_params"
    copy: StridedCopyParams = nested(StridedCopyParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    b = o.options(SpaceToDepthOptions).block_size
    if len(op.inputs) != 1:
        o.bad_file(f"has {len(op.inputs)} inputs; SPACE_TO_DEPTH takes one")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input", rank=4)
    o.activation(out, "output")
    n, h, w, c = inp.shape
    if h % b or w % b:
        o.bad_file(f"input height {h} and width {w} are not multiples of block_size {b}")
    o.expect_shape(out, (n, h // b, w // b, c * b * b),
                   f"space-to-depth of {list(inp.shape)} with block_size {b}")
    # output [n, h', w', i, j, c] reads input [n, h' * b + i, w' * b + j, c]
    copy = strided_view(o, inp.num_elements, (n, h // b, w // b, b, b, c),
                        (h * w * c, b * w * c, b * c, w * c, c, 1), 0)
    return KernelCall.of(op, "space_to_depth", "mf_space_to_depth_s8",
                         SpaceToDepthParams(copy=copy), (inp.index,), (out.index,))

"""BATCH_TO_SPACE_ND -> mf_batch_to_space_nd_s8 (firmware/kernels/batch_to_space_nd.c, a pixel
gather: firmware/kernels/pixel_gather.c): NHWC or NHC, constant block shape and crops, values
copied.

TFLite-Micro's kernel checks nothing but the ranks (3 or 4) and the types; it trusts the
output shape. Here the block shape (int32, >= 1), the crops (int32, >= 0) and the output shape
[N / (bh * bw), H * bh - crop_top - crop_bottom, W * bw - crop_left - crop_right, C] are
checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import int_vector
from .pixel_gather import PixelGatherParams, pixel_gather

OPCODES = ("BATCH_TO_SPACE_ND",)


@dataclass(frozen=True)
class BatchToSpaceNdParams(CStruct):
    """mf_batch_to_space_nd_params (firmware/kernels/batch_to_space_nd.h)."""

    C_TYPE: ClassVar[str] = "mf_batch_to_space_nd_params"
    gather: PixelGatherParams = nested(PixelGatherParams)


def block_and_margins(o: OpContext, rank: int, what: str) -> tuple[list[int], list[int]]:
    """The constant block shape ([bh, bw], bw = 1 for a 3-D tensor) and margins (crops or
    paddings: [top, bottom, left, right]) of a BATCH_TO_SPACE_ND or SPACE_TO_BATCH_ND."""
    spatial = rank - 2
    block = int_vector(o, 1, "block_shape").tolist()
    margins = int_vector(o, 2, what).tolist()
    if len(block) != spatial or len(margins) != 2 * spatial:
        o.bad_file(f"block_shape {block} and {what} {margins} do not fit a {rank}-dimensional "
                   f"input ({spatial} spatial dimensions)")
    if min(block) < 1:
        o.bad_file(f"block_shape {block} has a value below 1")
    if min(margins) < 0:
        o.unsupported(f"negative {what} {margins}")
    if spatial == 1:
        block, margins = block + [1], margins + [0, 0]
    return block, margins


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    if len(op.inputs) != 3:
        o.bad_file(f"has {len(op.inputs)} inputs; BATCH_TO_SPACE_ND takes an input, the block "
                   f"shape and the crops")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    rank = len(inp.shape)
    if rank not in (3, 4):
        o.unsupported(f"{rank}-dimensional input; TFLite-Micro's BATCH_TO_SPACE_ND takes 3 or 4")
    (bh, bw), (top, bottom, left, right) = block_and_margins(o, rank, "crops")
    n_in, h, w, c = inp.shape if rank == 4 else (inp.shape[0], inp.shape[1], 1, inp.shape[2])
    if n_in % (bh * bw):
        o.bad_file(f"input batch {n_in} is not a multiple of the block size {bh} x {bw}")
    n = n_in // (bh * bw)
    out_h, out_w = h * bh - top - bottom, w * bw - left - right
    expected = (n, out_h, out_w, c) if rank == 4 else (n, out_h, c)
    o.expect_shape(out, expected, f"batch-to-space of {list(inp.shape)} with block "
                                  f"[{bh}, {bw}] and crops [{top}, {bottom}, {left}, {right}]")
    image = h * w * c
    rows = []
    for y in range(out_h):
        i, row = divmod(y + top, bh)[::-1]   # block row i, input row `row`
        rows.append(i * bw * n * image + row * w * c)
    cols = []
    for x in range(out_w):
        j, col = divmod(x + left, bw)[::-1]
        cols.append(j * n * image + col * c)
    gather = pixel_gather(o, inp.num_elements, n, image, c, rows, cols)
    return KernelCall.of(op, "batch_to_space_nd", "mf_batch_to_space_nd_s8",
                         BatchToSpaceNdParams(gather=gather), (inp.index,), (out.index,))

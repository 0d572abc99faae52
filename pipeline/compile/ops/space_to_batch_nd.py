"""SPACE_TO_BATCH_ND -> mf_space_to_batch_nd_s8 (firmware/kernels/space_to_batch_nd.c, a
strided copy: firmware/kernels/strided_copy.c): NHWC or NHC, constant block shape, values
copied; without padding.

TFLite-Micro fills the padding with the low byte of an output offset it never initialises (a
persistent buffer it allocates and does not write): the padded values change from run to run
(0, -7, 96 ... have been seen), so no generated code can match them and any padding is
rejected. Without padding the op is a permutation of the input. Like BATCH_TO_SPACE_ND, the
kernel trusts the output shape; here it is checked: [N * bh * bw, H / bh, W / bw, C]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ..params import CStruct, nested
from ..program import KernelCall
from .batch_to_space_nd import block_and_margins
from .context import OpContext
from .strided_copy import StridedCopyParams, strided_view

OPCODES = ("SPACE_TO_BATCH_ND",)


@dataclass(frozen=True)
class SpaceToBatchNdParams(CStruct):
    """mf_space_to_batch_nd_params (firmware/kernels/space_to_batch_nd.h)."""

    C_TYPE: ClassVar[str] = "mf_space_to_batch_nd_params"
    copy: StridedCopyParams = nested(StridedCopyParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    if len(op.inputs) != 3:
        o.bad_file(f"has {len(op.inputs)} inputs; SPACE_TO_BATCH_ND takes an input, the block "
                   f"shape and the paddings")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    rank = len(inp.shape)
    if rank not in (3, 4):
        o.unsupported(f"{rank}-dimensional input; TFLite-Micro's SPACE_TO_BATCH_ND takes 3 or 4")
    (bh, bw), margins = block_and_margins(o, rank, "paddings")
    if any(margins):
        o.unsupported(f"paddings {margins}: TFLite-Micro fills padding with an uninitialised "
                      f"value that changes from run to run (pad with PAD first)")
    n, h, w, c = inp.shape if rank == 4 else (inp.shape[0], inp.shape[1], 1, inp.shape[2])
    if h % bh or w % bw:
        o.bad_file(f"the input {h} x {w} does not divide into blocks of {bh} x {bw}")
    out_h, out_w = h // bh, w // bw
    expected = (n * bh * bw, out_h, out_w, c) if rank == 4 else (n * bh * bw, out_h, c)
    o.expect_shape(out, expected, f"space-to-batch of {list(inp.shape)} with block "
                                  f"[{bh}, {bw}]")
    # output [i, j, n, y, x, c] reads input [n, y * bh + i, x * bw + j, c]
    copy = strided_view(o, inp.num_elements, (bh, bw, n, out_h, out_w, c),
                        (w * c, c, h * w * c, bh * w * c, bw * c, 1), 0)
    return KernelCall.of(op, "space_to_batch_nd", "mf_space_to_batch_nd_s8",
                         SpaceToBatchNdParams(copy=copy), (inp.index,), (out.index,))

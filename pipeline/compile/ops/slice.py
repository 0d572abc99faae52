"""SLICE -> mf_slice_s8 (firmware/kernels/slice.c, a strided copy:
firmware/kernels/strided_copy.c): the block [begin, begin + size) of the input, values copied.

TFLite-Micro reads begin and size as int32 or int64, one value per input dimension (up to 5),
a size of -1 meaning "to the end of the axis", and checks none of them against the input: a
block outside the input is rejected here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import int_vector, max_rank
from .shapes import row_major_strides
from .strided_copy import StridedCopyParams, strided_view

OPCODES = ("SLICE",)

# TFLite-Micro's SLICE takes up to 5 dimensions (its kMaxDim).
SLICE_MAX_DIMS = 5


@dataclass(frozen=True)
class SliceParams(CStruct):
    """mf_slice_params (firmware/kernels/slice.h)."""

    C_TYPE: ClassVar[str] = "mf_slice_params"
    copy: StridedCopyParams = nested(StridedCopyParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    if len(op.inputs) != 3:
        o.bad_file(f"has {len(op.inputs)} inputs; SLICE takes an input, begin and size")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    rank = len(inp.shape)
    max_rank(o, inp, SLICE_MAX_DIMS)
    begin = int_vector(o, 1, "begin", allow_int64=True).tolist()
    size = int_vector(o, 2, "size", allow_int64=True).tolist()
    begin_t, size_t = o.required_input(1, "begin"), o.required_input(2, "size")
    if begin_t.dtype is not size_t.dtype:
        o.bad_file(f"begin is {begin_t.dtype.name.lower()} and size "
                   f"{size_t.dtype.name.lower()}; TFLite-Micro needs one type for both")
    if len(begin) != rank or len(size) != rank:
        o.unsupported(f"begin and size have {len(begin)} and {len(size)} values for a "
                      f"{rank}-dimensional input; TFLite-Micro reads exactly one per dimension")
    extents = []
    for a in range(rank):
        b, s, n = begin[a], size[a], inp.shape[a]
        e = n - b if s == -1 else s
        if not (0 <= b and 0 <= e and b + e <= n):
            o.bad_file(f"axis {a}: begin {b} and size {s} leave the input's extent {n} "
                       f"(TFLite-Micro would read outside the input)")
        extents.append(e)
    o.expect_shape(out, tuple(extents), f"slicing {list(inp.shape)} at begin {begin} by "
                                        f"size {size}")
    row = row_major_strides(inp.shape)
    offset = sum(b * r for b, r in zip(begin, row, strict=True))
    copy = strided_view(o, inp.num_elements, extents, row, offset)
    return KernelCall.of(op, "slice", "mf_slice_s8", SliceParams(copy=copy), (inp.index,),
                         (out.index,))

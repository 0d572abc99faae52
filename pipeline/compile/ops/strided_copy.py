"""The strided view that TRANSPOSE, STRIDED_SLICE, SLICE, DEPTH_TO_SPACE, SPACE_TO_DEPTH and
SPACE_TO_BATCH_ND lower to: mf_strided_copy_params (firmware/kernels/strided_copy.h), nested in
each op's own params struct, and run by mf_strided_copy_s8 (firmware/kernels/strided_copy.c).

Every one of these ops writes its output in row-major order and reads each output element from
one input element whose index is an affine function of the output index:

    input_index = input_offset + sum_d output_index_d * input_strides[d]

with any integer strides (negative ones read backwards, 0 repeats). A lowering describes its op
in that form over as many output dimensions as it likes; ``strided_view`` drops extent-1
dimensions, merges neighbours the input walks as one run, checks that every index stays inside
the input and that no intermediate sum leaves int32, and returns the params.

Not an op module (no OPCODES): the params dataclass reaches the layout test through the structs
that nest it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from ..limits import MAX_DIMS
from ..params import CStruct, i32, i32_array
from .context import OpContext
from .shapes import merge_dims

_INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class StridedCopyParams(CStruct):
    """mf_strided_copy_params (firmware/kernels/strided_copy.h)."""

    C_TYPE: ClassVar[str] = "mf_strided_copy_params"
    rank: int = i32()
    output_dims: tuple[int, ...] = i32_array(MAX_DIMS)
    input_strides: tuple[int, ...] = i32_array(MAX_DIMS)
    input_offset: int = i32()


def strided_view(o: OpContext, input_elements: int, dims: Sequence[int],
                 strides: Sequence[int], offset: int) -> StridedCopyParams:
    """The params of a copy whose output [dims] (row-major) reads input element
    ``offset + sum_d i_d * strides[d]`` (``input_elements`` values in all). Every extent must be
    >= 1. Fails with a one-line UnsupportedModelError when the merged view needs more than
    MAX_DIMS dimensions; an index outside the input is a bug of the caller (AssertionError)."""
    dims = [int(d) for d in dims]
    strides = [int(s) for s in strides]
    assert len(dims) == len(strides) and all(d >= 1 for d in dims), (dims, strides)
    merged, (merged_strides,) = merge_dims(dims, [strides])
    if len(merged) > MAX_DIMS:
        o.unsupported(f"the copy needs {len(merged)} dimensions after merging; at most "
                      f"{MAX_DIMS} are supported")
    # the range of input indices read, and of the kernel's running offsets
    low = high = int(offset)
    for d, s in zip(merged, merged_strides, strict=True):
        span = (d - 1) * s
        low, high = (low + span, high) if span < 0 else (low, high + span)
    assert 0 <= low and high < input_elements, (low, high, input_elements)
    # the kernel steps each offset one stride past its last element before it rewinds
    reach = abs(offset) + sum(d * abs(s) for d, s in zip(merged, merged_strides, strict=True))
    if reach > _INT32_MAX:
        o.unsupported(f"the input is too large for 32-bit indexing ({reach:,} elements)")
    return StridedCopyParams(rank=len(merged), output_dims=tuple(merged),
                             input_strides=tuple(merged_strides), input_offset=int(offset))

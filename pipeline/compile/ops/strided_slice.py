"""STRIDED_SLICE -> mf_strided_slice_s8 (firmware/kernels/strided_slice.c, a strided copy:
firmware/kernels/strided_copy.c): values copied from constant begin/end/strides, any sign of
stride, begin/end/shrink-axis masks as TFLite-Micro applies them.

TFLite-Micro's semantics, which are not quite TFLite's:
- begin, end and strides must hold one value per input dimension (up to 4 dimensions);
- ellipsis_mask, new_axis_mask and offset are ignored: a slice is accepted with an ellipsis
  only where ignoring it changes nothing (the ellipsis covers one dimension, which the slice
  takes whole), and rejected with a new axis or an offset;
- Prepare checks the output shape with one rounding of the indices, Eval copies with another:
  the two disagree for a shrunk axis whose begin is past the end or whose stride is negative
  (Eval writes nothing there), which is rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import StridedSliceOptions
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import int_vector, max_rank
from .shapes import row_major_strides
from .strided_copy import StridedCopyParams, strided_view

OPCODES = ("STRIDED_SLICE",)

# TFLite-Micro's STRIDED_SLICE takes 1 to 4 dimensions (its kMaxDim).
STRIDED_SLICE_MAX_DIMS = 4
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class StridedSliceParams(CStruct):
    """mf_strided_slice_params (firmware/kernels/strided_slice.h)."""

    C_TYPE: ClassVar[str] = "mf_strided_slice_params"
    copy: StridedCopyParams = nested(StridedCopyParams)


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if v > hi else lo if v < lo else v


def _bit(mask: int, axis: int) -> bool:
    return bool(mask & (1 << axis))


def eval_range(begin: int, end: int, stride: int, size: int, begin_masked: bool,
               end_masked: bool, shrink: bool) -> tuple[int, int]:
    """(start, stop) of one axis as TFLite-Micro's Eval computes them (StridedSliceStartForAxis
    and StridedSliceEndForAxis: clamp first, then the masks override)."""
    start = begin + size if begin < 0 else begin
    start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
    if begin_masked:
        start = 0 if stride > 0 else size - 1
    if shrink:
        return start, (start if start >= size else start + 1)
    stop = end + size if end < 0 else end
    stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
    if end_masked:
        stop = size if stride > 0 else -1
    return start, stop


def prepare_extent(begin: int, end: int, stride: int, size: int, begin_masked: bool,
                   end_masked: bool, shrink: bool) -> int:
    """The output extent of one axis as TFLite-Micro's Prepare checks it (StartForAxis and
    StopForAxis: the masks first, as int limits, then clamping; the extent in float32)."""
    start = (_INT_MIN if stride > 0 else _INT_MAX) if begin_masked else begin
    start = start + size if start < 0 else start
    start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
    if shrink:
        stop = start + 1
    else:
        stop = (_INT_MAX if stride > 0 else _INT_MIN) if end_masked else end
        stop = stop + size if stop < 0 else stop
        stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
    extent = math.ceil(float(np.float32(stop - start) / np.float32(stride)))
    return max(extent, 0)


def _count(start: int, stop: int, stride: int) -> int:
    """How many indices start, start + stride, ... lie before stop (Eval's loop)."""
    if stride > 0:
        return max(0, (stop - start + stride - 1) // stride)
    return max(0, (start - stop - stride - 1) // -stride)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    opt = o.options(StridedSliceOptions, StridedSliceOptions())
    if len(op.inputs) != 4:
        o.bad_file(f"has {len(op.inputs)} inputs; STRIDED_SLICE takes an input, begin, end "
                   f"and strides")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    rank = len(inp.shape)
    max_rank(o, inp, STRIDED_SLICE_MAX_DIMS)
    begin = int_vector(o, 1, "begin").tolist()
    end = int_vector(o, 2, "end").tolist()
    strides = int_vector(o, 3, "strides").tolist()
    if not len(begin) == len(end) == len(strides) == rank:
        o.unsupported(f"begin, end and strides have {len(begin)}, {len(end)} and "
                      f"{len(strides)} values for a {rank}-dimensional input; TFLite-Micro "
                      f"reads exactly one per input dimension")
    if 0 in strides:
        o.bad_file(f"strides {strides} contain 0")
    if opt.offset:
        o.unsupported("offset = true (end relative to begin); TFLite-Micro ignores the option")
    if opt.new_axis_mask & ((1 << rank) - 1):
        o.unsupported(f"new_axis_mask {opt.new_axis_mask}; TFLite-Micro ignores it (insert "
                      f"the axis with EXPAND_DIMS or RESHAPE instead)")
    ellipsis = [a for a in range(rank) if _bit(opt.ellipsis_mask, a)]
    if len(ellipsis) > 1:
        o.bad_file(f"ellipsis_mask {opt.ellipsis_mask} has more than one ellipsis")

    starts, counts, shape = [], [], []
    for a in range(rank):
        args = (begin[a], end[a], strides[a], inp.shape[a], _bit(opt.begin_mask, a),
                _bit(opt.end_mask, a), _bit(opt.shrink_axis_mask, a))
        start, stop = eval_range(*args)
        count = _count(start, stop, strides[a])
        shrink = _bit(opt.shrink_axis_mask, a)
        if shrink and count != 1:
            o.unsupported(f"axis {a} is shrunk with begin {begin[a]} and stride {strides[a]}: "
                          f"TFLite-Micro writes no value for it (a begin outside the axis or a "
                          f"negative stride)")
        if not shrink:
            extent = prepare_extent(*args)
            if extent != count:
                o.unsupported(f"axis {a}: TFLite-Micro's Prepare expects {extent} values and "
                              f"its Eval copies {count}")
            shape.append(count)
        if a in ellipsis and (shrink or start != 0 or count != inp.shape[a] or strides[a] != 1):
            o.unsupported(f"ellipsis_mask {opt.ellipsis_mask}: TFLite-Micro ignores it and "
                          f"slices axis {a} by begin {begin[a]}, end {end[a]}, stride "
                          f"{strides[a]} instead of taking it whole")
        starts.append(start)
        counts.append(count)
    o.expect_shape(out, tuple(shape), f"slicing {list(inp.shape)} by begin {begin}, end {end}, "
                                      f"strides {strides} (masks: begin {opt.begin_mask}, end "
                                      f"{opt.end_mask}, shrink {opt.shrink_axis_mask})")
    row = row_major_strides(inp.shape)
    copy = strided_view(o, inp.num_elements, counts,
                        [s * r for s, r in zip(strides, row, strict=True)],
                        sum(s * r for s, r in zip(starts, row, strict=True)))
    return KernelCall.of(op, "strided_slice", "mf_strided_slice_s8",
                         StridedSliceParams(copy=copy), (inp.index,), (out.index,))

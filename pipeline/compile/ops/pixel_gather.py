"""The pixel gather that RESIZE_NEAREST_NEIGHBOR and BATCH_TO_SPACE_ND lower to:
mf_pixel_gather_params (firmware/kernels/pixel_gather.h), nested in each op's own params and run
by mf_pixel_gather_s8 (firmware/kernels/pixel_gather.c).

Both ops write whole NHWC pixels, every one copied from an input pixel whose offset is the sum
of a term that depends on the output row and one that depends on the output column (plus the
batch): two constant tables, computed here, carry them.

Not an op module (no OPCODES): the params dataclass reaches the layout test through the structs
that nest it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..params import CStruct, const_ptr, i32
from ..program import ConstArray
from .context import OpContext


@dataclass(frozen=True)
class PixelGatherParams(CStruct):
    """mf_pixel_gather_params (firmware/kernels/pixel_gather.h)."""

    C_TYPE: ClassVar[str] = "mf_pixel_gather_params"
    batches: int = i32()
    output_height: int = i32()
    output_width: int = i32()
    depth: int = i32()
    input_batch_stride: int = i32()
    row_offsets: ConstArray = const_ptr("int32_t")
    col_offsets: ConstArray = const_ptr("int32_t")


def pixel_gather(o: OpContext, input_elements: int, batches: int, batch_stride: int,
                 depth: int, rows: Sequence[int], cols: Sequence[int]) -> PixelGatherParams:
    """The params of a gather with the row table ``rows`` (one input offset per output row)
    and the column table ``cols``; asserts that every pixel read lies inside the input (a bug
    of the caller otherwise)."""
    row_table = np.array(rows, dtype=np.int64)
    col_table = np.array(cols, dtype=np.int64)
    assert row_table.min() >= 0 and col_table.min() >= 0
    last = (batches - 1) * batch_stride + int(row_table.max()) + int(col_table.max())
    assert last + depth <= input_elements, (last, depth, input_elements)
    return PixelGatherParams(
        batches=batches, output_height=len(row_table), output_width=len(col_table),
        depth=depth, input_batch_stride=batch_stride,
        row_offsets=o.const("row_offsets", "int32_t", row_table.astype(np.int32)),
        col_offsets=o.const("col_offsets", "int32_t", col_table.astype(np.int32)))

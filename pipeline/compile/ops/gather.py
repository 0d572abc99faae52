"""GATHER -> mf_gather_s8 (firmware/kernels/gather.c): slices of the input picked along an
axis by constant int32 indices (TFLite-Micro refuses other index types), with batch_dims,
values copied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Graph, Operator
from ...tflite.options.movement import GatherOptions
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext
from .movement import int_vector, product

OPCODES = ("GATHER",)


@dataclass(frozen=True)
class GatherParams(CStruct):
    """mf_gather_params (firmware/kernels/gather.h)."""

    C_TYPE: ClassVar[str] = "mf_gather_params"
    batches: int = i32()
    outer: int = i32()
    axis_size: int = i32()
    coords: int = i32()
    inner: int = i32()
    indices: ConstArray = const_ptr("int32_t")


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(GatherOptions, GatherOptions())
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; GATHER takes an input and the indices")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    positions = o.required_input(1, "indices")
    if positions.is_constant and positions.dtype is not DType.INT32:
        o.unsupported(f"indices tensor '{positions.name}' is {positions.dtype.name.lower()}; "
                      f"TFLite-Micro's GATHER takes int32 indices only")
    indices = int_vector(o, 1, "indices")
    rank, coords_rank = len(inp.shape), len(positions.shape)
    axis = options.axis + rank if options.axis < 0 else options.axis
    if not 0 <= axis < rank:
        o.bad_file(f"axis {options.axis} is out of range for a {rank}-dimensional input")
    batch_dims = options.batch_dims + coords_rank if options.batch_dims < 0 \
        else options.batch_dims
    if not (0 <= batch_dims <= axis and batch_dims < rank and batch_dims <= coords_rank):
        o.bad_file(f"batch_dims {options.batch_dims} does not fit axis {axis}, a "
                   f"{rank}-dimensional input and {coords_rank}-dimensional indices")
    if tuple(inp.shape[:batch_dims]) != tuple(positions.shape[:batch_dims]):
        o.bad_file(f"the first {batch_dims} dimensions of the input {list(inp.shape)} and of "
                   f"the indices {list(positions.shape)} differ")
    if any(d <= 0 for d in positions.shape):
        o.unsupported(f"indices tensor '{positions.name}' has an empty shape "
                      f"{list(positions.shape)}")
    axis_size = inp.shape[axis]
    bad = sorted({int(i) for i in indices if not 0 <= i < axis_size})
    if bad:
        o.bad_file(f"index {bad[0]} is outside axis {axis} of {list(inp.shape)} (TFLite-Micro "
                   f"would read outside the input)")
    o.expect_shape(out, (*inp.shape[:axis], *positions.shape[batch_dims:],
                         *inp.shape[axis + 1:]),
                   f"gathering {list(positions.shape)} indices along axis {axis} of "
                   f"{list(inp.shape)} (batch_dims {batch_dims})")
    params = GatherParams(
        batches=product(inp.shape[:batch_dims]), outer=product(inp.shape[batch_dims:axis]),
        axis_size=axis_size, coords=product(positions.shape[batch_dims:]),
        inner=product(inp.shape[axis + 1:]),
        indices=o.const("indices", "int32_t", np.asarray(indices, dtype=np.int32)))
    return KernelCall.of(op, "gather", "mf_gather_s8", params, (inp.index,), (out.index,))

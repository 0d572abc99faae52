"""TRANSPOSE -> mf_transpose_s8 (firmware/kernels/transpose.c, a strided copy:
firmware/kernels/strided_copy.c): values copied, dimensions permuted by a constant perm."""

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

OPCODES = ("TRANSPOSE",)

# TFLite-Micro's TRANSPOSE takes 1 to 5 dimensions.
TRANSPOSE_MAX_DIMS = 5


@dataclass(frozen=True)
class TransposeParams(CStruct):
    """mf_transpose_params (firmware/kernels/transpose.h)."""

    C_TYPE: ClassVar[str] = "mf_transpose_params"
    copy: StridedCopyParams = nested(StridedCopyParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; TRANSPOSE takes an input and a perm")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    rank = len(inp.shape)
    if rank == 0:
        o.unsupported("a 0-dimensional input; TFLite-Micro transposes 1 to "
                      f"{TRANSPOSE_MAX_DIMS} dimensions")
    max_rank(o, inp, TRANSPOSE_MAX_DIMS)
    perm_t = o.required_input(1, "perm")
    perm = int_vector(o, 1, "perm").tolist()
    if len(perm_t.shape) != 1:
        o.bad_file(f"perm tensor '{perm_t.name}' has shape {list(perm_t.shape)}; TFLite-Micro "
                   f"needs a vector")
    if len(perm) != rank or sorted(perm) != list(range(rank)):
        o.bad_file(f"perm {perm} is not a permutation of the {rank} dimensions of the input")
    shape = tuple(inp.shape[p] for p in perm)
    o.expect_shape(out, shape, f"transposing {list(inp.shape)} by {perm}")
    strides = row_major_strides(inp.shape)
    copy = strided_view(o, inp.num_elements, shape, [strides[p] for p in perm], 0)
    return KernelCall.of(op, "transpose", "mf_transpose_s8", TransposeParams(copy=copy),
                         (inp.index,), (out.index,))

"""MF_CONSTANT (mcuforge's own op, made by compile.materialize, never in a file) ->
mf_constant_s8 (firmware/kernels/constant.c): a constant tensor copied from flash into its arena
slot, for an op that reads the tensor where it expects a computed one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext

OPCODES = ("MF_CONSTANT",)


@dataclass(frozen=True)
class ConstantParams(CStruct):
    """mf_constant_params (firmware/kernels/constant.h)."""

    C_TYPE: ClassVar[str] = "mf_constant_params"
    size: int = i32()
    values: ConstArray = const_ptr("int8_t")     # the tensor's bytes, little-endian


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    source = o.required_input(0, "constant")
    out = o.output()
    assert source.data is not None and source.shape == out.shape and source.dtype is out.dtype
    raw = np.ascontiguousarray(source.data).astype(source.data.dtype.newbyteorder("<")).view(np.int8)
    params = ConstantParams(size=out.nbytes, values=o.const("values", "int8_t", raw))
    return KernelCall.of(op, "constant", "mf_constant_s8", params, (), (out.index,))

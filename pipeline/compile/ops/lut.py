"""LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, ELU, RELU, RELU6 and QUANTIZE (int8 -> int8) ->
mf_lut_s8 (firmware/kernels/lut.c): each output element is a function of its input element
alone, so the generator computes that function for the 256 int8 values, reproducing the op's
TFLite-Micro kernel (``lut_tables``, one module per op), and the kernel looks every element up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext
from .lut_tables import TABLES

OPCODES = tuple(sorted(TABLES))
TABLE_SIZE = 256


@dataclass(frozen=True)
class LutParams(CStruct):
    """mf_lut_params (firmware/kernels/lut.h)."""

    C_TYPE: ClassVar[str] = "mf_lut_params"
    size: int = i32()                             # elements
    table: ConstArray = const_ptr("int8_t")       # 256 outputs; entry k for the input k - 128


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    if len(op.inputs) != 1:
        o.bad_file(f"has {len(op.inputs)} inputs; {op.opcode} takes 1")
    inp = o.required_input(0, "input")
    out = o.output()
    input_q = o.activation(inp, "input")
    output_q = o.activation(out, "output")
    if tuple(out.shape) != tuple(inp.shape):
        o.bad_file(f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}")
    table = TABLES[op.opcode](o, input_q, output_q)
    assert len(table) == TABLE_SIZE and all(-128 <= v <= 127 for v in table), op.opcode
    params = LutParams(size=inp.num_elements, table=o.const("table", "int8_t", np.asarray(table)))
    return KernelCall.of(op, "lut", "mf_lut_s8", params, (inp.index,), (out.index,))

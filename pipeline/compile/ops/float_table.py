"""MF_FLOAT_TABLE (mcuforge's own op, made by compile.fuse_float from a DEQUANTIZE -> float ops
-> QUANTIZE chain, never in a file) -> mf_lut_s8 (firmware/kernels/lut.c): the chain's 256
results, computed at generation time, looked up per element."""

from __future__ import annotations

import numpy as np

from ...tflite.graph import Graph, Operator
from ..program import KernelCall
from .context import OpContext
from .lut import TABLE_SIZE, LutParams

OPCODES = ("MF_FLOAT_TABLE",)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    inp = o.required_input(0, "input")
    table = o.required_input(1, "table")
    out = o.output()
    o.activation(inp, "input")
    o.activation(out, "output")
    assert table.data is not None and table.data.shape == (TABLE_SIZE,)
    if tuple(out.shape) != tuple(inp.shape):
        o.bad_file(f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}")
    params = LutParams(size=inp.num_elements, table=o.const("table", "int8_t", np.asarray(table.data)))
    return KernelCall.of(op, "lut", "mf_lut_s8", params, (inp.index,), (out.index,))

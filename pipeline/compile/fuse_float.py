"""Float islands of an int8 model as one lookup table.

The TFLite converter leaves an op it has no int8 kernel for in float, between a DEQUANTIZE and a
QUANTIZE (Keras ELU does this: DEQUANTIZE int8 -> ELU float32 -> QUANTIZE int8). TFLite-Micro
runs the three ops in turn. Every output element then depends on one int8 input element alone,
so the island is a function of 256 values: ``fuse_float_islands`` replaces the chain with one
MF_FLOAT_TABLE op (ops.lut: the lookup-table kernel mf_lut_s8) whose second input is a
constant int8 tensor holding the 256 results, computed here in TFLite-Micro's float arithmetic:

- DEQUANTIZE: float(double(scale) * (q - zero point)) (reference_ops::Dequantize);
- each float op of FLOAT_FUNCTIONS in float32, as its TFLite-Micro float kernel;
- QUANTIZE: round half away from zero of (x / float(scale)) in float32, + zero point, clamped
  (reference_ops::AffineQuantize).

A chain qualifies when each intermediate tensor is float32, read by the next op only and not a
model output. The tests compare every entry with TFLite-Micro running the original ops.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ..tflite.graph import DType, Graph, Operator, Quant, Tensor
from .quant import round_half_away

OPCODE = "MF_FLOAT_TABLE"


def _elu(x: np.ndarray) -> np.ndarray:
    """TFLite-Micro's float ELU: expm1(x) below zero (float32 expm1f), x above."""
    return np.where(x < 0, np.expm1(x), x).astype(np.float32)


# float32 -> float32, element-wise, as TFLite-Micro's float kernels compute them
FLOAT_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"ELU": _elu}


def island_table(in_q: Quant, chain: list[str], out_q: Quant) -> np.ndarray:
    """The 256 int8 results (entry k for the input k - 128) of DEQUANTIZE, ``chain``, QUANTIZE."""
    q = np.arange(-128, 128, dtype=np.int64)
    x = (np.float64(np.float32(in_q.scale[0])) * (q - in_q.zero_point[0])).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        for opcode in chain:
            x = FLOAT_FUNCTIONS[opcode](x)
        scaled = (x / np.float32(out_q.scale[0])).astype(np.float32)
    out = [round_half_away(float(v)) + out_q.zero_point[0] for v in scaled]
    return np.clip(np.array(out, dtype=np.float64), -128, 127).astype(np.int8)


def fuse_float_islands(graph: Graph) -> Graph:
    """``graph`` with each DEQUANTIZE -> FLOAT_FUNCTIONS* -> QUANTIZE chain (int8 at both ends)
    replaced by one MF_FLOAT_TABLE op; unchanged when there is none."""
    writer = {t: op for op in graph.operators for t in op.outputs}
    readers: dict[int, int] = {}
    for op in graph.operators:
        for t in op.inputs:
            readers[t] = readers.get(t, 0) + 1

    def private_float(t: int) -> bool:
        return (graph.tensor(t).dtype is DType.FLOAT32 and readers.get(t, 0) == 1
                and t not in graph.outputs)

    tensors: list[Tensor] = list(graph.tensors)
    replaced: dict[int, Operator] = {}      # index of the QUANTIZE -> the fused op
    removed: set[int] = set()
    for op in graph.operators:
        if op.opcode != "QUANTIZE" or len(op.inputs) != 1 or len(op.outputs) != 1:
            continue
        out = graph.tensor(op.outputs[0])
        t = op.inputs[0]
        chain: list[str] = []
        ops: list[Operator] = []
        while private_float(t) and t in writer and writer[t].opcode in FLOAT_FUNCTIONS \
                and len(writer[t].inputs) == 1:
            chain.insert(0, writer[t].opcode)
            ops.append(writer[t])
            t = writer[t].inputs[0]
        if not (private_float(t) and t in writer and writer[t].opcode == "DEQUANTIZE"):
            continue
        deq = writer[t]
        src = graph.tensor(deq.inputs[0])
        if src.dtype is not DType.INT8 or out.dtype is not DType.INT8 or src.quant is None \
                or out.quant is None or src.quant.per_channel or out.quant.per_channel:
            continue
        table = Tensor(index=len(tensors), name=f"{out.name} (float island table)",
                       dtype=DType.INT8, shape=(256,), quant=None,
                       data=island_table(src.quant, chain, out.quant))
        tensors.append(table)
        replaced[op.index] = Operator(index=deq.index, opcode=OPCODE,
                                      inputs=(src.index, table.index), outputs=(out.index,))
        removed |= {deq.index, *(o.index for o in ops)}
    if not replaced:
        return graph
    operators = [replaced.get(op.index, op) for op in graph.operators if op.index not in removed]
    return dataclasses.replace(graph, tensors=tuple(tensors), operators=tuple(operators))

"""Constant operands of ops whose kernels read only arena tensors: put into the arena.

A converter leaves a constant where a layer meets a fixed value: a BatchNormalization on the
model input converts into MUL and ADD with constant vectors, ``x * 2`` or ``x + bias`` into a
MUL or ADD with a constant. TFLite-Micro's kernels read such an operand as they read any tensor.
Where mcuforge's kernel takes only arena pointers (ADD, the joins, int16 arithmetic),
``materialize_constants`` gives each such constant a computed twin: a new tensor (same shape,
type and quantization, no data) written by an MF_CONSTANT op (compile.ops.constant: a copy from
flash) placed just before the first op that reads it, and the ops read the twin instead. The
copy runs every inference (a few bytes to a few hundred for the usual per-channel vectors) and
the twin takes its arena slot while it is live.

New tensors are appended (existing indices stay); the new ops get indices after the file's, so
the C names stay unique, and keep the execution order valid (each comes before its readers).
"""

from __future__ import annotations

import dataclasses

from ..tflite.graph import DType, Graph, Operator, Tensor

# Ops whose lowering reads every input as an activation (ADD: its optimized and CMSIS-NN
# kernels take two arena operands; the joins copy from the arena).
ARENA_OPERAND_OPS = frozenset({"ADD", "CONCATENATION", "PACK"})
# Ops whose int8 kernels read a constant operand from flash themselves (ops.binary), but whose
# int16 kernels do not.
INT8_CONSTANT_OPS = frozenset({"SUB", "MUL", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"})
OPCODE = "MF_CONSTANT"


def _needs_twin(graph: Graph, op: Operator, t: int) -> bool:
    if t < 0 or not graph.tensor(t).is_constant or graph.tensor(t).quant is None:
        return False
    if op.opcode in ARENA_OPERAND_OPS:
        return True
    return op.opcode in INT8_CONSTANT_OPS and graph.tensor(t).dtype is not DType.INT8


def materialize_constants(graph: Graph) -> Graph:
    """``graph`` with each constant operand that its op's kernel cannot read from flash
    (``_needs_twin``) read from an arena twin instead (unchanged when there is none)."""
    tensors: list[Tensor] = list(graph.tensors)
    operators: list[Operator] = []
    twins: dict[int, int] = {}
    next_index = max((op.index for op in graph.operators), default=-1) + 1
    for op in graph.operators:
        inputs = list(op.inputs)
        for k, t in enumerate(inputs):
            if not _needs_twin(graph, op, t):
                continue
            if t not in twins:
                source = graph.tensor(t)
                twin = dataclasses.replace(source, index=len(tensors), data=None,
                                           name=f"{source.name} (constant)")
                tensors.append(twin)
                twins[t] = twin.index
                operators.append(Operator(index=next_index, opcode=OPCODE, inputs=(t,),
                                          outputs=(twin.index,)))
                next_index += 1
            inputs[k] = twins[t]
        operators.append(op if tuple(inputs) == op.inputs else dataclasses.replace(op, inputs=tuple(inputs)))
    if not twins:
        return graph
    return dataclasses.replace(graph, tensors=tuple(tensors), operators=tuple(operators))

"""Fold static subgraphs before lowering: what a model computes from constants and static shapes
is computed here, once, and the ops that did it disappear.

A Keras layer built for a dynamic batch (``Flatten``, ``Reshape``, ...) converts into
SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE: the target shape is computed at run time from the
input's shape. In a .tflite every tensor's ``shape`` is static (TFLite-Micro runs exactly those
shapes), so that arithmetic always gives the same values: folded, the RESHAPE gets a constant
shape input and is a plain reshape, and SHAPE, STRIDED_SLICE and PACK are gone.

``fold_static(graph)`` returns a new Graph in three steps:

1. In execution order (after checking that no op would change a dynamic batch's placeholder,
   which TFLite-Micro runs wrongly: ``fold_shapes``), every op whose inputs are constant (for
   SHAPE: any input) and that ``fold_ops.EVALUATORS`` can evaluate exactly is evaluated in numpy; its outputs become
   constant tensors (``Tensor.data`` set, shaped and typed as the file declares them) and the op
   is removed. The ops of shape arithmetic on int32/int64 values fold, and data movement
   (reshapes, slices, packs, gathers, transposes) of constant data of any type; quantized
   arithmetic never does (see ``fold_ops``). An op that writes a model output is kept.
2. RESHAPE and SQUEEZE whose input and output have the same shape, type and quantization are
   removed: their consumers read the input instead; when the output is a model
   output, the op that writes the input writes the output tensor instead.
3. Ops whose outputs nobody reads and that are not model outputs are removed (ops with side
   effects and custom ops stay).

The tensor list stays as it is (tensor indices are stable; tensors no op uses any more are simply
unreferenced); operators keep their index in the file (used in messages and C names) and their
order, which stays a valid execution order because ops are only removed or renamed onto tensors
with the same contents.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import ModelFileError, UnsupportedModelError
from ..tflite.graph import Graph, Operator, Tensor
from .fold_ops import EVALUATORS, SHAPE_ONLY, FoldError, Operands
from .fold_shapes import placeholder_problem

__all__ = ["fold_static", "IDENTITY_OPS", "KEEP_UNUSED"]

IDENTITY_OPS = frozenset({"RESHAPE", "SQUEEZE"})
"""Ops that only relabel a shape: removed when the shape does not change (and TFLite-Micro
would accept the op: see ``_is_identity``). A valid EXPAND_DIMS always adds a dimension."""

KEEP_UNUSED = frozenset({"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE", "CALL",
                         "IF", "WHILE"})
"""Ops kept even when nobody reads their outputs (they act on state or on other subgraphs)."""


def fold_static(graph: Graph) -> Graph:
    """The graph with its static subgraphs evaluated, identity reshapes and unused ops removed."""
    tensors = list(graph.tensors)
    operators = _fold_constants(graph, tensors)
    operators = _drop_identities(graph, tensors, operators)
    operators = _drop_unused(graph, operators)
    return dataclasses.replace(graph, tensors=tuple(tensors), operators=tuple(operators))


def _where(graph: Graph, op: Operator) -> str:
    return f"{graph.name}.tflite: op {op.index} ({op.opcode})"


# ---- 1. constants ----

def _fold_constants(graph: Graph, tensors: list[Tensor]) -> list[Operator]:
    model_outputs = set(graph.outputs)
    kept: list[Operator] = []
    for op in graph.operators:
        _check_placeholders(graph, tensors, op)
        values = None
        if not model_outputs.intersection(op.outputs):
            values = _evaluate(graph, tensors, op)
        if values is None:
            kept.append(op)
            continue
        for index, value in zip(op.outputs, values, strict=True):
            tensors[index] = dataclasses.replace(tensors[index], data=value)
    return kept


def _check_placeholders(graph: Graph, tensors: list[Tensor], op: Operator) -> None:
    """A dynamic batch whose placeholder the op would change is a one-line error
    (compile.fold_shapes: TFLite-Micro runs the placeholder and reads stale memory)."""
    inputs = tuple(tensors[i] if i >= 0 else None for i in op.inputs)
    problem = placeholder_problem(op, inputs, tuple(tensors[i] for i in op.outputs))
    if problem is not None:
        raise UnsupportedModelError(f"{_where(graph, op)}: {problem}")


def _evaluate(graph: Graph, tensors: list[Tensor], op: Operator) -> list[np.ndarray] | None:
    """The op's output values (typed and shaped as declared), or None if it does not fold."""
    evaluate = EVALUATORS.get(op.opcode)
    if evaluate is None or not op.outputs:
        return None
    inputs = tuple(tensors[i] if i >= 0 else None for i in op.inputs)
    outputs = tuple(tensors[i] for i in op.outputs)
    if op.opcode not in SHAPE_ONLY and any(t is not None and t.data is None for t in inputs):
        return None
    if not inputs or inputs[0] is None or any(t.is_constant for t in outputs):
        return None
    try:
        values = evaluate(Operands(op, inputs, outputs))
        if values is None:
            return None
        if len(values) != len(outputs):
            raise FoldError(f"computes {len(values)} outputs, but has {len(outputs)}")
        return [_as_declared(value, t) for value, t in zip(values, outputs, strict=True)]
    except FoldError as err:
        raise ModelFileError(f"{_where(graph, op)}: {err}") from None


def _as_declared(value: np.ndarray, t: Tensor) -> np.ndarray:
    """``value`` in the output tensor's declared type and shape (read-only, like the reader's
    constants); an element count other than the declared shape's is an inconsistent file."""
    value = np.asarray(value)
    if value.size != t.num_elements:
        raise FoldError(f"computes shape {list(value.shape)}, but output tensor '{t.name}' has "
                        f"shape {list(t.shape)}")
    result = np.array(value, dtype=t.dtype.numpy).reshape(t.shape)   # a copy, C order
    result.setflags(write=False)
    return result


# ---- 2. identity reshapes ----

def _drop_identities(graph: Graph, tensors: list[Tensor],
                     operators: list[Operator]) -> list[Operator]:
    model_inputs, model_outputs = set(graph.inputs), set(graph.outputs)
    producer = {t: op.index for op in operators for t in op.outputs}
    rename: dict[int, int] = {}

    def resolve(t: int) -> int:
        while t in rename:
            t = rename[t]
        return t

    kept: list[Operator] = []
    for op in operators:
        if op.opcode in IDENTITY_OPS and op.inputs and op.inputs[0] >= 0 and len(op.outputs) == 1:
            x, y = resolve(op.inputs[0]), op.outputs[0]
            tx, ty = tensors[x], tensors[y]
            if _is_identity(op, tx, ty):
                if y not in model_outputs:
                    rename[y] = x          # consumers of y read x
                    continue
                if x in producer and x not in model_inputs and x not in model_outputs:
                    rename[x] = y          # x's producer writes y; x's readers read y
                    continue
        kept.append(op)
    if not rename:
        return kept

    def renamed(indices: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(resolve(i) if i >= 0 else i for i in indices)

    return [dataclasses.replace(op, inputs=renamed(op.inputs), outputs=renamed(op.outputs))
            for op in kept]


def _is_identity(op: Operator, x: Tensor, y: Tensor) -> bool:
    """A computed tensor passed on unchanged: same shape, type and quantization. For SQUEEZE,
    only without squeeze_dims and with no dimension of size 1 (else TFLite-Micro's prepare step
    squeezes something, and an output of the input's shape is an inconsistent file)."""
    if (x.shape != y.shape or x.dtype is not y.dtype or x.quant != y.quant or x.is_constant
            or y.is_constant):
        return False
    if op.opcode == "SQUEEZE":
        return not getattr(op.options, "squeeze_dims", ()) and 1 not in x.shape
    return True


# ---- 3. unused ops ----

def _drop_unused(graph: Graph, operators: list[Operator]) -> list[Operator]:
    live = set(graph.outputs)
    kept: list[Operator] = []
    for op in reversed(operators):
        if (op.opcode in KEEP_UNUSED or op.opcode.startswith("CUSTOM:") or not op.outputs
                or live.intersection(op.outputs)):
            kept.append(op)
            live.update(i for i in op.inputs if i >= 0)
    kept.reverse()
    return kept

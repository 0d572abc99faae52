"""Placeholder dimensions that an op would change: a model TFLite-Micro runs wrongly.

A model converted for a dynamic batch marks it with -1 in the tensors' ``shape_signature``; the
``shape`` field holds a placeholder there (1). TFLite-Micro runs the ``shape`` fields as they are
(its prepare writes no new dims for SPACE_TO_BATCH_ND or BATCH_TO_SPACE_ND: checked with its
interpreter's preserved tensors), which is right as long as every op keeps the batch. A
SPACE_TO_BATCH_ND with a block (Keras's dilated convolutions) multiplies it: with the placeholder
output shape [1, ...] TFLite-Micro computes only the first of the block's batches, and the
BATCH_TO_SPACE_ND after it fills only that share of its output, leaving the rest of the tensor as
whatever the arena held before, so its results depend on stale memory and no code can match them.

Propagating the real shapes would compute the model correctly (LiteRT, which resizes, agrees),
but not what TFLite-Micro computes, which is mcuforge's ground truth; so ``placeholder_problem``
finds the op whose real output shape differs from the declared one at a -1 of its signature, and
``compile.fold`` makes that a one-line error telling the user to convert with a fixed batch.
"""

from __future__ import annotations

import math

import numpy as np

from ..tflite.graph import Operator, Tensor

Shape = tuple[int, ...]


def _const(t: Tensor | None) -> np.ndarray | None:
    return None if t is None or t.data is None else np.asarray(t.data).astype(np.int64)


def _batch_moved(op: Operator, inputs: tuple[Tensor | None, ...]) -> Shape | None:
    """The real output shape of SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND (input [b, *spatial,
    *rest], block [m], paddings or crops [m, 2]), or None if it cannot be computed here."""
    if len(inputs) < 3 or inputs[0] is None:
        return None
    x, block, pads = inputs[0].shape, _const(inputs[1]), _const(inputs[2])
    if block is None or pads is None or block.ndim != 1 or pads.shape != (len(block), 2):
        return None
    m, n = len(block), math.prod(block.tolist())
    if len(x) < m + 1 or n <= 0 or min(block.tolist()) <= 0:
        return None
    if op.opcode == "SPACE_TO_BATCH_ND":
        spatial = [x[1 + i] + int(pads[i].sum()) for i in range(m)]
        if any(s % int(b) for s, b in zip(spatial, block)):
            return None
        return (x[0] * n, *(s // int(b) for s, b in zip(spatial, block)), *x[1 + m:])
    if x[0] % n:
        return None
    return (x[0] // n, *(x[1 + i] * int(block[i]) - int(pads[i].sum()) for i in range(m)),
            *x[1 + m:])


def placeholder_problem(op: Operator, inputs: tuple[Tensor | None, ...],
                        outputs: tuple[Tensor, ...]) -> str | None:
    """Why TFLite-Micro would run this op on a wrong placeholder shape, or None."""
    if op.opcode not in ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND") or len(outputs) != 1:
        return None
    out = outputs[0]
    sig = out.shape_signature
    real = _batch_moved(op, inputs)
    if sig is None or real is None or real == out.shape or len(real) != len(sig):
        return None
    if any(s != -1 and s != d for s, d in zip(sig, real)):
        return None            # a static dimension disagrees: an inconsistent file (lowering)
    return (f"output tensor '{out.name}' has a dynamic batch (shape_signature {list(sig)}) "
            f"with the placeholder shape {list(out.shape)}, but the op makes it "
            f"{list(real)}; TFLite-Micro runs the placeholder, so part of its result is "
            f"uninitialised memory: convert the model with a fixed batch size (Keras: "
            f"Input(..., batch_size=1))")

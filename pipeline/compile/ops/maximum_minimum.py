"""MAXIMUM -> mf_maximum_s8 and MINIMUM -> mf_minimum_s8, or their ``_const`` variants with a
constant operand (firmware/kernels/maximum_minimum.c: the two share their broadcast walk).

TFLite-Micro compares the stored int8 values as they are and copies the winner: it has no
prepare step and never looks at the quantization (the converter gives both inputs and the
output the same scale and zero point). mcuforge does the same, so a model whose quantizations
differ gets exactly TFLite-Micro's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.binary import MaximumMinimumOptions
from ..params import CStruct, nested
from ..program import KernelCall
from .binary import BroadcastParams, binary_operands
from .context import OpContext

OPCODES = ("MAXIMUM", "MINIMUM")
FUNCTIONS = {"MAXIMUM": "mf_maximum", "MINIMUM": "mf_minimum"}


@dataclass(frozen=True)
class MaximumMinimumParams(CStruct):
    """mf_maximum_minimum_params (firmware/kernels/maximum_minimum.h)."""

    C_TYPE: ClassVar[str] = "mf_maximum_minimum_params"
    broadcast: BroadcastParams = nested(BroadcastParams)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    o.options(MaximumMinimumOptions, MaximumMinimumOptions())
    b = binary_operands(o)
    params = MaximumMinimumParams(broadcast=b.broadcast)
    return b.call(op, "maximum_minimum", FUNCTIONS[op.opcode], params)

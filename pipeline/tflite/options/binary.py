"""Options of the broadcasting binary ops lowered by compile/ops/mul.py, sub.py,
maximum_minimum.py and squared_difference.py: MUL, SUB, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE.

Field ids and union tags are those of the TFLite schema (schema.fbs: ``table MulOptions``,
``table SubOptions``, ``table MaximumMinimumOptions``, ``table SquaredDifferenceOptions`` and their
places in ``union BuiltinOptions``). The option dataclasses live here rather than in
``tflite.graph`` (they are only read by these lowerings).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..graph import Activation
from . import activation


@dataclass(frozen=True)
class MulOptions:
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class SubOptions:
    activation: Activation = Activation.NONE
    pot_scale_int16: bool = True      # int16 SUB only (schema default true); unused for int8


@dataclass(frozen=True)
class MaximumMinimumOptions:
    """An empty table in the schema."""


@dataclass(frozen=True)
class SquaredDifferenceOptions:
    """An empty table in the schema."""


def _mul(t, where: str, file: str) -> MulOptions:
    # fused_activation_function
    return MulOptions(
        activation=activation(t.scalar(0, "b", 0, "fused_activation_function"), where, file))


def _sub(t, where: str, file: str) -> SubOptions:
    # fused_activation_function, pot_scale_int16
    return SubOptions(
        activation=activation(t.scalar(0, "b", 0, "fused_activation_function"), where, file),
        pot_scale_int16=bool(t.scalar(1, "?", True, "pot_scale_int16")))


def _maximum_minimum(t, where: str, file: str) -> MaximumMinimumOptions:
    return MaximumMinimumOptions()


def _squared_difference(t, where: str, file: str) -> SquaredDifferenceOptions:
    return SquaredDifferenceOptions()


# op name -> (BuiltinOptions union tag, options table name, parser, options table required)
PARSERS = {
    "MUL": (21, "MulOptions", _mul, False),
    "SUB": (28, "SubOptions", _sub, False),
    "MAXIMUM": (39, "MaximumMinimumOptions", _maximum_minimum, False),
    "MINIMUM": (39, "MaximumMinimumOptions", _maximum_minimum, False),
    "SQUARED_DIFFERENCE": (76, "SquaredDifferenceOptions", _squared_difference, False),
}

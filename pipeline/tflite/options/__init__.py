"""Builtin options of the operators code generation understands, parsed into the typed option
dataclasses (``tflite.graph`` and the modules here).

Each module of this package declares ``PARSERS``: op name -> (BuiltinOptions union tag, options
table name, parser, whether the table is required). A parser reads fields by their schema ids
(``t.scalar(field_id, struct_code, default, name)``, ``t.vector(...)``) and raises a one-line
ModelFileError naming the file and the operator for a value the schema does not allow. The
registry below is built from the modules, so a new op's options are a new module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from ...errors import ModelFileError
from ..graph import Activation, Padding

Parser = Callable[[Any, str, str], Any]


class NoOptions:
    """Stands in for an absent options table: every field reads as its schema default."""

    def scalar(self, field_id, code, default, name):
        return default

    def vector(self, field_id, dtype, name):
        return None


def padding(value: int, where: str, file: str) -> Padding:
    try:
        return Padding(value)
    except ValueError:
        raise ModelFileError(f"{file}: {where}: unknown padding value {value}") from None


def activation(value: int, where: str, file: str) -> Activation:
    try:
        return Activation(value)
    except ValueError:
        raise ModelFileError(f"{file}: {where}: unknown fused activation value {value}") from None


def positive(value: int, field: str, where: str, file: str) -> int:
    if value < 1:
        raise ModelFileError(f"{file}: {where}: {field} is {value}, must be >= 1")
    return value



def _registry() -> dict[str, tuple[int, str, Parser, bool]]:
    table: dict[str, tuple[int, str, Parser, bool]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for op, spec in getattr(module, "PARSERS", {}).items():
            if op in table:
                raise AssertionError(f"options of {op} are parsed by two modules")
            table[op] = spec
    return table


OPTIONS = _registry()

"""One lowering per op, one module per op (as TFLite-Micro's kernels/): ``<op>.py`` pairs with
``firmware/kernels/<kernel>.c`` and ``.h`` and with ``tests/kernels/test_<op>.py``.

Each op module declares ``OPCODES`` (the TFLite builtins it lowers), its params dataclass (the
mirror of its C struct) and ``lower(graph, op) -> KernelCall``. The registry is built from the
modules of this package, so adding an op is adding a module. Shared helpers live in modules
without ``OPCODES``: ``context`` (checked tensor access, one-line errors), ``spatial`` (window
padding), ``shapes`` (dimension merging, broadcasting).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from ...tflite.graph import Graph, Operator
from ..program import KernelCall

Lowering = Callable[[Graph, Operator], KernelCall]


def _registry() -> dict[str, Lowering]:
    table: dict[str, Lowering] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for opcode in getattr(module, "OPCODES", ()):
            if opcode in table:
                raise AssertionError(f"{opcode} is lowered by two modules")
            table[opcode] = module.lower
    return table


LOWERINGS: dict[str, Lowering] = _registry()

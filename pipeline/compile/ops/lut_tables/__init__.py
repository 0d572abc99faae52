"""The 256-entry tables of the int8 ops lowered to the lookup-table kernel ``mf_lut_s8``
(firmware/kernels/lut.c, lowering in ``ops/lut.py``): one module per op, each reproducing its
TFLite-Micro kernel's arithmetic (its Prepare step's parameters and checks, then the per-element
integer code, in Python through ``fixedpoint``) for each of the 256 possible input values.

An int8 op whose output element depends on its input element alone is a function of 256
values; computing that function once at generation time, exactly as TFLite-Micro computes it
element by element, makes the kernel a table lookup that is bit-exact by construction (the
tests compare every entry with TFLite-Micro for many quantizations).

Each module declares ``TABLES``: opcode -> ``build(o, input_q, output_q) -> list[int]``, the 256
outputs (entry k for the input value k - 128) from the (scale, zero point) of the input and the
output; a build calls ``o.unsupported`` / ``o.bad_file`` for what it cannot reproduce. The
registry below is built from the modules of this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from ..context import OpContext

Quantization = tuple[float, int]
Build = Callable[[OpContext, Quantization, Quantization], list[int]]

INT8_VALUES = range(-128, 128)   # table entry k is the output for the input value k - 128


def clamp8(x: int) -> int:
    return min(max(x, -128), 127)


def _registry() -> dict[str, Build]:
    table: dict[str, Build] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for opcode, build in getattr(module, "TABLES", {}).items():
            if opcode in table:
                raise AssertionError(f"the table of {opcode} is built by two modules")
            table[opcode] = build
    return table


TABLES: dict[str, Build] = _registry()

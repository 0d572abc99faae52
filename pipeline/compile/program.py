"""What lowering produces: a flat list of kernel calls over one static arena.

``pipeline.compile`` builds a ``Program`` from a ``Graph``; ``pipeline.codegen`` only lays it out
through the templates. Every C identifier and initializer string here is final (sanitised and
computed in Python); templates never do arithmetic or naming.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ConstArray:
    """A constant array in flash: weights, biases, per-channel multipliers and shifts.

    ``values`` is 1-D, in the exact element order the kernel reads. Rendered ``static const`` and
    16-byte aligned.
    """

    name: str          # C identifier, unique within the generated model
    c_type: str        # "int8_t", "int16_t" or "int32_t"
    values: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.values.size * self.values.itemsize)


@dataclass(frozen=True)
class KernelCall:
    """One call ``status = function(&params, input pointers..., output pointers...)``.

    ``params`` lists (field, C initializer expression) in any order; rendered as a designated
    initializer of a ``static const params_type``. Expressions may name the ``constants`` of this
    call (pointer fields) and nested initializers like ``{1, 49, 10, 1}``.
    ``inputs``/``outputs`` are indices of non-constant tensors, in argument order.
    """

    op_index: int
    opcode: str
    function: str
    params_type: str
    params: tuple[tuple[str, str], ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    constants: tuple[ConstArray, ...] = ()
    macs: int = 0


@dataclass(frozen=True)
class ArenaSlot:
    tensor: int        # tensor index
    offset: int        # bytes from the arena start, multiple of the arena alignment
    size: int          # bytes
    first_use: int     # index of the first kernel call that writes it (-1: model input)
    last_use: int      # index of the last kernel call that reads it (len(calls): model output)

    @property
    def end(self) -> int:
        return self.offset + self.size


@dataclass(frozen=True)
class TensorIO:
    """A model input or output as the generated API exposes it."""

    tensor: int
    name: str
    shape: tuple[int, ...]
    c_type: str
    scale: float
    zero_point: int
    size: int          # bytes


@dataclass(frozen=True)
class Program:
    name: str                      # C identifier prefix of the generated API
    source_name: str               # the .tflite file name, for the header
    sha256: str                    # of the .tflite file
    calls: tuple[KernelCall, ...]
    slots: tuple[ArenaSlot, ...]
    arena_size: int                # bytes, multiple of 16
    inputs: tuple[TensorIO, ...]
    outputs: tuple[TensorIO, ...]

    @property
    def macro_prefix(self) -> str:
        """Prefix of the generated header's macros (<NAME>_INPUT_SIZE, ...)."""
        return self.name.upper()

    @property
    def constants(self) -> tuple[ConstArray, ...]:
        return tuple(c for call in self.calls for c in call.constants)

    @property
    def weight_bytes(self) -> int:
        return sum(c.nbytes for c in self.constants)

    @property
    def macs(self) -> int:
        return sum(call.macs for call in self.calls)

    def slot(self, tensor: int) -> ArenaSlot:
        for s in self.slots:
            if s.tensor == tensor:
                return s
        raise KeyError(tensor)

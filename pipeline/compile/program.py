"""What lowering produces: a flat list of kernel calls over one static arena.

``mcuforge.compile`` builds a ``Program`` from a ``Graph``; ``mcuforge.codegen`` only lays it out
through the templates. Every C identifier and initializer string here is final (sanitised and
computed in Python); templates never do arithmetic or naming.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .params import CStruct


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
class ArenaRef:
    """A pointer into the arena that a params struct holds, resolved once the planner has placed
    it: the call's own scratch buffer (``SCRATCH``) or the persistent slot of a variable tensor
    (``state_ref``)."""

    what: str          # "scratch" | "state"
    tensor: int = -1   # "state": the variable tensor's index


SCRATCH = ArenaRef("scratch")


def state_ref(tensor: int) -> ArenaRef:
    """The persistent arena slot of variable tensor ``tensor``; a call whose params hold one lists
    the tensor in ``KernelCall.state``."""
    return ArenaRef("state", tensor)


@dataclass(frozen=True)
class KernelCall:
    """One call ``status = function(&params, input pointers..., output pointers...)``.

    ``params`` is the typed value of the kernel's params struct (``pipeline.compile.params``),
    rendered as a designated initializer of a ``static const`` struct; its pointer fields name
    ``constants`` of this call. ``inputs``/``outputs`` are indices of non-constant tensors, in
    argument order. ``kernel`` names the source files (``kernels/<kernel>.c`` and ``.h``) and
    ``backend`` the folder they come from (``portable`` is firmware/kernels/ itself).
    ``scratch_bytes`` > 0 asks the planner for a buffer live during this call only.
    ``state`` lists the variable tensors the call reads and rewrites (its params point at them
    with ``state_ref``): each gets a persistent slot that no other tensor ever shares, kept from
    one inference to the next and zeroed by ``<name>_reset()`` (and at start-up, as the static
    arena starts zeroed), so the kernel keeps its state encoded such that all-zero bytes are the
    state TFLite-Micro starts from.
    """

    op_index: int
    opcode: str
    kernel: str
    function: str
    params: CStruct
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    constants: tuple[ConstArray, ...] = ()
    macs: int = 0
    backend: str = "portable"
    scratch_bytes: int = 0
    state: tuple[int, ...] = ()
    note: str = ""     # why this call uses the backend it does, when that is not the one asked for
    # C element type of each tensor argument (inputs, then outputs) when not all are int8_t
    # (int16 activations): codegen casts its arena pointers to them. Empty: every one int8_t.
    arg_types: tuple[str, ...] = ()

    @property
    def params_type(self) -> str:
        return self.params.C_TYPE

    @classmethod
    def of(cls, op, kernel: str, function: str, params: CStruct, inputs: tuple[int, ...],
           outputs: tuple[int, ...], macs: int = 0, **extra) -> KernelCall:
        """A call of ``op`` whose constants are exactly the arrays ``params`` points to."""
        from .params import constants_of

        return cls(op_index=op.index, opcode=op.opcode, kernel=kernel, function=function,
                   params=params, inputs=inputs, outputs=outputs,
                   constants=tuple(constants_of(params)), macs=macs, **extra)


@dataclass(frozen=True)
class ArenaSlot:
    tensor: int        # tensor index; for a scratch buffer -1 - (index of its call)
    offset: int        # bytes from the arena start, multiple of the arena alignment
    size: int          # bytes
    first_use: int     # index of the first kernel call that writes it (-1: model input)
    last_use: int      # index of the last kernel call that reads it (len(calls): model output)
    persistent: bool = False   # a variable tensor's state: live across every call and inference

    @property
    def end(self) -> int:
        return self.offset + self.size


def scratch_key(call_index: int) -> int:
    """The ArenaSlot.tensor of call ``call_index``'s scratch buffer (tensor indices are >= 0)."""
    return -1 - call_index


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
    backend: str = "portable"      # what was asked for (compile.backends.BACKENDS)
    isa: str = "none"              # what the backend's kernels were sized and built for

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

    @property
    def scratch_bytes(self) -> int:
        """The largest scratch buffer of any call (they are never live together)."""
        return max((c.scratch_bytes for c in self.calls), default=0)

    @property
    def state_slots(self) -> tuple[ArenaSlot, ...]:
        """The persistent slots (variable tensors), by offset: what ``<name>_reset()`` zeroes."""
        return tuple(sorted((s for s in self.slots if s.persistent), key=lambda s: s.offset))

    @property
    def state_bytes(self) -> int:
        return sum(s.size for s in self.state_slots)

    @property
    def fallbacks(self) -> tuple[KernelCall, ...]:
        """Calls that stayed on the portable kernel although another backend was asked for."""
        return tuple(c for c in self.calls if c.note)

    def scratch_slot(self, call_index: int) -> ArenaSlot:
        return self.slot(scratch_key(call_index))

    def slot(self, tensor: int) -> ArenaSlot:
        for s in self.slots:
            if s.tensor == tensor:
                return s
        raise KeyError(tensor)

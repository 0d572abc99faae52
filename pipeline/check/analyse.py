"""The analysis behind `mcuforge check`: what `mcuforge compile` would do with a model, stopped
before any code is written.

The model goes through the compiler's own steps (``tflite.reader.read_model``,
``compile.fold.fold_static``, ``compile.lower_each``, ``compile.backends.apply_backend``,
``compile.plan_steps``), so every verdict and figure is the compiler's: an op is supported when
its lowering returns a call, and its reason otherwise is the lowering's own one-line error. Unlike
compile, nothing stops at the first problem. An op that does not lower still takes part in the
arena plan with its computed tensors (``Placeholder``; no scratch, no weights, no MACs), so the
figures of a model with unsupported ops are lower bounds, marked ``complete = False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..backend_names import PORTABLE
from ..boards import Board
from ..compile import Lowered, Step, check_model_io, lower_each, plan_steps
from ..compile.backends import Target, apply_backend, board_isa, default_backend
from ..compile.fold import IDENTITY_OPS, fold_static
from ..compile.fuse_float import fuse_float_islands
from ..compile.materialize import materialize_constants
from ..compile.program import ArenaSlot, KernelCall
from ..errors import McuforgeError
from ..tflite.graph import Graph, Operator, Tensor
from ..tflite.reader import read_model


@dataclass(frozen=True)
class Placeholder:
    """An op that did not lower, standing in for its call in the arena plan: it reads its
    computed inputs and writes its outputs (a compile.Step)."""

    op_index: int
    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    scratch_bytes: int = 0
    state: tuple[int, ...] = ()     # unknown for an op that did not lower: none planned


@dataclass(frozen=True)
class OpReport:
    """One operator of the file, as the compiler sees it."""

    index: int
    opcode: str
    version: int
    inputs: tuple[Tensor | None, ...]   # None: an omitted optional input
    outputs: tuple[Tensor, ...]
    status: str                         # "supported" | "folded" | "unsupported"
    reason: str                         # the lowering's one-line error, or how it was folded
    kernel: str = ""                    # the portable kernel it lowers to
    macs: int = 0

    @property
    def supported(self) -> bool:
        return self.status != "unsupported"


@dataclass(frozen=True)
class Plan:
    """The calls of one backend and their arena plan."""

    backend: str
    isa: str
    steps: tuple[KernelCall | Placeholder, ...]
    slots: tuple[ArenaSlot, ...]
    arena_bytes: int

    @property
    def calls(self) -> tuple[KernelCall, ...]:
        return tuple(s for s in self.steps if isinstance(s, KernelCall))

    @property
    def weight_bytes(self) -> int:
        return sum(c.nbytes for call in self.calls for c in call.constants)

    @property
    def scratch_bytes(self) -> int:
        return max((s.scratch_bytes for s in self.steps), default=0)

    @property
    def macs(self) -> int:
        return sum(call.macs for call in self.calls)

    def live_at(self, k: int) -> tuple[ArenaSlot, ...]:
        """The slots in use while step ``k`` runs (its inputs, outputs, scratch and whatever
        a later step still needs)."""
        return tuple(s for s in self.slots if s.first_use <= k <= s.last_use)


@dataclass(frozen=True)
class Analysis:
    path: Path
    graph: Graph                    # as read
    folded: Graph                   # after fold_static: what is lowered
    ops: tuple[OpReport, ...]       # every operator of the file, in file order
    model_problems: tuple[McuforgeError, ...]   # one input/output, int8 I/O
    lowered: tuple[Lowered, ...]

    @property
    def complete(self) -> bool:
        """Every op lowers and the model-level checks pass: compile would succeed."""
        return not self.model_problems and all(op.supported for op in self.ops)

    @property
    def problems(self) -> tuple[McuforgeError, ...]:
        return self.model_problems + tuple(x.error for x in self.lowered if x.error is not None)

    def plan(self, backend: str = PORTABLE, isa: str = "none") -> Plan:
        """The calls moved onto ``backend`` for ``isa`` (as compile does) and their arena. Calls
        of ops that did not lower are Placeholders. Backends that need CMSIS trees (cmsis-nn) are
        not planned here: no board's default needs them."""
        calls = [x.call for x in self.lowered if x.call is not None]
        moved = iter(apply_backend(calls, backend, Target(isa=isa)))
        steps: list[KernelCall | Placeholder] = []
        for x in self.lowered:
            if x.call is not None:
                steps.append(next(moved))
            else:
                steps.append(Placeholder(
                    x.op.index, x.op.opcode,
                    tuple(i for i in x.op.inputs if i >= 0 and not self.folded.tensor(i).is_constant),
                    x.op.outputs))
        as_steps: list[Step] = list(steps)
        slots, size = plan_steps(self.folded, as_steps)
        return Plan(backend, isa, tuple(steps), slots, size)

    def plan_for(self, board: Board) -> Plan:
        """The plan of ``board``'s default backend (what `mcuforge build --board` uses)."""
        return self.plan(default_backend(board), board_isa(board))


def analyse(path: str | Path) -> Analysis:
    """Reads, folds and lowers every op of ``path``; raises only for a file that cannot be read
    (ModelFileError, and the reader's UnsupportedModelError for what it refuses as a whole)."""
    graph = read_model(path)
    folded = materialize_constants(fuse_float_islands(fold_static(graph)))
    lowered = tuple(lower_each(folded))
    problems: list[McuforgeError] = []
    try:
        check_model_io(folded)
    except McuforgeError as err:
        problems.append(err)
    return Analysis(Path(path), graph, folded, _op_reports(graph, folded, lowered),
                    tuple(problems), lowered)


def _op_reports(graph: Graph, folded: Graph, lowered: tuple[Lowered, ...]) -> tuple[OpReport, ...]:
    by_index = {x.op.index: x for x in lowered}
    reports = []
    for op in graph.operators:
        ins = tuple(graph.tensor(i) if i >= 0 else None for i in op.inputs)
        outs = tuple(graph.tensor(i) for i in op.outputs)
        x = by_index.get(op.index)
        if x is None:
            reports.append(OpReport(op.index, op.opcode, op.version, ins, outs, "folded",
                                    _how_folded(op, folded)))
        elif x.call is not None:
            reports.append(OpReport(op.index, op.opcode, op.version, ins, outs, "supported", "",
                                    x.call.kernel, x.call.macs))
        else:
            assert x.error is not None
            reports.append(OpReport(op.index, op.opcode, op.version, ins, outs, "unsupported",
                                    str(x.error)))
    return tuple(reports)


def _how_folded(op: Operator, folded: Graph) -> str:
    """Why fold_static removed ``op`` (its three steps, in the order it takes them)."""
    if op.outputs and all(folded.tensor(t).is_constant for t in op.outputs):
        return "computed at compile time (static inputs)"
    if op.opcode in IDENTITY_OPS:
        return "removed: does not change the shape"
    return "removed: nothing reads its output"


def short_reason(report: OpReport, model_name: str) -> str:
    """The reason without the "<model>.tflite: op N (OPCODE): " prefix the table already shows."""
    prefix = f"{model_name}.tflite: op {report.index} ({report.opcode}): "
    return report.reason[len(prefix):] if report.reason.startswith(prefix) else report.reason

"""Lower a validated int8 graph to kernel calls over one planned arena.

Model-level checks live here (int8 or int16 inputs/outputs, supported ops, distinct inputs); each
op's own checks and its quantization arithmetic live in ``ops`` and ``quant``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import McuforgeError, ModelFileError, UnsupportedModelError
from ..tflite.graph import DType, Graph, Operator, Tensor
from .backends import PORTABLE, Target, apply_backend
from .limits import MAX_BYTES
from .planner import Lifetime, check_plan, plan_arena
from .program import ArenaSlot, KernelCall, Program, TensorIO, scratch_key

__all__ = ["Lowered", "Step", "c_identifier", "check_model_io", "compile_graph", "compile_model",
           "lower_each", "no_lowering", "plan_steps", "supported_ops"]

_C_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed sizeof static struct switch
typedef union unsigned void volatile while""".split())


# Prefixes of mcuforge's own files and symbols (mcuforge_kernels.h, mf_app.c, mf_conv2d_s8, ...):
# a model named like them would overwrite a support file in the generated folder or clash at link.
_RESERVED_PREFIXES = ("mf_", "mcuforge_")


def c_identifier(text: str) -> str:
    """A valid, lower-case C identifier derived from ``text`` (e.g. a file stem), never one that
    collides with a C keyword or with mcuforge's own files and symbols."""
    ident = re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower() or "model"
    if ident[0].isdigit() or ident in _C_KEYWORDS or ident == "mcuforge" or ident.startswith(_RESERVED_PREFIXES):
        ident = "m_" + ident
    return ident


def supported_ops() -> tuple[str, ...]:
    from .ops import LOWERINGS

    return tuple(sorted(LOWERINGS))


# Model input/output types: int8, or int16 for a "16x8" model (int16 activations, int8 weights).
IO_DTYPES = (DType.INT8, DType.INT16)


def _check_io(graph: Graph, tensor: Tensor, role: str) -> None:
    if tensor.dtype not in IO_DTYPES:
        hint = (" (a float model: quantize it with full-integer int8 quantization, int8 input "
                "and output, e.g. `mcuforge quantize`)" if tensor.dtype is DType.FLOAT32 else "")
        raise UnsupportedModelError(
            f"{graph.name}.tflite: {role} tensor '{tensor.name}' is {tensor.dtype.name.lower()}; "
            f"mcuforge generates int8 and int16 code only{hint}")
    if tensor.quant is None or tensor.quant.per_channel:
        raise UnsupportedModelError(
            f"{graph.name}.tflite: {role} tensor '{tensor.name}' has no per-tensor quantization")


def _io(graph: Graph, index: int) -> TensorIO:
    t = graph.tensor(index)
    assert t.quant is not None
    return TensorIO(tensor=index, name=t.name, shape=t.shape, c_type=t.dtype.c_type,
                    scale=t.quant.scale[0], zero_point=t.quant.zero_point[0], size=t.nbytes)


def check_sizes(graph: Graph) -> None:
    """Every tensor within MAX_BYTES (compile.limits): sizes derived from a hostile or broken file
    (a batch of 2^31 - 1) fail here, naming the tensor, not in a C compiler or an allocation."""
    for index, t in enumerate(graph.tensors):
        if t.nbytes > MAX_BYTES:
            raise UnsupportedModelError(
                f"{graph.name}.tflite: tensor {index} '{t.name}' {list(t.shape)} takes "
                f"{t.nbytes:,} B; the limit is {MAX_BYTES:,} B (2 GiB)")


def check_model_io(graph: Graph) -> None:
    """Every input and output is an int8 per-tensor activation; no input is listed twice (its bytes
    would come from two places). An output may repeat or be an input: it is read, never written."""
    if not graph.inputs or not graph.outputs:
        raise UnsupportedModelError(
            f"{graph.name}.tflite: {len(graph.inputs)} inputs and {len(graph.outputs)} outputs; "
            "a model needs at least one of each")
    if len(set(graph.inputs)) != len(graph.inputs):
        dup = next(t for t in graph.inputs if graph.inputs.count(t) > 1)
        raise ModelFileError(f"{graph.name}.tflite: tensor {dup} '{graph.tensor(dup).name}' is "
                             "listed twice among the subgraph's inputs")
    for role, indices in (("input", graph.inputs), ("output", graph.outputs)):
        for k, index in enumerate(indices):
            t = graph.tensor(index)
            if t.is_constant:
                raise UnsupportedModelError(
                    f"{graph.name}.tflite: {role} {k} tensor '{t.name}' is a constant")
            _check_io(graph, t, role if len(indices) == 1 else f"{role} {k}")


@dataclass(frozen=True)
class Lowered:
    """One op of the folded graph and what lowering made of it: its portable call, or the
    one-line error that lowering (or the missing lowering) gives, exactly as compile raises it."""

    op: Operator
    call: KernelCall | None
    error: McuforgeError | None


def no_lowering(graph: Graph, op: Operator) -> UnsupportedModelError:
    return UnsupportedModelError(f"{graph.name}.tflite: op {op.index} ({op.opcode}): unsupported "
                                 f"op: mcuforge has no {op.opcode} lowering")


def lower_each(graph: Graph) -> list[Lowered]:
    """Lowers every op of a folded graph on its own (portable kernels): a failing op does not
    stop the others, so a caller can list every problem. Errors other than a user's
    (McuforgeError) are bugs and propagate."""
    from .ops import LOWERINGS

    result = []
    for op in graph.operators:
        lowering = LOWERINGS.get(op.opcode)
        if lowering is None:
            result.append(Lowered(op, None, no_lowering(graph, op)))
            continue
        try:
            result.append(Lowered(op, lowering(graph, op), None))
        except (UnsupportedModelError, ModelFileError) as err:
            result.append(Lowered(op, None, err))
    return result


def compile_graph(graph: Graph, name: str | None = None, backend: str = PORTABLE,
                  target: Target | None = None) -> Program:
    """Lowers every op (portable kernels), moves the calls that ``backend`` covers onto it for
    ``target``, plans the arena (activations and scratch) and returns the Program."""
    from .fold import fold_static
    from .fuse_float import fuse_float_islands
    from .materialize import materialize_constants
    from .ops import LOWERINGS

    check_sizes(graph)          # before the fold evaluates anything of the file's sizes
    graph = materialize_constants(fuse_float_islands(fold_static(graph)))
    target = target or Target()

    check_model_io(graph)
    check_sizes(graph)
    unsupported = [f"{op.opcode} v{op.version} (op {op.index})" for op in graph.operators
                   if op.opcode not in LOWERINGS]
    if unsupported:
        raise UnsupportedModelError(
            f"{graph.name}.tflite: unsupported op{'s' if len(unsupported) > 1 else ''} "
            f"{', '.join(unsupported)}; supported: {', '.join(sorted(LOWERINGS))}")

    lowered = lower_each(graph)
    for each in lowered:
        if each.error is not None:
            raise each.error
    calls = apply_backend([each.call for each in lowered if each.call is not None], backend, target)
    slots, arena_size = plan_steps(graph, calls)
    weights = sum(c.nbytes for call in calls for c in call.constants)
    for what, size in (("arena", arena_size), ("weights", weights)):
        if size > MAX_BYTES:
            raise UnsupportedModelError(f"{graph.name}.tflite: the {what} would take {size:,} B; "
                                        f"the limit is {MAX_BYTES:,} B (2 GiB)")
    return Program(
        name=c_identifier(name or graph.name),
        source_name=f"{graph.name}.tflite",
        sha256=graph.sha256,
        calls=tuple(calls),
        slots=slots,
        arena_size=arena_size,
        backend=backend,
        isa=target.isa,
        inputs=tuple(_io(graph, t) for t in graph.inputs),
        outputs=tuple(_io(graph, t) for t in graph.outputs),
    )


def compile_model(path: str | Path, name: str | None = None, backend: str = PORTABLE,
                  target: Target | None = None) -> Program:
    from ..tflite.reader import read_model

    return compile_graph(read_model(path), name, backend, target)


class Step(Protocol):
    """What the planner needs of a call: a KernelCall, or (for `mcuforge check` on a model
    with ops that do not lower) an op's tensors standing in for its call."""

    @property
    def op_index(self) -> int: ...
    @property
    def opcode(self) -> str: ...
    @property
    def inputs(self) -> tuple[int, ...]: ...
    @property
    def outputs(self) -> tuple[int, ...]: ...
    @property
    def scratch_bytes(self) -> int: ...
    @property
    def state(self) -> tuple[int, ...]: ...      # variable tensors (op state) the call keeps


def plan_steps(graph: Graph, steps: Sequence[Step]) -> tuple[tuple[ArenaSlot, ...], int]:
    """The arena plan (slots, size in bytes) of ``steps`` run in order, checked."""
    slots, arena_size = plan_arena(_lifetimes(graph, steps))
    check_plan(slots, arena_size)
    return slots, arena_size


def _lifetimes(graph: Graph, calls: Sequence[Step]) -> list[Lifetime]:
    """first_use: the call writing the tensor (-1 for every model input, all written before the
    first call); last_use: the last call reading it (len(calls) for every model output, all of
    which must survive until they are copied out). So no two inputs, and no two outputs, share
    bytes."""
    first: dict[int, int] = {i: -1 for i in graph.inputs}
    last: dict[int, int] = {}
    for k, call in enumerate(calls):
        for t in call.inputs:
            if t not in first:
                raise ModelFileError(
                    f"{graph.name}.tflite: op {call.op_index} ({call.opcode}) reads tensor {t} "
                    f"'{graph.tensor(t).name}' before any op writes it (operators out of order)")
            last[t] = k
        for t in call.outputs:
            first.setdefault(t, k)
            last.setdefault(t, k)
    for k, t in enumerate(graph.outputs):
        if t not in first:
            raise ModelFileError(f"{graph.name}.tflite: output {k} tensor {t} "
                                 f"'{graph.tensor(t).name}' is written by no op")
        last[t] = len(calls)
    lifetimes = [Lifetime(t, graph.tensor(t).nbytes, first[t], last.get(t, first[t])) for t in first]
    # a call's scratch buffer is live during that call only (ArenaSlot.tensor -1 - call index)
    lifetimes += [Lifetime(scratch_key(k), call.scratch_bytes, k, k)
                  for k, call in enumerate(calls) if call.scratch_bytes > 0]
    # a variable tensor (op state) is live over the whole program and across inferences
    states = sorted({t for call in calls for t in call.state})
    for t in states:
        if t in first:
            raise UnsupportedModelError(
                f"{graph.name}.tflite: variable tensor {t} '{graph.tensor(t).name}' is an op's "
                f"state and also a model input or an op's output; mcuforge keeps op state apart")
    lifetimes += [Lifetime(t, graph.tensor(t).nbytes, -1, len(calls), persistent=True)
                  for t in states]
    return lifetimes

"""Lower a validated int8 graph to kernel calls over one planned arena.

Model-level checks live here (int8 or int16 input/output, supported ops, one input and one output); each
op's own checks and its quantization arithmetic live in ``ops`` and ``quant``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ModelFileError, UnsupportedModelError
from ..tflite.graph import DType, Graph, Tensor
from .backends import PORTABLE, Target, apply_backend
from .planner import Lifetime, check_plan, plan_arena
from .program import KernelCall, Program, TensorIO, scratch_key

__all__ = ["compile_graph", "compile_model", "c_identifier", "supported_ops"]

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


def _io(graph: Graph, index: int, name: str) -> TensorIO:
    t = graph.tensor(index)
    assert t.quant is not None
    return TensorIO(tensor=index, name=name, shape=t.shape, c_type=t.dtype.c_type,
                    scale=t.quant.scale[0], zero_point=t.quant.zero_point[0], size=t.nbytes)


def compile_graph(graph: Graph, name: str | None = None, backend: str = PORTABLE,
                  target: Target | None = None) -> Program:
    """Lowers every op (portable kernels), moves the calls that ``backend`` covers onto it for
    ``target``, plans the arena (activations and scratch) and returns the Program."""
    from .fold import fold_static
    from .ops import LOWERINGS

    graph = fold_static(graph)
    target = target or Target()

    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise UnsupportedModelError(
            f"{graph.name}.tflite: {len(graph.inputs)} inputs and {len(graph.outputs)} outputs; "
            "mcuforge supports models with one input and one output")
    _check_io(graph, graph.tensor(graph.inputs[0]), "input")
    _check_io(graph, graph.tensor(graph.outputs[0]), "output")
    unsupported = [f"{op.opcode} (op {op.index})" for op in graph.operators if op.opcode not in LOWERINGS]
    if unsupported:
        raise UnsupportedModelError(
            f"{graph.name}.tflite: unsupported op{'s' if len(unsupported) > 1 else ''} "
            f"{', '.join(unsupported)}; supported: {', '.join(sorted(LOWERINGS))}")

    calls: list[KernelCall] = [LOWERINGS[op.opcode](graph, op) for op in graph.operators]
    calls = apply_backend(calls, backend, target)
    slots, arena_size = plan_arena(_lifetimes(graph, calls))
    check_plan(slots, arena_size)
    return Program(
        name=c_identifier(name or graph.name),
        source_name=f"{graph.name}.tflite",
        sha256=graph.sha256,
        calls=tuple(calls),
        slots=slots,
        arena_size=arena_size,
        backend=backend,
        isa=target.isa,
        inputs=(_io(graph, graph.inputs[0], "input"),),
        outputs=(_io(graph, graph.outputs[0], "output"),),
    )


def compile_model(path: str | Path, name: str | None = None, backend: str = PORTABLE,
                  target: Target | None = None) -> Program:
    from ..tflite.reader import read_model

    return compile_graph(read_model(path), name, backend, target)


def _lifetimes(graph: Graph, calls: list[KernelCall]) -> list[Lifetime]:
    """first_use: the call writing the tensor (-1 for the model input); last_use: the last call
    reading it (len(calls) for the model output, which must survive until it is copied out)."""
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
    for t in graph.outputs:
        last[t] = len(calls)
    lifetimes = [Lifetime(t, graph.tensor(t).nbytes, first[t], last.get(t, first[t])) for t in first]
    # a call's scratch buffer is live during that call only (ArenaSlot.tensor -1 - call index)
    lifetimes += [Lifetime(scratch_key(k), call.scratch_bytes, k, k)
                  for k, call in enumerate(calls) if call.scratch_bytes > 0]
    return lifetimes

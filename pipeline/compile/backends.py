"""Kernel backends: which implementation each kernel call uses.

``portable`` (firmware/kernels/) is the specification: every op has it, bit-exact with
TFLite-Micro. A backend is a set of kernels beside it with the same contract (same inputs, same
outputs, bit for bit), each its own function and params struct:

    cmsis-nn    firmware/kernels/cmsis_nn/<kernel>.c: thin wrappers over the CMSIS-NN API, with
                the cmsis_nn_* structs built in Python (compile/ops/cmsis_nn/<op>.py)
    optimized   firmware/kernels/optimized/<kernel>.c: mcuforge's own DSP/MVE kernels
                (compile/ops/optimized/<op>.py)

The backend is chosen per model at generation time. An adapter module of a backend declares the
``OPCODES`` it covers and ``adapt(call, target) -> KernelCall | Fallback``: it turns the portable
call (already checked, with its quantization folded) into the backend's call, or says why this
call stays portable. A call that stays portable carries the reason in ``KernelCall.note`` and
the command summary lists it: no backend falls back silently.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..backend_names import BACKENDS, CMSIS_NN, FOLDERS, OPTIMIZED, PORTABLE
from ..cmsis import CmsisTrees, find_cmsis
from .program import KernelCall

# Portable kernels every backend uses as they are (a byte copy has nothing to speed up), so a
# call of one is not reported as a fallback.
SHARED_KERNELS = frozenset({"copy"})

# Kernel functions for int16 activations (TFLite "16x8") are named mf_<op>_s16 (or, for a type
# conversion, mf_quantize_s8_s16 / _s16_s8 / _s16_s16): no backend has any yet, so their calls
# stay portable, with that reason in the summary. (Byte copies, RESHAPE and CONCATENATION, are
# the same code for every type and keep whichever kernel the backend gives them.)
INT16_FUNCTION_MARK = "_s16"

# Instruction-set extensions a kernel can be built for: "none" (Armv6-M/Armv7-M, or the host),
# "dsp" (the Armv7E-M/Armv8-M DSP extension: SMLAD and friends; Cortex-M4, M7, M33),
# "mve" (Helium, Cortex-M55). CMSIS-NN picks its code path from the same three.
ISAS = ("none", "dsp", "mve")


@dataclass(frozen=True)
class Target:
    """What the generated code will run on, as far as kernels care."""

    isa: str = "none"                 # one of ISAS
    cmsis_nn: Path | None = None      # CMSIS-NN tree (Include/, Source/), when the backend needs it
    cmsis_core: Path | None = None    # CMSIS Core Include/ folder

    def __post_init__(self) -> None:
        if self.isa not in ISAS:
            raise ValueError(f"isa {self.isa!r} not in {ISAS}")


@dataclass(frozen=True)
class Fallback:
    """An adapter's answer when this call keeps its portable kernel: ``reason`` is one phrase a
    person reads in the summary ("dilation 2x2: arm_depthwise_conv_wrapper_s8 needs 1")."""

    reason: str


Adapter = Callable[[KernelCall, Target], "KernelCall | Fallback"]


@dataclass(frozen=True)
class KernelRequest:
    """What the command line asked for: ``--kernels`` (None: builder.kernels decides) and the CMSIS
    trees' paths (None: the environment variables)."""

    kernels: str | None = None
    cmsis_nn: str | None = None
    cmsis_core: str | None = None

    def __post_init__(self) -> None:
        if self.kernels is not None and self.kernels not in BACKENDS:
            raise ValueError(self.kernels)


DEFAULT_REQUEST = KernelRequest()


def cmsis_trees_for(backend: str, request: KernelRequest) -> CmsisTrees | None:
    return find_cmsis(request.cmsis_nn, request.cmsis_core) if backend == CMSIS_NN else None


def board_isa(board) -> str:
    """The ISA a board's kernels can use (boards.yaml ``mve`` / ``dsp``)."""
    return "mve" if board.mve else "dsp" if board.dsp else "none"


def default_backend(board) -> str:
    """The backend a build for ``board`` uses unless told otherwise: mcuforge's optimized kernels
    on a core with the DSP extension or Helium (they need one of them), the portable kernels
    otherwise. (CMSIS-NN is a dependency the user brings, so it is never the default.)"""
    return OPTIMIZED if board is not None and (board.dsp or board.mve) else PORTABLE


def _adapters(folder: str) -> dict[str, Adapter]:
    package = f"{__package__}.ops.{folder}"
    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError:
        return {}
    table: dict[str, Adapter] = {}
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
        sub = importlib.import_module(f"{package}.{info.name}")
        for opcode in getattr(sub, "OPCODES", ()):
            table[opcode] = sub.adapt
    return table


def apply_backend(calls: list[KernelCall], backend: str, target: Target) -> list[KernelCall]:
    """Each call through the backend's adapter for its opcode; a call without one, or whose
    adapter falls back, stays portable with ``note`` saying why."""
    if backend not in BACKENDS:
        raise ValueError(backend)
    if backend == PORTABLE:
        return calls
    adapters = _adapters(FOLDERS[backend])
    out = []
    for call in calls:
        adapt = adapters.get(call.opcode)
        if INT16_FUNCTION_MARK in call.function:
            out.append(dataclasses.replace(call, note=f"{backend} has no int16 {call.opcode} "
                                                      f"kernel"))
            continue
        if adapt is None and call.kernel in SHARED_KERNELS:
            out.append(call)
            continue
        if adapt is None:
            out.append(dataclasses.replace(call, note=f"{backend} has no {call.opcode} kernel"))
            continue
        result = adapt(call, target)
        if isinstance(result, Fallback):
            out.append(dataclasses.replace(call, note=result.reason))
        else:
            out.append(result)
    return out

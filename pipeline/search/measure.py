"""What a candidate costs on the board, from the compiler and the emulator, not from a proxy:

- ``footprint``: arena, weights, flash, RAM and MACs of an int8 .tflite with the board's default
  kernels, exactly as `mcuforge check` computes them (``check.analyse`` + ``check.command.fit_board``:
  flash = weights + code estimate, RAM = arena + stack + runtime);
- ``count_instructions``: instructions per inference, counted under QEMU ``-icount`` as `mcuforge
  bench` counts them (``bench.measure``), on the board itself when it is emulated, else on the
  emulated board of the same core (a Cortex-M0+ on the Cortex-M3 ``mps2_an385``: there is no
  emulated M0+ here; the M0+ runs a subset of its instructions, so it needs at least as many),
  with the board's default kernels;
- ``latency_ms``: instructions x cycles per instruction (an assumption, stated in the output)
  / the board's clock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..bench.measure import compile_for, measure, references_for
from ..boards import Board, load_boards
from ..check.analyse import analyse
from ..check.command import fit_board
from ..compile.backends import KernelRequest, board_isa, default_backend
from ..emulate.vectors import random_vectors
from ..errors import BoardError

# A core with no emulated board of its own -> the core whose emulated board stands in for it.
STAND_IN_CORE = {"cortex-m0plus": "cortex-m3"}


@dataclass(frozen=True)
class Footprint:
    kernels: str
    arena_bytes: int
    weight_bytes: int
    flash_bytes: int            # weights + code estimate
    ram_bytes: int              # arena + stack + runtime
    macs: int
    fits: bool
    problem: str                # why it does not fit or compile ("" when it fits)

    def to_json(self) -> dict:
        return asdict(self)


def footprint(tflite: Path, board: Board) -> Footprint:
    analysis = analyse(tflite)
    if not analysis.complete:
        first = analysis.problems[0]
        plan = analysis.plan()
        return Footprint("-", plan.arena_bytes, plan.weight_bytes, 0, 0, plan.macs, False,
                         f"does not compile: {first}")
    fit = fit_board(analysis, board)
    plan = analysis.plan_for(board)
    over = []
    if fit["ram_margin"] < 0:
        over.append(f"RAM {fit['ram_bytes']:,} B > {fit['ram_capacity']:,} B")
    if fit["flash_margin"] < 0:
        over.append(f"flash {fit['flash_bytes']:,} B > {fit['flash_capacity']:,} B")
    return Footprint(fit["kernels"], fit["arena_bytes"], fit["weight_bytes"], fit["flash_bytes"],
                     fit["ram_bytes"], plan.macs, fit["fits"], "; ".join(over))


def stand_in(board: Board) -> Board:
    """The emulated board whose instruction count stands for ``board``'s."""
    if board.emulated:
        return board
    core = STAND_IN_CORE.get(board.core, board.core)
    for other in load_boards().values():
        if other.emulated and other.core == core:
            return other
    raise BoardError(f"{board.id}: no emulated board with a {board.core} core to count "
                     f"instructions on")


@dataclass(frozen=True)
class Instructions:
    count: int
    counted_on: str             # the emulated board
    kernels: str


def count_instructions(tflite: Path, board: Board, work: Path, timeout: float = 60.0) -> Instructions:
    """Instructions of one inference (one random input, checked bit for bit against TFLite-Micro)
    of ``tflite`` with ``board``'s default kernels; ``work`` receives the C and the firmware."""
    emulated = stand_in(board)
    backend, isa = default_backend(board), board_isa(board)
    model = compile_for(tflite, backend, isa, None, work / "c", name="model")
    inputs = random_vectors(1, model.inputs, 0).inputs
    result = measure(model, emulated, KernelRequest(backend), inputs, references_for(model, inputs),
                     work / "firmware", timeout)
    if result.mismatch:
        raise BoardError(f"{tflite}: on {emulated.id} the output differs from TFLite-Micro: "
                         f"{result.mismatch}")
    return Instructions(result.instructions, emulated.id, backend)


def latency_ms(instructions: int, board: Board, cycles_per_instruction: float) -> float:
    return instructions * cycles_per_instruction / board.clock_hz * 1000.0

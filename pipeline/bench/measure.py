"""One benchmark cell: a model compiled for one kernel backend and one emulated board's core,
built into firmware, run on random vectors under QEMU, every output checked bit for bit against
TFLite-Micro, and its instructions and memory read off. The same functions as `mcuforge
emulate --board` do each step (compile_model + render_program, build_firmware, QemuMachine +
run_vectors, check_against_references)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..boards import Board
from ..builder import build_firmware
from ..cmsis import CmsisTrees
from ..codegen import render_program
from ..codegen.model_info import ModelInfo
from ..compile import compile_model
from ..compile.backends import PORTABLE, KernelRequest, Target, board_isa
from ..emulate import ReferenceOutputs, check_against_references, reference_outputs
from ..emulate.profile import layer_profile
from ..emulate.qemu import QemuMachine, run_vectors
from ..emulate.vectors import Tensors, pack, unpack


@dataclass(frozen=True)
class BenchResult:
    """What one (model, board, backend) cell measured."""

    model: str
    board: str
    backend: str                 # what was asked for
    isa: str                     # what its kernels were chosen and built for
    calls: int
    portable_calls: int          # calls that stayed portable although another backend was asked for
    fallbacks: tuple[str, ...]   # why, per call ("op 3 DEPTHWISE_CONV_2D: ...")
    macs: int
    vectors: int
    bit_exact: int
    instructions: int            # median over the vectors
    instructions_min: int
    instructions_max: int
    arena_bytes: int             # the activation arena (scratch buffers are slots inside it)
    scratch_bytes: int           # the largest call's scratch buffer
    code_bytes: int
    flash_bytes: int
    ram_bytes: int
    stack_bytes: int
    stack_used_bytes: int
    elf: str
    seconds: float
    mismatch: str = ""           # the first differing positions, when not bit-exact
    # with --layers: per operator (in call order) {op, opcode, backend, instructions}, the
    # instructions of its kernel calls (median over the vectors, one hook call subtracted)
    layers: tuple[dict, ...] = ()

    @property
    def per_mac(self) -> float | None:
        return self.instructions / self.macs if self.macs else None

    def to_json(self) -> dict:
        d = asdict(self)
        d["fallbacks"] = list(self.fallbacks)
        d["layers"] = list(self.layers)
        per_mac = self.per_mac
        d["instructions_per_mac"] = round(per_mac, 4) if per_mac is not None else None
        return d


def cell_name(backend: str, isa: str) -> str:
    return f"{backend}-{isa}"


def compile_for(tflite: Path, backend: str, isa: str, trees: CmsisTrees | None, out: Path,
                name: str | None = None) -> ModelInfo:
    """The model's generated folder for ``backend`` on an ``isa`` core (one per pair, reused by
    every board of that core)."""
    target = Target(isa=isa, cmsis_nn=trees.nn if trees else None,
                    cmsis_core=trees.core if trees else None)
    program = compile_model(tflite, name, backend, target)
    render_program(program, out, tflite.read_bytes())
    return ModelInfo.load(out)


def references_for(model: ModelInfo, inputs: Tensors) -> ReferenceOutputs:
    """TFLite-Micro's outputs on ``inputs`` (one array per model input; the ground truth; LiteRT
    is not asked: the bench checks bit-exactness only)."""
    return reference_outputs(model, inputs, with_litert=False)


def measure(model: ModelInfo, board: Board, request: KernelRequest, inputs: Tensors,
            references: ReferenceOutputs, out_dir: Path, timeout: float = 60.0,
            stack_bytes: int | None = None, layers: bool = False) -> BenchResult:
    """Builds ``model`` for ``board`` with ``request``'s backend, runs ``inputs`` (one array per
    model input) and checks every output; with ``layers`` also times every kernel call (the
    firmware's PROFILE, as `emulate --profile`)."""
    t0 = time.monotonic()
    fw = build_firmware(model, board, out_dir, stack_bytes=stack_bytes, platformio=False, kernels=request)
    built = fw.model
    with QemuMachine(board, fw.elf, timeout=timeout) as machine:
        sizes_in, sizes_out = tuple(t.size for t in model.inputs), tuple(t.size for t in model.outputs)
        run = run_vectors(machine, model.sha256, sum(sizes_in), (sum(sizes_out),),
                          pack(inputs, model.inputs), backend=getattr(built, "backend", PORTABLE),
                          isa=getattr(built, "isa", "none"), input_sizes=sizes_in,
                          output_sizes=sizes_out, profile=layers)
    check = check_against_references(model, inputs, unpack(run.outputs, model.outputs),
                                     references=references)
    counts = run.instructions if run.instructions is not None else np.array([-1])
    asked = str(request.kernels or getattr(built, "backend", PORTABLE))
    calls = built.layers
    portable = [la for la in calls if getattr(la, "backend", PORTABLE) == PORTABLE]
    notes = tuple(f"op {la.op} {la.opcode}: {getattr(la, 'note', '')}" for la in calls
                  if getattr(la, "note", ""))
    per_op: dict[int, dict] = {}
    if layers and run.layer_instructions is not None and run.instructions is not None \
            and run.mark_instructions is not None:
        profile = layer_profile(built, run.layer_instructions, run.instructions,
                                run.mark_instructions, f"{board.id} (QEMU {board.qemu})")
        for la in profile.layers:     # an operator lowered to several calls: their sum
            row = per_op.setdefault(la.op, {"op": la.op, "opcode": la.opcode,
                                            "backend": la.backend, "instructions": 0})
            row["instructions"] += la.instructions
    m = fw.memory
    return BenchResult(
        model=model.name, board=board.id, backend=asked, isa=getattr(built, "isa", board_isa(board)),
        calls=len(calls), portable_calls=len(portable) if asked != PORTABLE else 0, fallbacks=notes,
        macs=model.macs, vectors=check.vs_tflm.vectors, bit_exact=check.vs_tflm.exact,
        instructions=int(np.median(counts)), instructions_min=int(counts.min()),
        instructions_max=int(counts.max()),
        arena_bytes=m.arena_bytes, scratch_bytes=int(getattr(built, "scratch_bytes", 0)),
        code_bytes=m.code_bytes, flash_bytes=m.flash_bytes, ram_bytes=m.ram_bytes,
        stack_bytes=m.stack_bytes, stack_used_bytes=run.stack_used, elf=str(fw.elf),
        seconds=round(time.monotonic() - t0, 2),
        mismatch="" if check.vs_tflm.ok else check.vs_tflm.describe_mismatches(),
        layers=tuple(per_op.values()))

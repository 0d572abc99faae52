"""The flash and RAM a firmware needs beyond the model's weights and arena, estimated without a
compiler from sizes measured once with one (``firmware/code_sizes.json``).

What the table holds, and how it was measured (``python -m mcuforge.check.codesize``):

- ``kernels``: per set of code-generation flags (``builder.cpu_flags`` of a board), the bytes of
  every kernel source (firmware/kernels/*.c and the optimized/ ones that build for that core),
  each compiled alone with the firmware's flags: the sum of its object's allocated sections (code,
  constants, data). The firmware links with --gc-sections, which may drop functions of a file
  the model does not call, so a kernel's figure is an upper bound of what it adds. (The
  cmsis_nn/ wrappers do not build without CMSIS-NN and are not measured: no board's default.)
- ``runtime``: per board, what a firmware holds besides the model's weights, arena, kernels and
  stack: start-up code, vectors, the serial protocol application, the platform drivers and the C
  library pieces (``flash``), their data (``ram``), and the generated graph (the invoke function
  and one params struct per call: ``graph_per_call``, its average over the reference model's
  calls, rounded up). Measured on the real ELF of the reference model (``RUNTIME_MODEL``) built
  for the board with its default kernels, symbol by symbol: flash minus the weights, the
  symbols the kernel objects define and the graph's symbols; RAM minus the arena, the stack and
  the firmware's copies of the model's input and output (an estimate adds the model's own).

An estimate for a board or kernel the table lacks (a board added to boards.yaml since) takes the
largest figure measured for any core, and says so.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..backend_names import FOLDERS, PORTABLE
from ..boards import Board
from ..compile.program import KernelCall
from ..errors import BoardError
from ..resources import FIRMWARE_DIR, INCLUDE_DIR, KERNELS_DIR

TABLE_FILE = FIRMWARE_DIR / "code_sizes.json"
RUNTIME_MODEL = "kws_ref_model.tflite"   # the MLPerf Tiny keyword-spotting model
# The arena is 16-byte aligned in .bss, so what precedes it may be padded by up to 15 bytes, which
# depends on the model's input and output sizes: an estimate counts 16.
ARENA_PADDING = 16


def flags_key(board: Board) -> str:
    from ..builder.toolchain import cpu_flags

    return " ".join(cpu_flags(board))


def kernel_key(call: KernelCall) -> str:
    """'portable/conv2d', 'optimized/conv2d_dsp': the kernel source a call links."""
    return f"{FOLDERS[call.backend]}/{call.kernel}"


@dataclass(frozen=True)
class CodeEstimate:
    kernels_bytes: int      # the kernels the calls link, each once (their whole objects)
    graph_bytes: int        # the generated invoke function and params structs
    runtime_flash: int      # everything else in flash but the weights
    runtime_ram: int        # .data + .bss besides the arena (the stack counts apart), with the
                            # firmware's copies of the model's input and output
    stack_bytes: int        # the stack the build reserved for the reference model on the board
                            # (its static bound + margin): deeper kernels would need more
    measured: bool          # False: the board or a kernel is not in the table (largest figures)

    @property
    def flash_bytes(self) -> int:
        return self.kernels_bytes + self.graph_bytes + self.runtime_flash

    def method(self) -> str:
        how = "measured sizes: kernel objects + runtime + graph per call (firmware/code_sizes.json)"
        return how if self.measured else how + "; not measured for this board: largest figures"


@lru_cache(maxsize=1)
def load_table(path: Path = TABLE_FILE) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise BoardError(f"{path}: cannot read the code size table ({err}); measure it again "
                         "with `python -m mcuforge.check.codesize`") from None


def estimate(calls: Sequence[KernelCall], steps: int, io_bytes: int, board: Board) -> CodeEstimate:
    """The code and runtime of a firmware running ``calls`` (of ``steps`` calls in all, some
    possibly not lowered) whose input and output take ``io_bytes``, on ``board``."""
    table = load_table()
    per_flags = table["kernels"].get(flags_key(board))
    runtime = table["runtime"].get(board.id)
    measured = per_flags is not None and runtime is not None
    total = 0
    for key in sorted({kernel_key(c) for c in calls}):
        if per_flags is not None and key in per_flags:
            total += per_flags[key]
        else:
            measured = False
            total += max((sizes.get(key, 0) for sizes in table["kernels"].values()), default=0)
    if runtime is None:
        runtime = {k: max(r[k] for r in table["runtime"].values())
                   for k in ("flash", "ram", "graph_per_call", "stack")}
    return CodeEstimate(total, runtime["graph_per_call"] * steps, runtime["flash"],
                        runtime["ram"] + io_bytes + ARENA_PADDING, runtime["stack"], measured)


# ---- measuring the table (needs arm-none-eabi-gcc; run it again when kernels change) ----

def kernel_sources() -> dict[str, Path]:
    """'portable/conv2d' -> firmware/kernels/conv2d.c, 'optimized/conv2d_dsp' -> ..."""
    sources = {f"{FOLDERS[PORTABLE]}/{p.stem}": p for p in sorted(KERNELS_DIR.glob("*.c"))}
    for folder in sorted(set(FOLDERS.values()) - {FOLDERS[PORTABLE]}):
        sources.update({f"{folder}/{p.stem}": p for p in sorted((KERNELS_DIR / folder).glob("*.c"))})
    return sources


def object_bytes(obj: Path) -> int:
    """The allocated sections of an object file (what the linker may place in the image)."""
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile

    with open(obj, "rb") as f:
        return sum(s["sh_size"] for s in ELFFile(f).iter_sections()
                   if s["sh_flags"] & SH_FLAGS.SHF_ALLOC)


def _symbols(path: Path) -> list[tuple[str, int]]:
    """(name, size) of every function and data object with a size in an object file or ELF."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    with open(path, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        if not isinstance(symtab, SymbolTableSection):
            return []
        return [(s.name, s["st_size"]) for s in symtab.iter_symbols()
                if s["st_info"]["type"] in ("STT_FUNC", "STT_OBJECT") and s["st_size"] > 0
                and s["st_shndx"] != "SHN_UNDEF"]


def measure_kernel(gcc: str, flags: list[str], source: Path, generated: Path) -> int | None:
    """Bytes of one kernel compiled alone, None when it does not build for these flags (a DSP or
    MVE kernel for a core without the extension). ``generated`` is a folder `mcuforge compile`
    wrote (it holds the generated mf_limits.h the kernels include)."""
    from ..builder.firmware import CFLAGS

    obj = generated / (source.parent.name + "_" + source.stem + ".o")
    cmd = [gcc, *flags, *CFLAGS, f"-I{generated}", f"-I{INCLUDE_DIR}", f"-I{KERNELS_DIR}",
           f"-I{source.parent}", "-c", str(source), "-o", str(obj)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        return None
    return object_bytes(obj)


def _roomy(board: Board) -> Board:
    """``board`` with every memory region 16 times larger: the same code and data, linked where
    an image too large for the real board still fits, so that it can be measured."""
    regions = tuple(dataclasses.replace(r, length_bytes=r.length_bytes * 16) for r in board.memory)
    return dataclasses.replace(board, memory=regions, flash_bytes=board.flash_bytes * 16,
                               ram_bytes=board.ram_bytes * 16)


def measure(models_dir: Path, out: Path, boards: list[str] | None = None) -> dict:
    """Measures the table into ``out`` (written after every board, so a second run with the
    boards it lacks completes it): every kernel for every board's flags, and every board's
    runtime."""
    from ..boards import load_boards
    from ..builder.firmware import build_firmware
    from ..builder.toolchain import cpu_flags, find_toolchain
    from ..codegen import render_program
    from ..codegen.model_info import ModelInfo
    from ..compile import compile_model
    from ..compile.backends import Target, board_isa, default_backend
    from ..errors import SizeError

    tools = find_toolchain()
    version = subprocess.run([tools.gcc, "--version"], capture_output=True, text=True).stdout
    # every board measured afresh; with --boards only those, the others kept as the table has them
    table = (json.loads(out.read_text()) if boards and out.is_file()
             else {"kernels": {}, "runtime": {}})
    table.update(about="measured by `python -m mcuforge.check.codesize` (pipeline/check/codesize.py)",
                 compiler=version.splitlines()[0], runtime_model=RUNTIME_MODEL)
    model = models_dir / RUNTIME_MODEL
    for board in load_boards().values():
        if boards is not None and board.id not in boards:
            continue
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            key = flags_key(board)
            program = compile_model(model, "model", default_backend(board), Target(board_isa(board)))
            folder = tmp / "c"
            render_program(program, folder, model.read_bytes())
            if key not in table["kernels"]:
                sizes = {name: measure_kernel(tools.gcc, cpu_flags(board), src, folder)
                         for name, src in kernel_sources().items()}
                table["kernels"][key] = {name: n for name, n in sizes.items() if n is not None}
            try:
                built = build_firmware(ModelInfo.load(folder), board, tmp / "fw", platformio=False)
            except SizeError:
                built = build_firmware(ModelInfo.load(folder), _roomy(board), tmp / "fw",
                                       platformio=False)
            use = built.memory
            # what the kernels and the generated graph (invoke function, params structs) hold of
            # the image, symbol by symbol: the runtime is the rest
            kernel_names = set()
            for k in {kernel_key(c) for c in program.calls}:
                measure_kernel(tools.gcc, cpu_flags(board), kernel_sources()[k], folder)
                obj = folder / (kernel_sources()[k].parent.name + "_" + kernel_sources()[k].stem + ".o")
                kernel_names |= {name for name, _ in _symbols(obj)}
            symbols = _symbols(built.elf)
            weights = {c.name for c in program.constants}
            kernels_linked = sum(n for name, n in symbols if name in kernel_names)
            graph = sum(n for name, n in symbols if name not in kernel_names and name not in weights
                        and (name.startswith("model_") or name.endswith("_params")))
        io_bytes = sum(t.size for t in program.inputs + program.outputs)
        table["runtime"][board.id] = {
            "flash": use.flash_bytes - program.weight_bytes - kernels_linked - graph,
            "graph_per_call": -(-graph // len(program.calls)),     # rounded up
            "ram": use.ram_bytes - use.arena_bytes - use.stack_bytes - io_bytes,
            "stack": use.stack_bytes}
        print(f"{board.id}: flash {use.flash_bytes:,} (weights {program.weight_bytes:,}, kernels "
              f"{kernels_linked:,}, graph {graph:,}), RAM {use.ram_bytes:,} (arena "
              f"{use.arena_bytes:,}, stack {use.stack_bytes:,}, input+output {io_bytes:,})",
              file=sys.stderr)
        out.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    return table


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="measure firmware/code_sizes.json")
    parser.add_argument("models_dir", help=f"folder holding {RUNTIME_MODEL}")
    parser.add_argument("--out", default=str(TABLE_FILE))
    parser.add_argument("--boards", help="only these boards (comma-separated); the others' "
                        "figures stay as the table has them")
    args = parser.parse_args(argv)
    measure(Path(args.models_dir), Path(args.out), args.boards.split(",") if args.boards else None)


if __name__ == "__main__":
    main()

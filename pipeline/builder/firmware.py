"""Cross-compile a generated model into bare-metal firmware for a board: .elf, .bin, .hex.

Sources: the generated C folder (model, weights, kernels), the protocol application
(firmware/app), the platform (firmware/platform: startup, vector table, one serial driver and one
counter chosen by the board), and four files rendered for the board (linker script from its memory
map, board constants, early init, model glue). The image's flash and RAM use is read from the ELF
and checked against the board before anything uses it.

Output folder (replaced whole, atomically):
    <model>.elf .bin .hex .map    the image
    size.json                     flash and RAM use, per part, with the board's capacity
    generated/                    the rendered linker script and glue, for inspection
    model/                        the model compiled again for this board's kernels, when the
                                  given folder was generated for other ones (builder.kernels)
    platformio/                   for a real board: a PlatformIO project (see platformio.py)
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..boards import Board
from ..cbuild import C_FLAGS, first_error, run_compiler
from ..cmsis import include_dirs, static_library
from ..codegen.model_info import ModelInfo
from ..compile.backends import DEFAULT_REQUEST, KernelRequest
from ..errors import BuildError
from ..fsutil import atomic_dir
from ..resources import FIRMWARE_DIR
from .kernels import model_for
from .render import DEFAULT_STACK_BYTES, render_firmware_sources
from .size import MemoryUse, check_fits, measure_elf
from .toolchain import cpu_flags, find_toolchain

APP_DIR = FIRMWARE_DIR / "app"
PLATFORM_DIR = FIRMWARE_DIR / "platform"
PLATFORM_COMMON = ("startup.S", "vectors.c", "semihost.c", "platform.c")
SERIAL_DRIVERS = {"cmsdk_uart": "serial_cmsdk_uart.c", "semihosting": "serial_semihosting.c"}
COUNTER_DRIVERS = {"cmsdk_timer": "counter_cmsdk_timer.c", "sse_counter": "counter_sse.c",
                   "dwt": "counter_dwt.c", "systick": "counter_systick.c"}

CFLAGS = (*C_FLAGS, "-g", "-ffunction-sections", "-fdata-sections")
# CMSIS-NN's own sources: its default (double-rounding) requantization, which is TFLite-Micro's
CMSIS_FLAGS = ("-std=c99", "-O2", "-ffunction-sections", "-fdata-sections")
CMSIS_ISA_CODES = {"none": 0, "dsp": 1, "mve": 2}   # MF_CMSIS_NN_ISA (kernels/cmsis_nn/*.h)
# where a model compiled again for the board's kernels goes (builder.kernels)
MODEL_SUBDIR = "model"
LDFLAGS = ("-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections")


@dataclass(frozen=True)
class FirmwareBuild:
    board: Board
    model: ModelInfo
    folder: Path
    elf: Path
    bin: Path
    hex: Path
    memory: MemoryUse
    platformio: Path | None


def default_out_dir(model: ModelInfo, board: Board) -> Path:
    """build/<run>/c -> build/<run>/firmware/<board>."""
    return model.folder.resolve().parent / "firmware" / board.id


def firmware_sources(model: ModelInfo, board: Board, generated: Path) -> list[Path]:
    sources = model.c_sources()
    sources += sorted(APP_DIR.glob("*.c"))
    sources += [PLATFORM_DIR / name for name in PLATFORM_COMMON]
    sources += [PLATFORM_DIR / SERIAL_DRIVERS[board.serial.kind],
                PLATFORM_DIR / COUNTER_DRIVERS[board.counter.kind]]
    sources += [generated / "mf_board.c", generated / "mf_model_glue.c"]
    return sources


def _explain_overflow(stderr: str, cmd: list[str], elf: Path, model: ModelInfo, board: Board) -> None:
    """A link that failed because the image overflows a region: link once more, keeping the
    oversized image, to say by how much and why (SizeError, itemized)."""
    if "overflowed" not in stderr and "will not fit in region" not in stderr:
        return
    retry = subprocess.run([*cmd[:-2], "-Wl,--noinhibit-exec", "-o", str(elf)],
                           capture_output=True, text=True)
    if elf.is_file():
        check_fits(measure_elf(elf, board, model.weight_bytes, model.arena_bytes), board, model.name)
    raise BuildError(f"{board.id}: {model.name} does not fit: "
                     f"{first_error(retry.stderr, retry.returncode)}")


def build_firmware(model: ModelInfo, board: Board, out_dir: Path | None = None,
                   stack_bytes: int = DEFAULT_STACK_BYTES, platformio: bool = True,
                   kernels: KernelRequest = DEFAULT_REQUEST) -> FirmwareBuild:
    """Builds and size-checks; raises SizeError (itemized) when the image does not fit the board.
    The kernel backend follows ``kernels`` (builder.kernels): a folder generated for another
    backend or core is compiled again into ``<out_dir>/model/``."""
    for io in (*model.inputs, *model.outputs):
        if io.dtype != "int8_t":
            # the serial protocol and QEMU runs exchange int8 vectors; a 16x8 model with int8
            # ends (QUANTIZE int8 <-> int16 around it) builds
            raise BuildError(f"{model.folder}: tensor '{io.name}' is {io.dtype}; firmware "
                             f"builds take int8 model inputs and outputs only (int16 ones run "
                             f"on the host)")
    tools = find_toolchain()
    out_dir = Path(out_dir) if out_dir else default_out_dir(model, board)
    with atomic_dir(out_dir) as tmp:
        model, cmsis = model_for(model, board, kernels, tmp / MODEL_SUBDIR)
        generated = tmp / "generated"
        render_firmware_sources(model, board, generated, stack_bytes)
        elf = tmp / f"{model.name}.elf"
        includes = [model.folder, APP_DIR, PLATFORM_DIR, generated]
        libraries: list[Path] = []
        defines: list[str] = []
        if model.uses_cmsis_nn:
            assert cmsis is not None
            includes += include_dirs(cmsis)
            # the cmsis_nn headers refuse to build when CMSIS-NN's code path (chosen by the
            # compiler's target) is not the one the scratch buffers were sized for
            defines.append(f"-DMF_CMSIS_NN_ISA={CMSIS_ISA_CODES[model.isa]}")
            libraries.append(static_library(cmsis, tools.gcc, [*cpu_flags(board), *CMSIS_FLAGS]))
        cmd = [tools.gcc, *cpu_flags(board), *CFLAGS, *defines, *[f"-I{p}" for p in includes],
               *map(str, firmware_sources(model, board, generated)), *map(str, libraries),
               *LDFLAGS, f"-Wl,-Map={tmp / (model.name + '.map')}", "-T", str(generated / "linker.ld"),
               "-o", str(elf)]
        run_compiler(cmd, f"cross build of {model.folder} for {board.id}",  # compile and link
                     lambda stderr: _explain_overflow(stderr, cmd, elf, model, board))
        use = measure_elf(elf, board, model.weight_bytes, model.arena_bytes)
        check_fits(use, board, model.name)

        for fmt, suffix in (("binary", ".bin"), ("ihex", ".hex")):
            run_compiler([tools.objcopy, "-O", fmt, str(elf), str(elf.with_suffix(suffix))],
                         f"arm-none-eabi-objcopy -O {fmt}")
        (tmp / "size.json").write_text(json.dumps(
            {"board": board.id, "model": model.name, "sha256": model.sha256, **use.as_dict()},
            indent=2) + "\n")
        with_pio = platformio and board.platformio is not None
        if with_pio:
            from .platformio import write_platformio_project
            write_platformio_project(model, board, tmp / "platformio", stack_bytes)
    elf = out_dir / elf.name
    if model.folder == tmp / MODEL_SUBDIR:
        model = dataclasses.replace(model, folder=out_dir / MODEL_SUBDIR)
    return FirmwareBuild(board=board, model=model, folder=out_dir, elf=elf, bin=elf.with_suffix(".bin"),
                         hex=elf.with_suffix(".hex"), memory=use,
                         platformio=out_dir / "platformio" if with_pio else None)

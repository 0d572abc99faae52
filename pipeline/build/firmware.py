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
    platformio/                   for a real board: a PlatformIO project (see platformio.py)
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..boards import Board
from ..emulate.generated import GeneratedModel
from ..errors import BuildError
from ..fsutil import atomic_dir
from ..resources import FIRMWARE_DIR
from .render import DEFAULT_STACK_BYTES, render_firmware_sources
from .size import MemoryUse, check_fits, measure_elf
from .toolchain import cpu_flags, find_toolchain

APP_DIR = FIRMWARE_DIR / "app"
PLATFORM_DIR = FIRMWARE_DIR / "platform"
PLATFORM_COMMON = ("startup.S", "vectors.c", "semihost.c", "platform.c")
SERIAL_DRIVERS = {"cmsdk_uart": "serial_cmsdk_uart.c", "semihosting": "serial_semihosting.c"}
COUNTER_DRIVERS = {"cmsdk_timer": "counter_cmsdk_timer.c", "sse_counter": "counter_sse.c",
                   "dwt": "counter_dwt.c", "systick": "counter_systick.c"}

CFLAGS = ("-std=c99", "-O2", "-g", "-ffunction-sections", "-fdata-sections",
          "-Wall", "-Wextra", "-Werror")
LDFLAGS = ("-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections")


@dataclass(frozen=True)
class FirmwareBuild:
    board: Board
    model: GeneratedModel
    folder: Path
    elf: Path
    bin: Path
    hex: Path
    memory: MemoryUse
    platformio: Path | None


def default_out_dir(model: GeneratedModel, board: Board) -> Path:
    """build/<run>/c -> build/<run>/firmware/<board>."""
    return model.folder.resolve().parent / "firmware" / board.id


def firmware_sources(model: GeneratedModel, board: Board, generated: Path) -> list[Path]:
    sources = [*sorted(model.folder.glob("*.c")), *sorted((model.folder / "kernels").glob("*.c"))]
    sources += sorted(APP_DIR.glob("*.c"))
    sources += [PLATFORM_DIR / name for name in PLATFORM_COMMON]
    sources += [PLATFORM_DIR / SERIAL_DRIVERS[board.serial.kind],
                PLATFORM_DIR / COUNTER_DRIVERS[board.counter.kind]]
    sources += [generated / "mf_board.c", generated / "mf_model_glue.c"]
    return sources


def _first_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower() or "undefined reference" in ln]
    return (errors or lines or ["no message"])[0]


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True)


def build_firmware(model: GeneratedModel, board: Board, out_dir: Path | None = None,
                   stack_bytes: int = DEFAULT_STACK_BYTES, platformio: bool = True) -> FirmwareBuild:
    """Builds and size-checks; raises SizeError (itemized) when the image does not fit the board."""
    tools = find_toolchain()
    out_dir = Path(out_dir) if out_dir else default_out_dir(model, board)
    with atomic_dir(out_dir) as tmp:
        generated = tmp / "generated"
        render_firmware_sources(model, board, generated, stack_bytes)
        elf = tmp / f"{model.name}.elf"
        includes = [model.folder, APP_DIR, PLATFORM_DIR, generated]
        cmd = [tools.gcc, *cpu_flags(board), *CFLAGS, *[f"-I{p}" for p in includes],
               *map(str, firmware_sources(model, board, generated)),
               *LDFLAGS, f"-Wl,-Map={tmp / (model.name + '.map')}", "-T", str(generated / "linker.ld"),
               "-o", str(elf)]
        result = _run(cmd)   # compiles and links in one go
        if result.returncode != 0:
            if "overflowed" in result.stderr or "will not fit in region" in result.stderr:
                # Link once more, keeping the oversized image, to say by how much and why.
                retry = _run([*cmd[:-2], "-Wl,--noinhibit-exec", "-o", str(elf)])
                if elf.is_file():
                    use = measure_elf(elf, board, model.weight_bytes, model.arena_bytes)
                    check_fits(use, board, model.name)
                raise BuildError(f"{board.id}: {model.name} does not fit: {_first_error(retry.stderr)}")
            raise BuildError(f"cross build of {model.folder} for {board.id} failed: "
                             f"{_first_error(result.stderr)}")
        use = measure_elf(elf, board, model.weight_bytes, model.arena_bytes)
        check_fits(use, board, model.name)

        for fmt, suffix in (("binary", ".bin"), ("ihex", ".hex")):
            conv = _run([tools.objcopy, "-O", fmt, str(elf), str(elf.with_suffix(suffix))])
            if conv.returncode != 0:
                raise BuildError(f"arm-none-eabi-objcopy -O {fmt} failed: {_first_error(conv.stderr)}")
        (tmp / "size.json").write_text(json.dumps(
            {"board": board.id, "model": model.name, "sha256": model.sha256, **use.as_dict()},
            indent=2) + "\n")
        with_pio = platformio and board.platformio is not None
        if with_pio:
            from .platformio import write_platformio_project
            write_platformio_project(model, board, tmp / "platformio", stack_bytes)
    elf = out_dir / elf.name
    return FirmwareBuild(board=board, model=model, folder=out_dir, elf=elf, bin=elf.with_suffix(".bin"),
                         hex=elf.with_suffix(".hex"), memory=use,
                         platformio=out_dir / "platformio" if with_pio else None)

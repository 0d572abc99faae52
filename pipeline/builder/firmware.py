"""Cross-compile a generated model into bare-metal firmware for a board: .elf, .bin, .hex.

Sources: the generated C folder (model, weights, kernels), the protocol application
(firmware/app), the platform (firmware/platform: startup, vector table, one serial driver and one
counter chosen by the board), and four files rendered for the board (linker script from its memory
map, board constants, early init, model glue). The image's flash and RAM use is read from the ELF
and checked against the board before anything uses it.

The stack is sized from the program's static bound (builder.stack): every C file is compiled
with GCC's call graph, the image is linked once to read it (and the library code it pulls in),
and linked again with the bound plus the stated margin reserved; ``--stack`` overrides the size.

Output folder (replaced whole, atomically):
    <model>.elf .bin .hex .map    the image
    size.json                     flash and RAM use, per part, with the board's capacity, and the
                                  stack: its static bound, the call path to it, the size reserved
    generated/                    the rendered linker script and glue, for inspection
    model/                        the model compiled again for this board's kernels, when the
                                  given folder was generated for other ones (builder.kernels)
    platformio/                   for a real board: a PlatformIO project (see platformio.py)
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..boards import SERIAL_KINDS, Board, Serial
from ..cbuild import C_FLAGS, first_error, run_compiler
from ..cmsis import include_dirs, static_library
from ..codegen.model_info import ModelInfo
from ..compile.backends import DEFAULT_REQUEST, KernelRequest
from ..errors import BuildError
from ..fsutil import atomic_dir
from ..resources import FIRMWARE_DIR
from ..stack_limits import MIN_STACK_BYTES
from .apps import APP_DIR, PROTOCOL, FirmwareApp
from .boot2 import seal_boot2
from .kernels import model_for
from .render import firmware_context, render_firmware_sources, render_linker_script
from .size import MemoryUse, check_fits, measure_elf
from .stack import (
    CALLGRAPH_FLAGS,
    StackAnalysisError,
    StackBound,
    ci_files_in,
    stack_size_for,
    static_stack_bound,
)
from .toolchain import cpu_flags, find_toolchain

PLATFORM_DIR = FIRMWARE_DIR / "platform"
PLATFORM_COMMON = ("startup.S", "vectors.c", "platform.c")
# one driver per serial kind of boards.yaml (boards.SERIAL_KINDS)
SERIAL_DRIVERS = {kind: f"serial_{kind}.c" for kind in SERIAL_KINDS}
# how the program ends: semihosting where QEMU or a debugger services it, else mf_exit returns
EXIT_SEMIHOSTING, EXIT_RETURN = "semihost.c", "exit_return.c"
BOOT2_SOURCE = "rp2040_boot2.S"
COUNTER_DRIVERS = {"cmsdk_timer": "counter_cmsdk_timer.c", "sse_counter": "counter_sse.c",
                   "dwt": "counter_dwt.c", "systick": "counter_systick.c"}

CFLAGS = (*C_FLAGS, "-g", "-ffunction-sections", "-fdata-sections")
# CMSIS-NN's own sources: its default (double-rounding) requantization, which is TFLite-Micro's
CMSIS_FLAGS = ("-std=c99", "-O2", "-ffunction-sections", "-fdata-sections")
CMSIS_ISA_CODES = {"none": 0, "dsp": 1, "mve": 2}   # MF_CMSIS_NN_ISA (kernels/cmsis_nn/*.h)
# where a model compiled again for the board's kernels goes (builder.kernels)
MODEL_SUBDIR = "model"
# --emit-relocs: the stack analysis tells a function's address taken from a constant that
# merely equals it (builder.stack); it adds relocation sections to the ELF, not to the image
LDFLAGS = ("-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections", "-Wl,--emit-relocs")
OBJ_SUBDIR = "obj"      # objects and call graphs, removed once the image is linked


@dataclass(frozen=True)
class FirmwareExtra:
    """What a build links beside the protocol application (the streaming KWS application): its C
    sources and include folders, ``render`` writing its generated sources into the build's
    generated/ folder (returning them), ``stream`` the mf_app_stream the glue points STREAM
    at, and ``flash_objects`` the (label, symbol) of its constant objects to itemize in the
    flash figures (size.MemoryUse)."""

    sources: tuple[Path, ...]
    includes: tuple[Path, ...]
    render: Callable[[Path], list[Path]]
    stream: str
    flash_objects: tuple[tuple[str, str], ...] = ()




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
    stack_bound: StackBound | None = None    # None: no static bound (stack_note: why), --stack gave the size
    stack_given: bool = False                # the size came from --stack, not from the bound
    stack_note: str = ""


def default_out_dir(model: ModelInfo, board: Board) -> Path:
    """build/<run>/c -> build/<run>/firmware/<board>."""
    return model.folder.resolve().parent / "firmware" / board.id


def uses_semihosting(board: Board) -> bool:
    """An emulated board ends through semihosting (QEMU's exit code), and so does any image whose
    serial link is semihosting; a real board's UART image has no semihosting call at all."""
    return board.emulated or board.serial.kind == "semihosting"


def with_semihosting(board: Board) -> Board:
    """The board with the protocol over semihosting, through a debug probe (`build --semihosting`)."""
    return dataclasses.replace(board, serial=Serial("semihosting"))


def firmware_sources(model: ModelInfo, board: Board, generated: Path,
                     app: FirmwareApp = PROTOCOL) -> list[Path]:
    sources = model.c_sources()
    sources += app.sources()
    sources += [PLATFORM_DIR / name for name in PLATFORM_COMMON]
    sources += [PLATFORM_DIR / SERIAL_DRIVERS[board.serial.kind],
                PLATFORM_DIR / COUNTER_DRIVERS[board.counter.kind],
                PLATFORM_DIR / (EXIT_SEMIHOSTING if uses_semihosting(board) else EXIT_RETURN)]
    if board.boot2_region is not None:
        sources.append(PLATFORM_DIR / BOOT2_SOURCE)
    sources += [generated / "mf_board.c", generated / "mf_model_glue.c"]
    return sources


def _explain_overflow(stderr: str, cmd: list[str], elf: Path, model: ModelInfo, board: Board,
                      size_stack: Callable[[], None] | None,
                      named: tuple[tuple[str, str], ...]) -> None:
    """A link that failed because the image overflows a region: link once more, keeping the
    oversized image, to say by how much and why (SizeError, itemized). ``size_stack``, when the
    stack follows the bound, sets the stack from the oversized image first, so the error gives
    the stack the image would have."""
    if "overflowed" not in stderr and "will not fit in region" not in stderr:
        return
    keep = [*cmd[:-2], "-Wl,--noinhibit-exec", "-o", str(elf)]
    retry = subprocess.run(keep, capture_output=True, text=True)
    if elf.is_file() and size_stack is not None:
        try:
            size_stack()
        except StackAnalysisError:
            pass        # the error below then gives the first link's stack
        else:
            retry = subprocess.run(keep, capture_output=True, text=True)
    if elf.is_file():
        check_fits(_measure(elf, board, model, named), board, model.name)
    raise BuildError(f"{board.id}: {model.name} does not fit: "
                     f"{first_error(retry.stderr, retry.returncode)}")


def _measure(elf: Path, board: Board, model: ModelInfo,
             named: tuple[tuple[str, str], ...]) -> MemoryUse:
    return measure_elf(elf, board, model.weight_bytes, model.arena_bytes, model.scratch_bytes,
                       named)


def _object_names(sources: list[Path]) -> list[str]:
    """A distinct object name per source: its stem, prefixed by its folder's name where two
    sources share a stem (a backend's kernels/cmsis_nn/conv2d.c beside kernels/conv2d.c)."""
    stems = [src.stem for src in sources]
    names = [f"{src.parent.name}_{src.stem}" if stems.count(src.stem) > 1 else src.stem
             for src in sources]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise BuildError(f"two sources compile to the same object {twice[0]}.o")
    return names


def _compile(cmd_prefix: list[str], sources: list[Path], obj_dir: Path, what: str) -> list[Path]:
    """Every source compiled into ``obj_dir``, one compiler run per source, as many at once as
    there are cores; GCC writes each object's stack usage (.su) and call graph (.ci) beside it."""
    obj_dir.mkdir(parents=True)
    objects = [obj_dir / f"{name}.o" for name in _object_names(sources)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        jobs = [pool.submit(run_compiler, [*cmd_prefix, *CALLGRAPH_FLAGS, "-c", str(src.resolve()),
                                           "-o", str(obj)], what)
                for src, obj in zip(sources, objects, strict=True)]
        for job in jobs:
            job.result()        # the first failing source's BuildError
    return objects


def _stack_bound(obj_dir: Path, elf: Path, board: Board, given: bool) -> tuple[StackBound | None, str]:
    """The static stack bound of the linked image; without one (recursion, a dynamic frame),
    a build with --stack goes on (with the reason) and one without fails, saying so."""
    try:
        return static_stack_bound(ci_files_in(obj_dir), elf), ""
    except StackAnalysisError as e:
        if given:
            return None, str(e)
        raise StackAnalysisError(f"{board.id}: cannot size the stack: {e}; give its size with "
                                 f"--stack BYTES") from None


def build_firmware(model: ModelInfo, board: Board, out_dir: Path | None = None,
                   stack_bytes: int | None = None, platformio: bool = True,
                   kernels: KernelRequest = DEFAULT_REQUEST, force: bool = False,
                   app: FirmwareApp = PROTOCOL, semihosting: bool = False,
                   extra: FirmwareExtra | None = None) -> FirmwareBuild:
    """Builds and size-checks; raises SizeError (itemized) when the image does not fit the board.
    The kernel backend follows ``kernels`` (builder.kernels): a folder generated for another
    backend or core is compiled again into ``<out_dir>/model/``. ``stack_bytes`` None: the
    stack is the static bound plus its margin (builder.stack.stack_size_for). An existing
    ``out_dir`` is replaced only if mcuforge made it, or ``force``. ``app``: the application on
    top of the model (builder.apps: the serial protocol, or the MLPerf Tiny mode).
    ``semihosting``: the protocol goes over semihosting instead of the board's UART (a debug
    probe must serve it)."""
    if semihosting:
        board = with_semihosting(board)
    for io in (*model.inputs, *model.outputs):
        if io.dtype not in ("int8_t", "int16_t"):
            # the serial protocol and QEMU runs exchange the tensors' bytes (little-endian)
            raise BuildError(f"{model.folder}: tensor '{io.name}' is {io.dtype}; firmware "
                             f"builds take int8 and int16 model inputs and outputs only")
    tools = find_toolchain()
    out_dir = Path(out_dir) if out_dir else default_out_dir(model, board)
    what = f"cross build of {model.folder} for {board.id}"
    named = extra.flash_objects if extra else ()
    with atomic_dir(out_dir, force=force) as tmp:
        tmp = tmp.resolve()     # absolute: the call graph names sources by the path compiled
        model, cmsis = model_for(model, board, kernels, tmp / MODEL_SUBDIR)
        generated = tmp / "generated"
        render_firmware_sources(model, board, generated, stack_bytes or MIN_STACK_BYTES,
                                stream_app=extra.stream if extra else None)
        elf = tmp / f"{model.name}.elf"
        includes = [model.folder, APP_DIR, PLATFORM_DIR, generated]
        sources = firmware_sources(model, board, generated, app)
        if extra is not None:
            includes += extra.includes
            sources += [*extra.sources, *extra.render(generated)]
        libraries: list[Path] = []
        defines: list[str] = []
        if model.uses_cmsis_nn:
            assert cmsis is not None
            includes += include_dirs(cmsis)
            # the cmsis_nn headers refuse to build when CMSIS-NN's code path (chosen by the
            # compiler's target) is not the one the scratch buffers were sized for
            defines.append(f"-DMF_CMSIS_NN_ISA={CMSIS_ISA_CODES[model.isa]}")
            libraries.append(static_library(cmsis, tools.gcc, [*cpu_flags(board), *CMSIS_FLAGS]))
        app_glue = app.render(model, board, generated, firmware_context(model, board, MIN_STACK_BYTES))
        objects = _compile([tools.gcc, *cpu_flags(board), *CFLAGS, *defines,
                            *[f"-I{p.resolve()}" for p in includes]],
                           sources + app_glue, tmp / OBJ_SUBDIR, what)
        cmd = [tools.gcc, *cpu_flags(board), *map(str, objects), *map(str, libraries), *LDFLAGS,
               f"-Wl,-Map={tmp / (model.name + '.map')}", "-T", str(generated / "linker.ld"),
               "-o", str(elf)]

        def reserve(bound: StackBound) -> None:
            # only the linker script depends on the stack size: the objects stay
            render_linker_script(model, board, generated, stack_size_for(bound.bytes))

        def size_stack() -> None:
            reserve(static_stack_bound(ci_files_in(tmp / OBJ_SUBDIR), elf))

        def link() -> None:
            run_compiler(cmd, what, lambda stderr: _explain_overflow(
                stderr, cmd, elf, model, board, size_stack if stack_bytes is None else None, named))

        link()
        bound, stack_note = _stack_bound(tmp / OBJ_SUBDIR, elf, board, given=stack_bytes is not None)
        if bound is not None and stack_bytes is None:
            reserve(bound)
            link()
        shutil.rmtree(tmp / OBJ_SUBDIR)
        if board.boot2_region is not None:
            seal_boot2(elf)     # the CRC the RP2040 boot ROM checks, before .bin and .hex
        use = _measure(elf, board, model, named)
        check_fits(use, board, model.name)

        for fmt, suffix in (("binary", ".bin"), ("ihex", ".hex")):
            run_compiler([tools.objcopy, "-O", fmt, str(elf), str(elf.with_suffix(suffix))],
                         f"arm-none-eabi-objcopy -O {fmt}")
        (tmp / "size.json").write_text(json.dumps(
            {"board": board.id, "model": model.name, "sha256": model.sha256, "app": app.kind,
             **use.as_dict(),
             "stack": {"bound": bound.as_dict() if bound else None, "reserved_bytes": use.stack_bytes,
                       "from": "--stack" if stack_bytes else "bound + margin"}},
            indent=2) + "\n")
        # the PlatformIO project carries the protocol application only
        with_pio = platformio and board.platformio is not None and app == PROTOCOL
        if with_pio:
            from .platformio import write_platformio_project
            write_platformio_project(model, board, tmp / "platformio", use.stack_bytes, cmsis,
                                     CMSIS_ISA_CODES[model.isa])
    elf = out_dir / elf.name
    if model.folder == tmp / MODEL_SUBDIR:
        model = dataclasses.replace(model, folder=out_dir / MODEL_SUBDIR)
    return FirmwareBuild(board=board, model=model, folder=out_dir, elf=elf, bin=elf.with_suffix(".bin"),
                         hex=elf.with_suffix(".hex"), memory=use,
                         platformio=out_dir / "platformio" if with_pio else None,
                         stack_bound=bound, stack_given=stack_bytes is not None,
                         stack_note=stack_note)

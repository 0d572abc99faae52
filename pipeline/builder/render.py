"""Template context for board firmware: every value a template prints, and every choice it makes
(which counter, whether the Cortex-M7's DWT lock must be opened), is computed here.

templates/firmware/ lays out the linker script (from the board's memory map), the board constants
for the platform drivers, the board's early-init code and the glue that binds a generated model
to the protocol application.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..boards import Board, MemoryRegion
from ..cformat import c_hex32, generated_header, generated_notice
from ..codegen.model_info import ModelInfo
from ..templating import environment


@dataclass(frozen=True)
class RegionView:
    name: str
    origin_hex: str
    length_bytes: int


@dataclass(frozen=True)
class WriteView:
    address_hex: str
    width_bits: int
    value_hex: str


@dataclass(frozen=True)
class FlashConfigView:
    offset_hex: str
    words: tuple[str, ...]


def _region(r: MemoryRegion) -> RegionView:
    return RegionView(r.name, f"0x{r.origin:08X}", r.length_bytes)


def counter_for(board: Board, framework: str | None = None) -> tuple[str, int]:
    """(name, rate in Hz) of what mf_port_ticks() counts on ``board``: bare metal when
    ``framework`` is None, else under that PlatformIO framework (whose glue reports the rate
    itself). A rate of 0 means core clock cycles at a clock the image does not know: the bare-metal
    image leaves a real board on its reset clock."""
    if framework is None:
        if board.counter.kind in ("cmsdk_timer", "sse_counter"):
            assert board.counter.clock_hz is not None   # boards.py requires it for a timer
            return board.counter.kind, int(board.counter.clock_hz)
        return board.counter.kind, 0
    if board.counter.kind == "dwt":
        return "dwt", board.clock_hz
    return "micros", 1_000_000   # the framework owns SysTick; its microsecond clock is what is left


def dwt_needs_unlock(board: Board) -> bool:
    """The Cortex-M7's DWT has a lock access register that must be opened before CYCCNT counts."""
    return board.core == "cortex-m7"


def board_defines(board: Board) -> list[tuple[str, str]]:
    """#defines of mf_board.h for the bare-metal drivers."""
    defines = [("MF_BOARD_ID", f'"{board.id}"')]
    if board.serial.kind == "cmsdk_uart":
        assert board.serial.base is not None   # boards.py requires it for a UART
        defines += [("MF_UART_BASE", c_hex32(board.serial.base)),
                    ("MF_UART_CLOCK_HZ", f"{board.serial.clock_hz}u"),
                    ("MF_UART_BAUD", f"{board.serial.baud}u")]
    counter_name, counter_hz = counter_for(board)
    defines += [("MF_COUNTER_NAME", f'"{counter_name}"'), ("MF_COUNTER_HZ", f"{counter_hz}u")]
    if board.counter.kind in ("cmsdk_timer", "sse_counter"):
        assert board.counter.base is not None   # boards.py requires it for a timer
        defines += [("MF_COUNTER_BASE", c_hex32(board.counter.base))]
    if board.counter.kind == "dwt":
        defines += [("MF_DWT_UNLOCK", "1" if dwt_needs_unlock(board) else "0")]
    return defines


def firmware_context(model: ModelInfo, board: Board, stack_bytes: int,
                     framework: str | None = None) -> dict:
    counter_name, counter_hz = counter_for(board, framework)
    fc = board.flash_config
    return {
        "version": __version__,
        "header": generated_header(__version__, model.source_name, model.sha256),
        "header_text": generated_notice(__version__, model.source_name, model.sha256),
        "board": board,
        "model": model,
        "guard": model.macro_prefix,
        "code": _region(board.code_region),
        "data": _region(board.data_region),
        "stack_bytes": stack_bytes,
        "flash_config": FlashConfigView(f"0x{fc.offset_bytes:X}", tuple(c_hex32(w) for w in fc.words))
        if fc else None,
        "reset_writes": [WriteView(c_hex32(w.address), w.width_bits, f"0x{w.value:X}u")
                         for w in board.reset_writes],
        "defines": board_defines(board),
        "counter_name": counter_name,
        "counter_hz": counter_hz,
        "use_dwt": counter_name == "dwt",
        "dwt_unlock": counter_name == "dwt" and dwt_needs_unlock(board),
        "stream_app": None,     # the mf_app_stream the glue serves STREAM with (FirmwareApp)
    }


GENERATED_FILES = {
    "linker.ld": "firmware/linker.ld.j2",
    "mf_board.h": "firmware/mf_board.h.j2",
    "mf_board.c": "firmware/mf_board.c.j2",
    "mf_model_glue.c": "firmware/mf_model_glue.c.j2",
}


def render_firmware_sources(model: ModelInfo, board: Board, out_dir: Path, stack_bytes: int,
                            only: tuple[str, ...] = tuple(GENERATED_FILES),
                            stream_app: str | None = None) -> None:
    """Writes GENERATED_FILES (or ``only`` those) for a bare-metal build into ``out_dir``;
    ``stream_app``: the C name of the mf_app_stream that STREAM drives (None: no streaming)."""
    env = environment()
    context = firmware_context(model, board, stack_bytes)
    context["stream_app"] = stream_app
    out_dir.mkdir(parents=True, exist_ok=True)
    for filename in only:
        (out_dir / filename).write_text(env.get_template(GENERATED_FILES[filename]).render(context))


def render_linker_script(model: ModelInfo, board: Board, out_dir: Path, stack_bytes: int) -> None:
    """The linker script again, for another stack size: the one generated file it changes."""
    render_firmware_sources(model, board, out_dir, stack_bytes, only=("linker.ld",))

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
from ..boards import Board, MemoryRegion, SetupStep, nrf_pin_number
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
class SetupView:
    """One serial setup step as mf_board.c writes it: ``op`` picks the statement's form."""

    op: str
    address_hex: str
    mask_hex: str
    value_hex: str
    comment: str


@dataclass(frozen=True)
class FlashConfigView:
    offset_hex: str
    words: tuple[str, ...]


def _region(r: MemoryRegion) -> RegionView:
    return RegionView(r.name, f"0x{r.origin:08X}", r.length_bytes)


def _setup(step: SetupStep) -> SetupView:
    comment = f"{step.what}: {step.cite}".replace("*/", "* /")
    return SetupView(step.op, c_hex32(step.address), c_hex32(step.mask), c_hex32(step.value), comment)


# The two STM32 U(S)ART register layouts (offsets from the base; RM0090 §30.6 for sr, RM0385
# §34.8 for isr and lpuart). The status bits are the same in both: RXNE 5, TXE 7, ORE 3.
_STM32_LAYOUTS = {
    "sr": {"CR1": 0x0C, "BRR": 0x08, "STATUS": 0x00, "RDR": 0x04, "TDR": 0x04,
           "CR1_ENABLE": (1 << 13) | (1 << 3) | (1 << 2)},       # UE, TE, RE
    "isr": {"CR1": 0x00, "BRR": 0x0C, "STATUS": 0x1C, "RDR": 0x24, "TDR": 0x28, "ICR": 0x20,
            "CR1_ENABLE": (1 << 0) | (1 << 3) | (1 << 2)},        # UE, TE, RE
}
_STM32_LAYOUTS["lpuart"] = _STM32_LAYOUTS["isr"]


def serial_defines(board: Board) -> list[tuple[str, str]]:
    """mf_board.h's constants for the board's UART driver: base, clock, baud, the baud-rate
    register values, and what the driver's family varies (STM32 layout, nRF pins)."""
    serial = board.serial
    if not serial.is_uart:
        return []
    assert serial.base is not None           # boards.py requires it for a UART
    defines = [("MF_UART_BASE", c_hex32(serial.base)), ("MF_UART_CLOCK_HZ", f"{serial.clock_hz}u"),
               ("MF_UART_BAUD", f"{serial.baud}u")]
    defines += [(f"MF_UART_{name}", f"{value}u") for name, value in serial.divisors().items()]
    if serial.kind == "stm32_usart":
        assert serial.registers is not None  # boards.py requires it for an STM32 USART
        layout = _STM32_LAYOUTS[serial.registers]
        defines += [(f"MF_USART_{name}", f"0x{value:X}u") for name, value in layout.items()]
        defines += [("MF_USART_HAS_ICR", "1" if "ICR" in layout else "0")]
    if serial.kind == "nrf_uart":
        assert serial.tx_pin is not None and serial.rx_pin is not None   # required for nrf_uart
        defines += [("MF_UART_PSELTXD", f"{nrf_pin_number(serial.tx_pin)}u"),
                    ("MF_UART_PSELRXD", f"{nrf_pin_number(serial.rx_pin)}u")]
    return defines


def counter_for(board: Board, framework: str | None = None) -> tuple[str, int]:
    """(name, rate in Hz) of what mf_port_ticks() counts on ``board``: bare metal when
    ``framework`` is None, else under that PlatformIO framework (whose glue reports the rate
    itself). A rate of 0 means core clock cycles at a clock the image does not know."""
    if framework is None:
        # a timer's rate, or the core clock the image runs at (dwt, systick) where boards.yaml gives it
        return board.counter.kind, board.counter.clock_hz or 0
    if board.counter.kind == "dwt":
        return "dwt", board.clock_hz
    return "micros", 1_000_000   # the framework owns SysTick; its microsecond clock is what is left


def dwt_needs_unlock(board: Board) -> bool:
    """The Cortex-M7's DWT has a lock access register that must be opened before CYCCNT counts."""
    return board.core == "cortex-m7"


def board_defines(board: Board) -> list[tuple[str, str]]:
    """#defines of mf_board.h for the bare-metal drivers."""
    defines = [("MF_BOARD_ID", f'"{board.id}"'), *serial_defines(board)]
    counter_name, counter_hz = counter_for(board)
    defines += [("MF_COUNTER_NAME", f'"{counter_name}"'), ("MF_COUNTER_HZ", f"{counter_hz}u")]
    if board.counter.kind in ("cmsdk_timer", "sse_counter"):
        assert board.counter.base is not None   # boards.py requires it for a timer
        defines += [("MF_COUNTER_BASE", c_hex32(board.counter.base))]
    if board.counter.kind == "dwt":
        defines += [("MF_DWT_UNLOCK", "1" if dwt_needs_unlock(board) else "0")]
    return defines


def board_context(board: Board, stack_bytes: int, framework: str | None = None) -> dict:
    """The board's part of the template context: memory map, stack, early init, constants."""
    counter_name, counter_hz = counter_for(board, framework)
    fc = board.flash_config
    return {
        "version": __version__,
        "board": board,
        "code": _region(board.code_region),
        "data": _region(board.data_region),
        "stack_bytes": stack_bytes,
        "flash_config": FlashConfigView(f"0x{fc.offset_bytes:X}", tuple(c_hex32(w) for w in fc.words))
        if fc else None,
        "reset_writes": [WriteView(c_hex32(w.address), w.width_bits, f"0x{w.value:X}u")
                         for w in board.reset_writes],
        "serial_setup": [_setup(step) for step in board.serial.setup] if board.serial.is_uart else [],
        "boot2": _region(board.boot2_region) if board.boot2_region else None,
        "defines": board_defines(board),
        "counter_name": counter_name,
        "counter_hz": counter_hz,
        "use_dwt": counter_name == "dwt",
        "dwt_unlock": counter_name == "dwt" and dwt_needs_unlock(board),
        "stream_app": None,     # the mf_app_stream the glue serves STREAM with (FirmwareExtra)
    }


def firmware_context(model: ModelInfo, board: Board, stack_bytes: int,
                     framework: str | None = None) -> dict:
    return {
        **board_context(board, stack_bytes, framework),
        "header": generated_header(__version__, model.source_name, model.sha256),
        "header_text": generated_notice(__version__, model.source_name, model.sha256),
        "model": model,
        "guard": model.macro_prefix,
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


BOARD_FILES = ("linker.ld", "mf_board.h", "mf_board.c")


def render_board_sources(board: Board, out_dir: Path, stack_bytes: int, source: str) -> None:
    """BOARD_FILES for a bare-metal program without a model (``source`` names what it is, for
    the generated-file header): the front end's probe image, say."""
    env = environment()
    context = {**board_context(board, stack_bytes), "header": generated_header(__version__, source)}
    out_dir.mkdir(parents=True, exist_ok=True)
    for filename in BOARD_FILES:
        (out_dir / filename).write_text(env.get_template(GENERATED_FILES[filename]).render(context))


def render_linker_script(model: ModelInfo, board: Board, out_dir: Path, stack_bytes: int) -> None:
    """The linker script again, for another stack size: the one generated file it changes."""
    render_firmware_sources(model, board, out_dir, stack_bytes, only=("linker.ld",))

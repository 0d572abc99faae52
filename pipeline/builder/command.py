"""`mcuforge build C_DIR --board B`: cross-compile generated C into firmware for a board, with
the size check; the memory rows are shared with the emulated-board run."""

from __future__ import annotations

from pathlib import Path

from ..boards import Board, get_board
from ..codegen.command import add_kernel_rows
from ..codegen.model_info import ModelInfo
from ..compile.backends import DEFAULT_REQUEST, KernelRequest
from ..fsutil import check_output_dir
from ..stack_limits import MARGIN_BYTES, MARGIN_FRACTION, STACK_ALIGN
from ..ui import Summary, nbytes
from .apps import PROTOCOL, FirmwareApp
from .firmware import FirmwareBuild, build_firmware, default_out_dir


def serial_description(board: Board) -> str:
    """How the image talks the protocol: its UART, pins and baud, or semihosting."""
    s = board.serial
    if not s.is_uart:
        return "semihosting (needs a debug probe that serves it)"
    pins = f", TX {s.tx_pin} RX {s.rx_pin}" if s.tx_pin else ""
    return f"{s.kind} at 0x{s.base:08X}{pins}, {s.baud:,} baud (8N1)"


def add_board_row(summary: Summary, board: Board) -> None:
    summary.add("board", f"{board.id} ({board.name})", "board", board.id)


def add_memory_rows(summary: Summary, fw: FirmwareBuild) -> None:
    m = fw.memory
    summary.add("flash", f"{nbytes(m.flash_bytes)} ({m.flash_parts()}) of {nbytes(m.flash_capacity)}",
                "flash_bytes", m.flash_bytes)
    summary.add("RAM", f"{nbytes(m.ram_bytes)} ({m.ram_parts()}) of {nbytes(m.ram_capacity)}",
                "ram_bytes", m.ram_bytes)
    summary.data.update({"weights_bytes": m.weights_bytes, "code_bytes": m.code_bytes,
                         "arena_bytes": m.arena_bytes, "scratch_bytes": m.scratch_bytes,
                         "stack_bytes": m.stack_bytes,
                         "other_ram_bytes": m.other_ram_bytes, "flash_capacity": m.flash_capacity,
                         "ram_capacity": m.ram_capacity})


def add_stack_row(summary: Summary, fw: FirmwareBuild) -> None:
    """How the reserved stack follows from the static bound (builder.stack), or from --stack."""
    bound, reserved = fw.stack_bound, fw.memory.stack_bytes
    if bound is None:
        summary.add("stack", f"{nbytes(reserved)} (--stack; no static bound: {fw.stack_note})",
                    "stack_bound_bytes", None)
        return
    if not fw.stack_given:
        how = f"bound + {MARGIN_FRACTION:.0%} + {MARGIN_BYTES} B, rounded to {STACK_ALIGN}"
    elif reserved >= bound.bytes:
        how = "--stack"
    else:
        how = f"--stack, {bound.bytes - reserved:,} B below the bound"
    summary.add("stack", f"{nbytes(reserved)} ({how}); static bound {bound.describe()}",
                "stack_bound_bytes", bound.bytes)
    summary.data["stack_path"] = list(bound.path)


def do_build(c_dir: str, board_name: str, out: str | None, stack: int | None,
             summary: Summary, kernels: KernelRequest = DEFAULT_REQUEST,
             force: bool = False, app: FirmwareApp = PROTOCOL,
             semihosting: bool = False) -> FirmwareBuild:
    board = get_board(board_name)
    model = ModelInfo.load(c_dir)
    out_dir = Path(out) if out else default_out_dir(model, board)
    check_output_dir(out_dir, force, inputs=(c_dir,))    # before any work
    add_board_row(summary, board)
    fw = build_firmware(model, board, out_dir, stack_bytes=stack, kernels=kernels, force=force,
                        app=app, semihosting=semihosting)
    add_kernel_rows(summary, fw.model)
    if app != PROTOCOL:
        summary.add("application", f"MLPerf Tiny mode, model id {app.mlperf_model} (no PlatformIO "
                    f"project)", "app", app.kind)
    summary.add("firmware", f"{fw.elf}  (+ .bin, .hex, .map)", "elf", str(fw.elf))
    summary.data.update({"bin": str(fw.bin), "hex": str(fw.hex)})
    add_memory_rows(summary, fw)
    add_stack_row(summary, fw)
    summary.add("serial", serial_description(fw.board), "serial", fw.board.serial.kind)
    summary.add("fits", "yes", "fits", True)
    if fw.platformio is not None:
        summary.add("PlatformIO project", f"{fw.platformio}  (pio run -t upload)",
                    "platformio", str(fw.platformio))
    return fw

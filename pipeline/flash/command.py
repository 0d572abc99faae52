"""`mcuforge flash FIRMWARE_OR_C_DIR --board B [--probe ID] [--method M] [--dry-run]`.

The firmware is an ELF, or a folder written by `mcuforge compile`: then the board's firmware
(``<run>/firmware/<board>/<model>.elf``, from `mcuforge build`) is used when it is up to date
(built for this model and board, newer than the folder's files), else built. The method is one
the board declares in boards.yaml (``flash.methods``, in order of preference): --method, or the
first whose tool is installed. Every method verifies what it wrote by reading it back (OpenOCD's
``verify``), then starts the image. ``--dry-run`` prints the exact actions and touches no board.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..boards import Board, get_board
from ..builder import build_firmware
from ..builder.firmware import default_out_dir
from ..codegen.model_info import FILENAME as MODEL_INFO
from ..codegen.model_info import ModelInfo
from ..compile.backends import DEFAULT_REQUEST, KernelRequest
from ..errors import FlashError
from ..ui import Summary, nbytes
from . import gdb, openocd, pyocd_probe, uf2
from .image import Image, read_image


@dataclass(frozen=True)
class Method:
    name: str
    plan: Callable[[Board, Image, str | None], list[str]]
    available: Callable[[], bool]
    missing: str            # what to install when it is not available


METHODS = {
    "pyocd": Method("pyocd", pyocd_probe.plan, lambda: importlib.util.find_spec("pyocd") is not None,
                    pyocd_probe.INSTALL_HINT),
    "openocd": Method("openocd", openocd.plan, lambda: shutil.which("openocd") is not None,
                      openocd.INSTALL_HINT),
    "uf2": Method("uf2", uf2.plan, lambda: True, ""),
    "gdb": Method("gdb", gdb.plan, lambda: True, ""),
}


def choose_method(board: Board, requested: str | None, dry_run: bool = False) -> str:
    declared = board.flash.methods
    if requested:
        if requested not in declared:
            raise FlashError(f"{board.id} declares no {requested} method in boards.yaml "
                             f"(it declares: {', '.join(declared)})")
        return requested
    for name in declared:
        if METHODS[name].available():
            return name
    if dry_run:
        return declared[0]
    missing = "; ".join(f"{name}: {METHODS[name].missing}" for name in declared)
    raise FlashError(f"{board.id}: none of its flash methods is installed ({missing})")


def _up_to_date(elf: Path, model: ModelInfo) -> bool:
    """The ELF `mcuforge build` wrote for this model (its size.json gives the model's sha256),
    newer than every file of the generated folder; read_image checks the board."""
    size = elf.parent / "size.json"
    if not elf.is_file() or not size.is_file():
        return False
    try:
        built = json.loads(size.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(built, dict) or built.get("sha256") != model.sha256:
        return False
    newest = max((p.stat().st_mtime for p in model.folder.rglob("*") if p.is_file()), default=0.0)
    return elf.stat().st_mtime >= newest


def firmware_for(target: str, board: Board, summary: Summary, kernels: KernelRequest,
                 stack: int | None) -> Path:
    """The ELF to flash: ``target`` itself, or the board's firmware of a generated C folder."""
    path = Path(target)
    if path.is_dir():
        if not (path / MODEL_INFO).is_file():
            raise FlashError(f"{path}: neither a firmware .elf nor a folder written by "
                             f"`mcuforge compile` (no {MODEL_INFO})")
        model = ModelInfo.load(path)
        elf = default_out_dir(model, board) / f"{model.name}.elf"
        if kernels == DEFAULT_REQUEST and stack is None and _up_to_date(elf, model):
            summary.add("firmware", f"{elf} (up to date)", "elf", str(elf))
            summary.data["built"] = False
            return elf
        fw = build_firmware(model, board, elf.parent, stack_bytes=stack, kernels=kernels)
        summary.add("firmware", f"{fw.elf} (built: {nbytes(fw.memory.flash_bytes)} flash, "
                    f"{nbytes(fw.memory.ram_bytes)} RAM)", "elf", str(fw.elf))
        summary.data["built"] = True
        return fw.elf
    if not path.is_file():
        raise FlashError(f"{path}: no such firmware file or folder")
    if path.suffix.lower() in (".bin", ".hex", ".uf2"):
        raise FlashError(f"{path}: give the .elf (flashing and read-back need its section "
                         f"addresses)")
    summary.add("firmware", str(path), "elf", str(path))
    summary.data["built"] = False
    return path


def flash_image(board: Board, image: Image, method: str, probe: str | None, timeout: float,
                summary: Summary) -> None:
    """Writes, verifies and starts ``image`` with ``method``; the result rows join ``summary``."""
    if method == "gdb":
        g = gdb.flash_gdb(board, image, probe, timeout)
        summary.add("probe", f"GDB server {g.address} (PacketSize {g.packet_size}, "
                    f"{'X' if g.binary else 'M'} packets, {g.packets} sent)", "probe", g.address)
        summary.add("started", f"SP 0x{g.sp:08x}, PC 0x{g.pc & ~1:08x} (vector table)",
                    "started", True)
    elif method == "pyocd":
        p = pyocd_probe.flash_pyocd(board, image, probe, timeout)
        summary.add("probe", f"{p.probe}, pyOCD target {p.target}", "probe", p.probe)
        summary.add("started", "target.reset()", "started", True)
    elif method == "openocd":
        tool = openocd.flash_openocd(board, image, probe, timeout)
        summary.add("probe", f"{tool} ({probe or 'the one adapter connected'})", "probe", probe)
        summary.add("started", "reset (program ... verify reset exit)", "started", True)
    else:
        file, drive, blocks = uf2.flash_uf2(board, image, probe, timeout)
        summary.add("probe", f"UF2 drive {drive} ({file.name}, {blocks} blocks)", "probe", str(drive))
        summary.add("started", "the boot loader took the file and rebooted", "started", True)
    summary.add("verified", f"{nbytes(image.size)} read back, equal", "verified", True)


def print_actions(actions: list[str], as_json: bool) -> None:
    out = sys.stderr if as_json else sys.stdout
    for i, line in enumerate(actions, 1):
        print(f"{i}. {line}", file=out)


def do_flash(target: str, board_name: str, probe: str | None, method: str | None, dry_run: bool,
             timeout: float, summary: Summary, kernels: KernelRequest = DEFAULT_REQUEST,
             stack: int | None = None, as_json: bool = False) -> list[str]:
    """The `flash` command; returns the actions (those printed with ``dry_run``)."""
    board = get_board(board_name)
    chosen = choose_method(board, method, dry_run)      # before any build
    summary.add("board", f"{board.id} ({board.name})", "board", board.id)
    elf = firmware_for(target, board, summary, kernels, stack)
    image = read_image(elf, board)
    summary.add("image", f"{len(image.sections)} sections, {nbytes(image.size)}: "
                + ", ".join(f"{s.name} 0x{s.address:08x}" for s in image.sections),
                "image_bytes", image.size)
    summary.data["sections"] = [{"name": s.name, "address": s.address, "bytes": len(s.data)}
                                for s in image.sections]
    actions = METHODS[chosen].plan(board, image, probe)
    summary.add("method", chosen + ("" if method else f" (first installed of "
                                    f"{', '.join(board.flash.methods)})"), "method", chosen)
    summary.data["actions"] = actions
    if dry_run:
        print_actions(actions, as_json)
        summary.add("dry run", f"nothing done to the board ({len(actions)} actions printed)",
                    "dry_run", True)
        return actions
    summary.data["dry_run"] = False
    flash_image(board, image, chosen, probe, timeout, summary)
    return actions

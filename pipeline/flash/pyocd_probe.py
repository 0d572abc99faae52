"""The `pyocd` method: pyOCD's Python API (the optional extra ``mcuforge[flash]``), imported only
when this method runs.

- the probe: exactly one connected probe (or the one --probe names, by a part of its unique id);
  none, or several without --probe, is an error listing them;
- the target: boards.yaml's, always given (``target_override``), never pyOCD's generic
  ``cortex_m`` (the schema refuses it, and so does this module); a probe that knows its board
  (an on-board ST-LINK or DAPLink reports a board id) must report that target, and the core
  behind it must be the board's (CPUID part number), or nothing is written;
- ``auto_unlock`` off: a locked chip is an error, never mass-erased behind the user's back;
- program the ELF (sector erase), read every section back and compare, reset to run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from ..boards import GENERIC_PYOCD_TARGETS, Board
from ..errors import FlashError, MissingDependencyError
from .image import Image, first_difference

INSTALL_HINT = "pip install 'mcuforge[flash]' (or pip install pyocd)"
CPUID = 0xE000ED00
# CPUID PARTNO (bits 15:4) of each core (Arm's technical reference manuals, CPUID register)
CORE_PARTNO = {"cortex-m0plus": 0xC60, "cortex-m3": 0xC23, "cortex-m4": 0xC24,
               "cortex-m7": 0xC27, "cortex-m33": 0xD21, "cortex-m55": 0xD22}
PARTNO_CORE = {v: k for k, v in CORE_PARTNO.items()}
SESSION_OPTIONS = {"auto_unlock": False, "connect_mode": "halt"}


@dataclass(frozen=True)
class PyocdResult:
    probe: str
    target: str
    bytes_verified: int


def _pyocd() -> SimpleNamespace:
    """pyOCD's entry points (a seam: the tests put fakes here, no probe needed)."""
    try:
        from pyocd.core.exceptions import Error
        from pyocd.core.helpers import ConnectHelper
        from pyocd.core.session import Session
        from pyocd.flash.file_programmer import FileProgrammer
    except ImportError:
        raise MissingDependencyError(f"the pyocd method needs pyOCD: {INSTALL_HINT}") from None
    return SimpleNamespace(ConnectHelper=ConnectHelper, Session=Session,
                           FileProgrammer=FileProgrammer, Error=Error)


def _target(board: Board) -> str:
    spec = board.flash.pyocd
    assert spec is not None
    if spec.target.lower() in GENERIC_PYOCD_TARGETS:      # boards.yaml refuses it too
        raise FlashError(f"{board.id}: refusing pyOCD's generic target {spec.target!r}")
    return spec.target


def plan(board: Board, image: Image, probe: str | None) -> list[str]:
    target = _target(board)
    options = ", ".join(f"{k}={v!r}" for k, v in SESSION_OPTIONS.items())
    lines = [f"ConnectHelper.get_all_connected_probes(blocking=False, unique_id={probe!r}): "
             f"exactly one probe",
             f"Session(probe, target_override={target!r}, {options})",
             f"check: the probe's board target (if it reports one) is {target!r}; CPUID "
             f"(0x{CPUID:08X}) part number is 0x{CORE_PARTNO[board.core]:03X} ({board.core})",
             f"FileProgrammer(session, chip_erase='sector', trust_crc=False, no_reset=True)"
             f".program({str(image.path.resolve())!r}, file_format='elf')"]
    lines += [f"target.read_memory_block8(0x{s.address:08x}, {len(s.data)}): compare with {s.name}"
              for s in image.sections]
    lines.append("target.reset(): run the image")
    return lines


def _describe(probe: Any) -> str:
    return f"{getattr(probe, 'unique_id', '?')} ({getattr(probe, 'description', 'probe')})"


def choose_probe(api: SimpleNamespace, board: Board, probe_id: str | None) -> Any:
    probes = api.ConnectHelper.get_all_connected_probes(blocking=False, unique_id=probe_id,
                                                        print_wait_message=False)
    if not probes:
        which = f"matching --probe {probe_id}" if probe_id else "connected"
        raise FlashError(f"{board.id}: no debug probe {which} (pyOCD sees none: is the board "
                         f"plugged in, with a data cable?)")
    if len(probes) > 1:
        listed = ", ".join(_describe(p) for p in probes)
        what = f"match --probe {probe_id}" if probe_id else "are connected"
        raise FlashError(f"{board.id}: {len(probes)} debug probes {what}: {listed}; choose one "
                         f"with --probe ID (a part of its unique id)")
    probe = probes[0]
    target = _target(board)
    info = getattr(probe, "associated_board_info", None)
    if info is not None and getattr(info, "target", None) and info.target.lower() != target.lower():
        raise FlashError(f"{board.id}: the wrong target: probe {_describe(probe)} is on a "
                         f"{info.name} (pyOCD target {info.target}), not {board.id} "
                         f"(target {target}); nothing was written")
    return probe


def check_core(target: Any, board: Board) -> None:
    partno = (target.read32(CPUID) >> 4) & 0xFFF
    if partno != CORE_PARTNO[board.core]:
        found = PARTNO_CORE.get(partno, f"part number 0x{partno:03X}")
        raise FlashError(f"{board.id}: the wrong target: the probe reaches a {found}, not the "
                         f"board's {board.core}; nothing was written")


def flash_pyocd(board: Board, image: Image, probe_id: str | None, timeout: float) -> PyocdResult:
    api = _pyocd()
    target_name = _target(board)
    spec = board.flash.pyocd
    assert spec is not None
    written = False
    try:
        probe = choose_probe(api, board, probe_id)
        session = api.Session(probe, target_override=target_name, **SESSION_OPTIONS)
        try:
            session.open()
        except api.Error as exc:
            if "not recognized" in str(exc) and spec.pack:
                raise FlashError(f"{board.id}: pyOCD does not know target {target_name} (it comes "
                                 f"from a CMSIS pack: pyocd pack install {spec.pack})") from None
            raise
        try:
            target = session.target
            check_core(target, board)
            written = True
            api.FileProgrammer(session, chip_erase="sector", trust_crc=False,
                               no_reset=True).program(str(image.path), file_format="elf")
            for s in image.sections:
                got = bytes(target.read_memory_block8(s.address, len(s.data)))
                at = first_difference(s.data, got)
                if at is not None:
                    raise FlashError(f"{board.id}: verify failed at 0x{s.address + at:08x} "
                                     f"({s.name}+0x{at:x}): the board does not hold the image "
                                     f"(flash again)")
            target.reset()
        finally:
            session.close()
    except FlashError:
        raise
    except (api.Error, OSError) as exc:     # pyOCD's errors, and pyusb's (OSErrors): one line
        partial = "; the board may hold a partial image: flash again" if written else \
            "; nothing was written"
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise FlashError(f"{board.id}: pyOCD: {message}{partial}") from None
    return PyocdResult(_describe(probe), target_name, image.size)

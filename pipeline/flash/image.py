"""The bytes a firmware ELF puts into a board's memory: its loadable sections at their load
addresses, checked against the board before any method touches the probe.

A section is loadable when it is allocated (SHF_ALLOC) and has contents in the file (not NOBITS,
such as .bss or the stack): .text, .rodata, the vector table, and .data, whose initial values
are stored in flash and copied to RAM by the start-up code. Its load address (LMA) is that of the
PT_LOAD segment holding it: ``p_paddr + (sh_addr - p_vaddr)``. Every loadable byte must land in a
``kind: flash`` region of the board (for the emulated boards that is the code memory QEMU models
as RAM), so an image linked for another board is refused here, not half-written.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from ..boards import Board
from ..errors import FlashError

SHF_ALLOC = 0x2
EM_ARM = 40


@dataclass(frozen=True)
class Section:
    name: str
    address: int          # load address (LMA)
    data: bytes

    @property
    def end(self) -> int:
        return self.address + len(self.data)


@dataclass(frozen=True)
class Image:
    path: Path
    sections: tuple[Section, ...]     # sorted by address, none overlapping

    @property
    def size(self) -> int:
        return sum(len(s.data) for s in self.sections)

    def read(self, address: int, length: int) -> bytes | None:
        """``length`` bytes of the image at ``address``, or None where the image has no bytes."""
        for s in self.sections:
            if s.address <= address and address + length <= s.end:
                return s.data[address - s.address:address - s.address + length]
        return None

    def vectors(self, board: Board) -> tuple[int, int]:
        """(initial SP, reset handler) from the vector table at the start of the code region."""
        origin = board.code_region.origin
        head = self.read(origin, 8)
        if head is None:
            raise FlashError(f"{self.path}: no vector table at 0x{origin:08x}, the start of "
                             f"{board.id}'s code region (built for another board?)")
        sp, pc = struct.unpack("<II", head)
        if not pc & 1:
            raise FlashError(f"{self.path}: the reset vector 0x{pc:08x} at 0x{origin + 4:08x} is "
                             f"not a Thumb address (bit 0 clear): not a Cortex-M vector table")
        return sp, pc


def read_image(elf: Path, board: Board) -> Image:
    """The loadable sections of ``elf``, each checked to lie in one of the board's flash regions;
    a ``size.json`` beside it (written by `mcuforge build`) must name the same board."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    elf = Path(elf)
    _check_built_for(elf, board)
    try:
        with elf.open("rb") as f:
            ef = ELFFile(f)
            if ef["e_machine"] != "EM_ARM" or ef.elfclass != 32:
                raise FlashError(f"{elf}: not a 32-bit Arm ELF ({ef['e_machine']}, "
                                 f"{ef.elfclass}-bit)")
            loads = [s for s in ef.iter_segments() if s["p_type"] == "PT_LOAD"]
            sections = []
            for sec in ef.iter_sections():
                if not sec["sh_flags"] & SHF_ALLOC or sec["sh_type"] == "SHT_NOBITS" \
                        or sec["sh_size"] == 0:
                    continue
                vaddr = sec["sh_addr"]
                seg = next((g for g in loads if g["p_vaddr"] <= vaddr
                            and vaddr + sec["sh_size"] <= g["p_vaddr"] + g["p_filesz"]), None)
                if seg is None:
                    raise FlashError(f"{elf}: section {sec.name} (0x{vaddr:08x}) lies in no "
                                     f"loadable segment")
                sections.append(Section(sec.name, seg["p_paddr"] + vaddr - seg["p_vaddr"],
                                        sec.data()))
    except OSError as exc:
        raise FlashError(f"{elf}: cannot read the firmware ({exc.strerror or exc})") from exc
    except ELFError as exc:
        raise FlashError(f"{elf}: not an ELF file ({exc})") from exc
    if not sections:
        raise FlashError(f"{elf}: has no loadable sections")
    sections.sort(key=lambda s: s.address)
    for a, b in zip(sections, sections[1:]):
        if b.address < a.end:
            raise FlashError(f"{elf}: sections {a.name} and {b.name} overlap at 0x{b.address:08x}")
    flash = [r for r in board.memory if r.kind == "flash"]
    for s in sections:
        if not any(r.origin <= s.address and s.end <= r.end for r in flash):
            where = ", ".join(f"{r.name} 0x{r.origin:08x}-0x{r.end - 1:08x}" for r in flash)
            raise FlashError(f"{elf}: section {s.name} loads at 0x{s.address:08x}-0x{s.end - 1:08x}, "
                             f"outside {board.id}'s flash ({where}): built for another board?")
    return Image(elf, tuple(sections))


def _check_built_for(elf: Path, board: Board) -> None:
    size = elf.parent / "size.json"
    if not size.is_file():
        return
    try:
        built_for = json.loads(size.read_text()).get("board")
    except (OSError, ValueError, AttributeError):
        return      # not ours to judge: the sections are checked against the board anyway
    if built_for and built_for != board.id:
        raise FlashError(f"{elf}: was built for {built_for} ({size}), not {board.id}")


def first_difference(want: bytes, got: bytes) -> int | None:
    """The offset of the first byte where ``got`` differs from ``want`` (a short read counts)."""
    if want == got:
        return None
    for i, (a, b) in enumerate(zip(want, got)):
        if a != b:
            return i
    return min(len(want), len(got))

"""Flash and RAM of the parts of a streaming firmware, from the linker's map file: every input
section the image keeps, summed by the object it came from. Flash is .text, .rodata and the
initial values of .data; RAM is .data and .bss (static storage; the stack is reported apart)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_ONE_LINE = re.compile(r"^ (\.[^\s]+|COMMON)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S+\.o)\s*$")
_NAME_ONLY = re.compile(r"^ (\.[^\s]+|COMMON)\s*$")
_REST = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S+\.o)\s*$")


@dataclass(frozen=True)
class PartMemory:
    flash_bytes: int
    ram_bytes: int


def object_sections(map_text: str) -> list[tuple[str, int, str]]:
    """(input section, size, object file name) of every section placed in the image."""
    lines = map_text.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("Linker script and memory map"))
    except StopIteration:
        return []
    out, pending = [], None
    for ln in lines[start:]:
        m = _ONE_LINE.match(ln)
        if m:
            name, addr, size, obj = m.groups()
            pending = None
        else:
            if pending is not None:
                r = _REST.match(ln)
                name, pending = pending, None
                if r is None:
                    continue
                addr, size, obj = r.groups()
            else:
                n = _NAME_ONLY.match(ln)
                pending = n.group(1) if n else None
                continue
        if int(addr, 16) != 0 and int(size, 16) > 0:
            out.append((name, int(size, 16), Path(obj).name))
    return out


def part_memory(map_path: Path, objects: Iterable[str]) -> PartMemory:
    """Flash and static RAM of the objects named (``mf_frontend.o``, ...)."""
    wanted = set(objects)
    flash = ram = 0
    for name, size, obj in object_sections(map_path.read_text(errors="replace")):
        if obj not in wanted:
            continue
        if name.startswith((".text", ".rodata")):
            flash += size
        elif name.startswith(".data"):
            flash += size
            ram += size
        elif name.startswith((".bss", "COMMON")):
            ram += size
    return PartMemory(flash, ram)

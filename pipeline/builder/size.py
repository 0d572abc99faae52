"""Flash and RAM use of a linked image, read from its ELF, and the check against the board.

Flash: every allocated section with contents (vectors, code, constants including the weights,
initial values of .data). RAM: every writable allocated section: .data, .bss (the arena is one
object in it) and the stack the linker reserves; itemized as arena (the activations) + scratch
(the backend's scratch buffers, slots of the same arena array) + stack + other. Flash is itemized
as weights + code + the named objects a build asks for (the linked audio of a streaming firmware)
+ other, each object sized by its symbol. Sections are
classified by their flags, not by address, so an image linked past the end of a region (to
measure it) is measured right too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..boards import Board
from ..errors import BuildError, SizeError


@dataclass(frozen=True)
class MemoryUse:
    """Bytes of an image, with the board's capacity next to them."""

    flash_bytes: int        # all of it
    code_bytes: int         # vectors + .text
    const_bytes: int        # .rodata + .ARM.exidx (the model's weights are part of it)
    weights_bytes: int      # the model's constant arrays (from the generated code)
    data_init_bytes: int    # initial values of .data, copied to RAM at reset
    ram_bytes: int          # all of it
    arena_bytes: int        # the model's arena array: activations and scratch
    scratch_bytes: int      # of arena_bytes: the largest scratch buffer a kernel call needs
    stack_bytes: int        # stack reserved by the linker script
    flash_capacity: int     # the code region of the board
    ram_capacity: int       # the data region of the board
    named_flash: tuple[tuple[str, int], ...] = ()   # (label, bytes) of constant objects named by the build

    @property
    def other_ram_bytes(self) -> int:
        return self.ram_bytes - self.arena_bytes - self.stack_bytes

    @property
    def other_flash_bytes(self) -> int:
        return (self.flash_bytes - self.weights_bytes - self.code_bytes
                - sum(size for _, size in self.named_flash))

    @property
    def fits(self) -> bool:
        return self.flash_bytes <= self.flash_capacity and self.ram_bytes <= self.ram_capacity

    def as_dict(self) -> dict:
        d = asdict(self)
        d["named_flash"] = {label: size for label, size in self.named_flash}
        d["other_ram_bytes"] = self.other_ram_bytes
        d["other_flash_bytes"] = self.other_flash_bytes
        return d

    def ram_parts(self) -> str:
        scratch = f" + scratch {self.scratch_bytes:,}" if self.scratch_bytes else ""
        return (f"arena {self.arena_bytes - self.scratch_bytes:,}{scratch} + stack "
                f"{self.stack_bytes:,} + other {self.other_ram_bytes:,}")

    def flash_parts(self) -> str:
        named = "".join(f" + {label} {size:,}" for label, size in self.named_flash)
        return (f"weights {self.weights_bytes:,} + code {self.code_bytes:,}{named} "
                f"+ other {self.other_flash_bytes:,}")


def measure_elf(elf_path: Path, board: Board, weights_bytes: int, arena_bytes: int,
                scratch_bytes: int = 0,
                named_objects: tuple[tuple[str, str], ...] = ()) -> MemoryUse:
    """Reads the section table and symbols of ``elf_path``; ``scratch_bytes`` is the part of the
    arena the generated code planned for scratch buffers (model_info.json); ``named_objects``:
    (label, symbol) of constant objects to itemize in flash (0 B for a symbol the image lacks)."""
    code, data = board.code_region, board.data_region
    with open(elf_path, "rb") as f:
        elf = ELFFile(f)
        flash = code_bytes = const_bytes = data_init = ram = stack = 0
        for section in elf.iter_sections():
            if not section["sh_flags"] & SH_FLAGS.SHF_ALLOC or section["sh_size"] == 0:
                continue
            name, size = section.name, section["sh_size"]
            has_contents = section["sh_type"] != "SHT_NOBITS"
            if has_contents:
                flash += size
                if name in (".vectors", ".text"):
                    code_bytes += size
                elif name == ".data":
                    data_init += size
                else:
                    const_bytes += size
            if section["sh_flags"] & SH_FLAGS.SHF_WRITE:
                ram += size
                if name == ".stack":
                    stack += size

        objects: dict[str, list[int]] = {}
        symtab = elf.get_section_by_name(".symtab")
        if isinstance(symtab, SymbolTableSection):   # what pyelftools makes of an SHT_SYMTAB
            for sym in symtab.iter_symbols():
                if sym["st_info"]["type"] == "STT_OBJECT":
                    objects.setdefault(sym.name, []).append(sym["st_size"])
        sizes = objects.get("arena", [])
        arena = arena_bytes if arena_bytes in sizes else max(sizes, default=0)
        named = tuple((label, sum(objects.get(symbol, []))) for label, symbol in named_objects)
    if flash == 0 or ram == 0:
        raise BuildError(f"{elf_path}: no code or no data in {board.id}'s memory map "
                         f"({code.name}, {data.name}): the linker script and boards.yaml disagree")
    return MemoryUse(flash_bytes=flash, code_bytes=code_bytes, const_bytes=const_bytes,
                     weights_bytes=min(weights_bytes, const_bytes), data_init_bytes=data_init,
                     ram_bytes=ram, arena_bytes=arena, scratch_bytes=min(scratch_bytes, arena),
                     stack_bytes=stack,
                     flash_capacity=code.length_bytes, ram_capacity=data.length_bytes,
                     named_flash=named)


def check_fits(use: MemoryUse, board: Board, what: str) -> None:
    """SizeError, itemized, when the image needs more flash or RAM than the board has."""
    problems = []
    if use.ram_bytes > use.ram_capacity:
        where = f" in {board.data_region.name}" if use.ram_capacity < board.ram_bytes else ""
        problems.append(f"{use.ram_bytes:,} B of RAM ({use.ram_parts()}), "
                        f"{board.id} has {use.ram_capacity:,} B{where} "
                        f"(over by {use.ram_bytes - use.ram_capacity:,} B)")
    if use.flash_bytes > use.flash_capacity:
        where = f" in {board.code_region.name}" if use.flash_capacity < board.flash_bytes else ""
        problems.append(f"{use.flash_bytes:,} B of flash ({use.flash_parts()}), "
                        f"{board.id} has {use.flash_capacity:,} B{where} "
                        f"(over by {use.flash_bytes - use.flash_capacity:,} B)")
    if problems:
        raise SizeError(f"{what} needs " + "; and ".join(problems))

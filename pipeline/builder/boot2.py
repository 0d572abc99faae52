"""The RP2040's second-stage boot loader: its checksum, written into the linked image.

The boot ROM reads the first 256 bytes of flash and runs them only if their last 4 bytes, read as
a little-endian integer, equal the CRC32 of the first 252 with these parameters (RP2040
datasheet, the checksum section of "Flash second stage"; the boot ROM's own crc32_small, called
with seed 0xFFFFFFFF in pico-bootrom's bootrom_main.c): polynomial 0x04C11DB7, no input or
output reflection, initial value 0xFFFFFFFF, no final XOR (the CRC-32/MPEG-2 of the CRC
catalogues). That is not zlib's CRC32, which reflects and inverts. The linker script leaves the 4
bytes zero (templates/firmware/linker.ld.j2, section .boot2); ``seal_boot2`` fills them in the ELF,
before the .bin and .hex are made from it.
"""

from __future__ import annotations

from pathlib import Path

from elftools.elf.elffile import ELFFile

from ..boards import BOOT2_BYTES
from ..errors import BuildError

POLYNOMIAL = 0x04C11DB7
PAYLOAD_BYTES = BOOT2_BYTES - 4
SECTION = ".boot2"


def _table() -> tuple[int, ...]:
    """The CRC of each byte value shifted in at the top of a zero register (MSB first)."""
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ POLYNOMIAL if crc & 0x8000_0000 else crc << 1) & 0xFFFF_FFFF
        table.append(crc)
    return tuple(table)


_TABLE = _table()


def rp2040_crc32(data: bytes) -> int:
    """CRC32 as the RP2040 boot ROM computes it (MSB first, init 0xFFFFFFFF, no final XOR)."""
    crc = 0xFFFF_FFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF_FFFF) ^ _TABLE[(crc >> 24) ^ byte]
    return crc


def seal_boot2(elf: Path) -> int:
    """Writes the CRC of .boot2's first 252 bytes into its last 4, in place; returns the CRC."""
    with open(elf, "r+b") as f:
        section = ELFFile(f).get_section_by_name(SECTION)
        if section is None or section["sh_size"] != BOOT2_BYTES:
            size = "missing" if section is None else f"{section['sh_size']} B"
            raise BuildError(f"{elf}: section {SECTION} must be {BOOT2_BYTES} B ({size})")
        offset = section["sh_offset"]
        f.seek(offset)
        crc = rp2040_crc32(f.read(PAYLOAD_BYTES))
        f.seek(offset + PAYLOAD_BYTES)
        f.write(crc.to_bytes(4, "little"))
    return crc

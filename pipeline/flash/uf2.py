"""The `uf2` method: write the image as a UF2 file, copy it to the boot loader's USB drive, wait
for the board to take it.

UF2 (Microsoft's USB flashing format, github.com/microsoft/uf2): a file of 512-byte blocks, each
independent: eight little-endian 32-bit words (magic 0x0A324655 "UF2\\n", magic 0x9E5D5157, flags,
target address, payload size, block number, number of blocks, family id -- or file size when the
familyID flag 0x00002000 is clear), 476 bytes of data of which the first ``payload size`` count,
and the end magic 0x0AB16F30. We write 256-byte payloads at 256-byte aligned addresses (what the
RP2040 boot ROM requires), padding a partly used block with 0x00, blocks in address order with
the board's family id, so a boot loader for another chip ignores the file.

The drive is found among the mounted volumes by its INFO_UF2.TXT, whose ``Board-ID:`` line must
be the board's. Once the last block is written the boot loader flashes and reboots into the
image, and its drive goes away: that is awaited, bounded by the timeout.
"""

from __future__ import annotations

import os
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from ..boards import Board, Uf2Flash
from ..errors import FlashError
from .image import Image

MAGIC_START0 = 0x0A324655
MAGIC_START1 = 0x9E5D5157
MAGIC_END = 0x0AB16F30
FLAG_FAMILY_ID = 0x00002000
BLOCK_BYTES = 512
PAYLOAD_BYTES = 256
DATA_BYTES = 476                # the data field of a block: 512 - 32 (header) - 4 (end magic)
INFO_FILE = "INFO_UF2.TXT"
# Where removable drives get mounted (Linux udisks, older Linux, macOS); MCUFORGE_UF2_MOUNTS
# (folders separated by os.pathsep) is searched first.
MOUNT_ROOTS = ("/media", "/run/media", "/Volumes", "/mnt")


def uf2_blocks(image: Image) -> list[tuple[int, bytes]]:
    """(address, 256 payload bytes) for every 256-byte aligned page the image touches; bytes of
    a page that no section fills are 0x00."""
    pages: dict[int, bytearray] = {}
    for s in image.sections:
        at = s.address
        data = s.data
        while data:
            page = at & ~(PAYLOAD_BYTES - 1)
            start = at - page
            n = min(PAYLOAD_BYTES - start, len(data))
            buf = pages.setdefault(page, bytearray(PAYLOAD_BYTES))
            buf[start:start + n] = data[:n]
            at += n
            data = data[n:]
    return [(page, bytes(pages[page])) for page in sorted(pages)]


def write_uf2(image: Image, family_id: int) -> bytes:
    blocks = uf2_blocks(image)
    out = bytearray()
    for number, (address, payload) in enumerate(blocks):
        header = struct.pack("<8I", MAGIC_START0, MAGIC_START1, FLAG_FAMILY_ID, address,
                             PAYLOAD_BYTES, number, len(blocks), family_id)
        out += header + payload + bytes(DATA_BYTES - PAYLOAD_BYTES) + struct.pack("<I", MAGIC_END)
    assert len(out) == BLOCK_BYTES * len(blocks)
    return bytes(out)


@dataclass(frozen=True)
class Uf2Block:
    flags: int
    address: int
    payload: bytes
    number: int
    count: int
    family_id: int


def read_uf2(data: bytes) -> list[Uf2Block]:
    """Parses a UF2 file (to check what we wrote, and files given to us); bad blocks are errors."""
    if len(data) % BLOCK_BYTES:
        raise FlashError(f"a UF2 file is whole 512-byte blocks, not {len(data)} bytes")
    blocks = []
    for i in range(0, len(data), BLOCK_BYTES):
        m0, m1, flags, address, size, number, count, family = struct.unpack_from("<8I", data, i)
        (end,) = struct.unpack_from("<I", data, i + BLOCK_BYTES - 4)
        if (m0, m1, end) != (MAGIC_START0, MAGIC_START1, MAGIC_END) or size > DATA_BYTES:
            raise FlashError(f"UF2 block {i // BLOCK_BYTES}: bad magic numbers or payload size")
        blocks.append(Uf2Block(flags, address, data[i + 32:i + 32 + size], number, count, family))
    return blocks


def _mounted_volumes() -> list[Path]:
    roots = [Path(p) for p in os.environ.get("MCUFORGE_UF2_MOUNTS", "").split(os.pathsep) if p]
    volumes: list[Path] = []
    for root in roots:
        volumes.append(root)
        volumes += _children(root)
    for root in map(Path, MOUNT_ROOTS):
        for child in _children(root):
            volumes += [child, *_children(child)]      # /media/<user>/<label> or /Volumes/<label>
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and parts[2] in ("vfat", "msdos", "fat"):
                volumes.append(Path(parts[1].replace("\\040", " ")))
    except OSError:
        pass
    return list(dict.fromkeys(volumes))     # first occurrence of each, in order


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return []


def board_id_of(volume: Path) -> str | None:
    """The ``Board-ID:`` of a volume's INFO_UF2.TXT, None without one."""
    try:
        text = (volume / INFO_FILE).read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "board-id":
            return value.strip()
    return ""


def find_drive(board: Board, spec: Uf2Flash, probe: str | None) -> Path:
    """The boot loader's drive: --probe names it, else the one mounted volume whose INFO_UF2.TXT
    says Board-ID: <board_id>."""
    hint = (f"hold BOOTSEL while plugging {board.id} in, so that its {spec.drive_label} drive "
            f"mounts")
    if probe:
        volume = Path(probe)
        found = board_id_of(volume)
        if found is None:
            raise FlashError(f"--probe {probe}: no {INFO_FILE} there: not a UF2 boot loader drive "
                             f"({hint})")
        if found != spec.board_id:
            raise FlashError(f"--probe {probe}: the drive is a {found or 'unnamed'} boot loader, "
                             f"not {board.id}'s {spec.board_id}")
        return volume
    matches = [v for v in _mounted_volumes() if board_id_of(v) == spec.board_id]
    if not matches:
        raise FlashError(f"{board.id}: no mounted UF2 drive with Board-ID: {spec.board_id} ({hint})")
    if len(matches) > 1:
        raise FlashError(f"{board.id}: {len(matches)} UF2 drives with Board-ID: {spec.board_id} "
                         f"({', '.join(map(str, matches))}); choose one with --probe DRIVE")
    return matches[0]


def uf2_path(image: Image) -> Path:
    return image.path.with_suffix(".uf2")


def plan(board: Board, image: Image, probe: str | None) -> list[str]:
    spec = board.flash.uf2
    assert spec is not None
    blocks = len(uf2_blocks(image))
    drive = probe or f"the mounted drive whose {INFO_FILE} says Board-ID: {spec.board_id} " \
                     f"(label {spec.drive_label})"
    return [f"write {uf2_path(image)}: {blocks} blocks of 256 B, family id 0x{spec.family_id:08x}",
            f"copy it to {drive}",
            "wait for the drive to go away (the boot loader flashed the image and rebooted)"]


def flash_uf2(board: Board, image: Image, probe: str | None, timeout: float) -> tuple[Path, Path, int]:
    """Writes the .uf2 beside the ELF, copies it to the drive, waits; (uf2, drive, blocks)."""
    from ..fsutil import write_bytes_atomic

    spec = board.flash.uf2
    assert spec is not None
    data = write_uf2(image, spec.family_id)
    out = uf2_path(image)
    write_bytes_atomic(out, data)
    drive = find_drive(board, spec, probe)
    target = drive / out.name
    try:
        # written in one go and flushed: the boot loader starts flashing as blocks arrive
        with out.open("rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
    except OSError as exc:
        raise FlashError(f"{board.id}: copying {out.name} to {drive} failed "
                         f"({exc.strerror or exc}); the board may hold a partial image: "
                         f"put it in BOOTSEL mode and flash again") from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if board_id_of(drive) is None:
            return out, drive, len(data) // BLOCK_BYTES
        time.sleep(0.1)
    raise FlashError(f"{board.id}: copied {out.name} to {drive}, but the drive was still there "
                     f"{timeout:g} s later: the boot loader did not take the file (wrong family "
                     f"id, or addresses outside its flash?)")

"""The `gdb` method: load an image through any GDB server with our own RSP client (flash.rsp).

1. connect, qSupported (PacketSize), QStartNoAckMode where offered, X support probed;
2. write every loadable section: into the server's flash regions (its qXfer memory map: pyOCD,
   OpenOCD and J-Link servers describe the chip's flash) by erasing the blocks the image touches
   and vFlashWrite / vFlashDone; anywhere else (RAM, and the code memory of QEMU's mps2 boards,
   which QEMU models as RAM and maps as nothing) with X (binary) or M (hex) packets;
3. read every section back with m packets and compare: a GDB server need not implement qCRC
   (QEMU's does not), so verification is by reading back; a difference is an error naming the
   first bad address;
4. start it as a reset would: VTOR (SCB, 0xE000ED08) = the vector table, SP and PC from its first
   two words, xPSR = Thumb bit only; continue, and disconnect (the core keeps running).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..boards import Board
from ..errors import FlashError
from .image import Image, first_difference
from .rsp import FlashRegion, GdbRemote

VTOR = 0xE000ED08
XPSR_THUMB = 1 << 24
# Cortex-M core registers in GDB's numbering (org.gnu.gdb.arm.m-profile: r0-r12, sp, lr, pc);
# xPSR's number differs between servers (25 in QEMU's description, which keeps the old FPA
# register numbers free; 16 where it follows pc, as in the test's server), so it is read from
# the target description, with the classic Arm layout's 25 where there is none.
SP, PC, XPSR_CLASSIC = 13, 15, 25


@dataclass(frozen=True)
class GdbResult:
    address: str
    packet_size: int
    binary: bool
    packets: int
    bytes_written: int
    sp: int
    pc: int


def parse_address(probe: str | None, board: Board) -> tuple[str, int]:
    """--probe HOST:PORT, :PORT or PORT (default 127.0.0.1 and the board's gdb port)."""
    assert board.flash.gdb is not None
    if not probe:
        return "127.0.0.1", board.flash.gdb.port
    host, _, port = probe.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise FlashError(f"--probe {probe!r}: give the GDB server as HOST:PORT (e.g. "
                         f"127.0.0.1:{board.flash.gdb.port})") from None
    if not 0 < number < 65536:
        raise FlashError(f"--probe {probe!r}: port {number} is out of range (1..65535)")
    return host or "127.0.0.1", number


def plan(board: Board, image: Image, probe: str | None) -> list[str]:
    host, port = parse_address(probe, board)
    sp, pc = image.vectors(board)
    lines = [f"connect to the GDB server at {host}:{port}; qSupported (PacketSize), "
             f"QStartNoAckMode if offered, X0,0: (binary writes?)"]
    lines.append("qXfer:memory-map:read (the server's flash regions and their erase blocks)")
    for s in image.sections:
        lines.append(f"write {s.name}: {len(s.data):,} B at 0x{s.address:08x}-0x{s.end - 1:08x} "
                     f"(in a flash region of the map: vFlashErase of its blocks, vFlashWrite, "
                     f"vFlashDone; elsewhere X or M packets)")
    lines.append(f"read back {len(image.sections)} sections ({image.size:,} B) with m packets and "
                 f"compare byte for byte (a difference names the first bad address)")
    lines.append(f"M{VTOR:x},4 = 0x{board.code_region.origin:08x} (VTOR); P{SP:x} SP = 0x{sp:08x}, "
                 f"P{PC:x} PC = 0x{pc & ~1:08x}, xPSR = 0x{XPSR_THUMB:08x} (Thumb); c (continue); disconnect")
    return lines


def erase_blocks(image: Image, regions: list[FlashRegion]) -> list[tuple[int, int]]:
    """(start, length) runs of the flash blocks the image's sections touch, merged."""
    blocks: dict[int, int] = {}     # block start -> its size
    for s in image.sections:
        region = _region_of(s.address, s.end, regions)
        if region is not None:
            first = (s.address - region.start) // region.blocksize
            last = (s.end - 1 - region.start) // region.blocksize
            for k in range(first, last + 1):
                blocks[region.start + k * region.blocksize] = region.blocksize
    runs: list[tuple[int, int]] = []
    for start, size in sorted(blocks.items()):
        if runs and runs[-1][0] + runs[-1][1] == start:
            runs[-1] = (runs[-1][0], runs[-1][1] + size)
        else:
            runs.append((start, size))
    return runs


def _region_of(start: int, end: int, regions: list[FlashRegion]) -> FlashRegion | None:
    for r in regions:
        if r.start <= start and end <= r.end:
            return r
        if start < r.end and r.start < end:
            raise FlashError(f"0x{start:08x}-0x{end - 1:08x} straddles the edge of the flash "
                             f"region 0x{r.start:08x}-0x{r.end - 1:08x}")
    return None


def load(remote: GdbRemote, image: Image) -> int:
    """Writes every section (flash through vFlash, the rest through X/M); bytes written."""
    regions = remote.memory_map()
    total = 0
    started = False
    try:
        runs = erase_blocks(image, regions)
        for start, length in runs:
            started = True
            remote.flash_erase(start, length)
        for s in image.sections:
            started = True
            if _region_of(s.address, s.end, regions) is not None:
                remote.flash_write(s.address, s.data)
            else:
                remote.write_memory(s.address, s.data)
            total += len(s.data)
        if runs:
            remote.flash_done()
    except FlashError as exc:
        partial = "; the board holds a partial image: flash it again" if started else ""
        named = str(exc) if str(exc).startswith(remote.name) else f"{remote.name}: {exc}"
        raise FlashError(f"{named}{partial}") from None
    return total


def verify(remote: GdbRemote, image: Image) -> None:
    """Reads every section back; the first differing byte is an error with its address."""
    for s in image.sections:
        got = remote.read_memory(s.address, len(s.data))
        at = first_difference(s.data, got)
        if at is not None:
            value = f"0x{got[at]:02x}" if at < len(got) else "nothing"
            raise FlashError(f"{remote.name}: verify failed at 0x{s.address + at:08x} ({s.name}+0x{at:x}): "
                             f"wrote 0x{s.data[at]:02x}, read back {value}; the board does not hold "
                             f"the image: flash it again")


def start(remote: GdbRemote, board: Board, image: Image) -> tuple[int, int]:
    """Sets the core up as a reset from the image's vector table would, then lets it run."""
    sp, pc = image.vectors(board)
    remote.write_memory(VTOR, board.code_region.origin.to_bytes(4, "little"))
    xpsr = remote.register_numbers().get("xpsr", XPSR_CLASSIC)
    remote.write_register(SP, sp, "SP")
    remote.write_register(PC, pc & ~1, "PC")
    remote.write_register(xpsr, XPSR_THUMB, "xPSR")
    # c, then close: a server takes no packet but an interrupt while the core runs (QEMU's does
    # not even acknowledge a D then), and the core keeps running when the debugger goes away
    remote.resume()
    return sp, pc


def flash_gdb(board: Board, image: Image, probe: str | None, timeout: float) -> GdbResult:
    host, port = parse_address(probe, board)
    with GdbRemote(host, port, timeout, f"{board.id}: GDB server {host}:{port}") as remote:
        remote.handshake()
        written = load(remote, image)
        verify(remote, image)
        try:
            sp, pc = start(remote, board, image)
        except FlashError as exc:
            raise FlashError(f"{exc}; the image is written and verified but was not started "
                             f"(reset the board)") from None
        return GdbResult(remote.address, remote.packet_size, remote.binary_writes,
                         remote.packets_sent, written, sp, pc)

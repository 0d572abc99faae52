"""The GDB remote client against a GDB server that has real flash, as pyOCD's, OpenOCD's and
J-Link's servers do: a memory map with a flash region, vFlashErase/vFlashWrite/vFlashDone, M and
X refused on flash, acknowledgements kept on (no QStartNoAckMode), run-length encoded replies and
xPSR at register 16 (OpenOCD's numbering). QEMU's server (no map, no-ack mode, xPSR 25) is
test_flash_gdb's. The server here is a small one written for the test, in a thread."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from board_testing import one_line_error
from mcuforge.boards import get_board
from mcuforge.cli import main
from mcuforge.flash.image import read_image
from mcuforge.flash.rsp import checksum, escape_binary, run_length_decode
from test_flash import _section_bytes, write_elf

BOARD = get_board("nucleo_f746zg")
FLASH, FLASH_BYTES, BLOCK = 0x08000000, 0x100000, 0x800
TARGET_XML = ('<?xml version="1.0"?><target><feature name="org.gnu.gdb.arm.m-profile">'
              + "".join(f'<reg name="r{i}" bitsize="32"/>' for i in range(13))
              + '<reg name="sp" bitsize="32"/><reg name="lr" bitsize="32"/><reg name="pc" bitsize="32"/>'
              '<reg name="xPSR" bitsize="32" regnum="16"/></feature></target>')
MEMORY_MAP = (f'<memory-map><memory type="flash" start="0x{FLASH:x}" length="0x{FLASH_BYTES:x}">'
              f'<property name="blocksize">0x{BLOCK:x}</property></memory>'
              f'<memory type="ram" start="0x20000000" length="0x50000"/></memory-map>')


def rle(text: bytes) -> bytes:
    """Run-length encoding as a server may send it: c*N for runs of 4 or more."""
    out, i = bytearray(), 0
    while i < len(text):
        run = 1
        while i + run < len(text) and text[i + run] == text[i] and run < 98:
            run += 1
        extra = run - 1
        if extra in (6, 7):      # '#' and '$' cannot be counts
            extra = 5
        if extra >= 3:
            out += bytes((text[i], 0x2A, extra + 29))
            i += extra + 1
        else:
            out.append(text[i])
            i += 1
    return bytes(out)


def unescape(data: bytes) -> bytes:
    out, it = bytearray(), iter(data)
    for b in it:
        out.append(next(it) ^ 0x20 if b == 0x7D else b)
    return bytes(out)


class FakeServer(threading.Thread):
    def __init__(self, fail_write_at: int | None = None):
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flash = bytearray(b"\xa5" * FLASH_BYTES)      # not erased: a write must erase first
        self.ram: dict[int, int] = {}
        self.registers: dict[int, int] = {}
        self.erased: list[tuple[int, int]] = []
        self.done = self.continued = False
        self.fail_write_at = fail_write_at

    def reply(self, payload: bytes) -> bytes:
        if payload.startswith(b"qSupported"):
            return b"PacketSize=400;qXfer:memory-map:read+;qXfer:features:read+"
        if payload == b"?":
            return b"S05"
        if payload.startswith(b"qXfer:"):
            _, kind, _, annex, window = payload.decode().split(":")
            doc = MEMORY_MAP if kind == "memory-map" else TARGET_XML
            offset, length = (int(x, 16) for x in window.split(","))
            part = doc[offset:offset + length].encode()
            return (b"l" if offset + length >= len(doc) else b"m") + part
        if payload.startswith((b"M", b"X")):
            head, data = payload[1:].split(b":", 1)
            addr, n = (int(x, 16) for x in head.split(b","))
            if n == 0:
                return b"OK"
            if FLASH <= addr < FLASH + FLASH_BYTES:
                return b"E01"                               # flash takes vFlash only
            data = bytes.fromhex(data.decode()) if payload[:1] == b"M" else unescape(data)
            self.ram.update({addr + k: v for k, v in enumerate(data)})
            return b"OK"
        if payload.startswith(b"vFlashErase:"):
            addr, n = (int(x, 16) for x in payload[12:].decode().split(","))
            assert addr % BLOCK == 0 and n % BLOCK == 0
            self.flash[addr - FLASH:addr - FLASH + n] = b"\xff" * n
            self.erased.append((addr, n))
            return b"OK"
        if payload.startswith(b"vFlashWrite:"):
            head, data = payload[12:].split(b":", 1)
            addr, data = int(head, 16), unescape(data)
            if self.fail_write_at is not None and addr <= self.fail_write_at < addr + len(data):
                return b"E03"
            at = addr - FLASH
            assert set(self.flash[at:at + len(data)]) <= {0xFF}, "written before erased"
            self.flash[at:at + len(data)] = data
            return b"OK"
        if payload == b"vFlashDone":
            self.done = True
            return b"OK"
        if payload.startswith(b"m"):
            addr, n = (int(x, 16) for x in payload[1:].decode().split(","))
            if FLASH <= addr < FLASH + FLASH_BYTES:
                return rle(bytes(self.flash[addr - FLASH:addr - FLASH + n]).hex().encode())
            return bytes(self.ram.get(addr + k, 0) for k in range(n)).hex().encode()
        if payload.startswith(b"P"):
            number, value = payload[1:].decode().split("=")
            self.registers[int(number, 16)] = int.from_bytes(bytes.fromhex(value), "little")
            return b"OK"
        return b""

    def run(self):
        conn, _ = self.listener.accept()
        buffer = b""
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"#" in buffer and len(buffer) >= buffer.index(b"#") + 3:
                    start = buffer.index(b"$")
                    end = buffer.index(b"#", start)
                    payload, cs = buffer[start + 1:end], buffer[end + 1:end + 3]
                    buffer = buffer[end + 3:]
                    assert cs == checksum(payload)
                    conn.sendall(b"+")                      # ack mode throughout
                    if payload == b"c":
                        self.continued = True
                        continue
                    answer = self.reply(payload)
                    conn.sendall(b"$" + answer + b"#" + checksum(answer))


def test_rle_and_escaping_round_trip():
    text = b"00000000ffffffffffffffffffffffffffffff12" * 3
    assert run_length_decode(rle(text)) == text and len(rle(text)) < len(text)
    data = bytes(range(256))
    assert unescape(escape_binary(data)) == data
    assert not set(b"#$*") & set(escape_binary(data).replace(b"}", b""))


@pytest.fixture
def elf(tmp_path):
    return write_elf(tmp_path / "fw.elf", _section_bytes(BOARD))


def test_flash_through_a_server_with_flash(elf, capsys):
    server = FakeServer()
    server.start()
    code = main(["flash", str(elf), "--board", BOARD.id, "--method", "gdb",
                 "--probe", f"127.0.0.1:{server.port}", "--timeout", "10", "--json", "--quiet"])
    out = capsys.readouterr()
    assert code == 0, out.err
    server.join(timeout=10)
    image = read_image(elf, BOARD)
    for s in image.sections:
        assert server.flash[s.address - FLASH:s.end - FLASH] == s.data
    touched = sorted({(a - FLASH) // BLOCK for s in image.sections for a in range(s.address, s.end)})
    assert server.erased == [(FLASH + touched[0] * BLOCK, len(touched) * BLOCK)]
    assert server.done and server.continued
    sp, pc = image.vectors(BOARD)
    assert server.registers == {13: sp, 15: pc & ~1, 16: 1 << 24}     # xPSR from the description
    assert server.ram == {0xE000ED08 + k: v for k, v in enumerate(FLASH.to_bytes(4, "little"))}
    assert json.loads(out.out.strip().splitlines()[-1])["verified"] is True


def test_a_failed_flash_write_says_the_image_is_partial(elf, capsys):
    server = FakeServer(fail_write_at=FLASH + 0x100)
    server.start()
    code = main(["flash", str(elf), "--board", BOARD.id, "--method", "gdb",
                 "--probe", f"127.0.0.1:{server.port}", "--timeout", "10"])
    one_line_error(capsys, code, "cannot write flash at 0x08000", "E03", "partial image")


def test_a_silent_server_is_an_error_not_a_hang(elf, capsys):
    """A server that accepts the connection and never answers: bounded by --timeout."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        code = main(["flash", str(elf), "--board", BOARD.id, "--method", "gdb",
                     "--probe", f"127.0.0.1:{port}", "--timeout", "0.5"])
    one_line_error(capsys, code, f"GDB server 127.0.0.1:{port}: no answer to qSupported within 0.5 s")

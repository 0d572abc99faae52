"""A client of the GDB remote serial protocol over TCP: enough to load, read back and start an
image through any GDB server (QEMU's gdbstub, pyOCD gdbserver, OpenOCD, J-Link), no gdb binary.

Framing (GDB manual, "Remote Protocol", "Overview"): ``$payload#cs`` where cs is the sum of the
payload bytes modulo 256 as two hex digits; the receiver answers ``+`` (or ``-`` to ask for it
again) until QStartNoAckMode turns acknowledgements off. Replies may be run-length encoded
(``c*n``: c repeated n - 29 more times). In binary data (X packets) ``#``, ``$``, ``}`` and ``*``
are sent as ``}`` followed by the byte XOR 0x20. Every read has a deadline: a server that stops
answering is an error after ``timeout`` seconds, never a hang.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass

from ..errors import FlashError

DEFAULT_PACKET_SIZE = 400       # GDB's own assumption when the server does not say (hex digits)
MAX_PACKET_SIZE = 16384         # what we buffer per packet, whatever a server offers
ESCAPED = frozenset(b"#$}*")


def checksum(payload: bytes) -> bytes:
    return f"{sum(payload) & 0xFF:02x}".encode()


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#" + checksum(payload)


def escape_binary(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        if b in ESCAPED:
            out += bytes((0x7D, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def run_length_decode(payload: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(payload):
        if payload[i] == 0x2A and out and i + 1 < len(payload):     # '*'
            out += out[-1:] * (payload[i + 1] - 29)
            i += 2
        else:
            out.append(payload[i])
            i += 1
    return bytes(out)


@dataclass(frozen=True)
class FlashRegion:
    """A ``type="flash"`` region of the server's memory map: written with vFlash packets only,
    erased in ``blocksize`` blocks."""

    start: int
    length: int
    blocksize: int

    @property
    def end(self) -> int:
        return self.start + self.length


def parse_memory_map(xml: str) -> list[FlashRegion]:
    """The flash regions of a GDB memory map (GDB manual, "Memory Map Format")."""
    regions = []
    for attrs, body in re.findall(r"<memory\s([^>]*)>(.*?)</memory>", xml, re.S):
        if 'type="flash"' not in attrs:
            continue
        start = re.search(r'start="(0x[0-9a-fA-F]+|\d+)"', attrs)
        length = re.search(r'length="(0x[0-9a-fA-F]+|\d+)"', attrs)
        block = re.search(r'<property\s+name="blocksize">\s*(0x[0-9a-fA-F]+|\d+)\s*<', body)
        if start and length and block:
            regions.append(FlashRegion(int(start.group(1), 0), int(length.group(1), 0),
                                       int(block.group(1), 0)))
    return regions


class GdbRemote:
    """One connection to a GDB server; ``name`` ("mps2_an386 GDB server 127.0.0.1:1234") prefixes
    every error. A context manager that closes the socket."""

    def __init__(self, host: str, port: int, timeout: float = 10.0, name: str | None = None):
        self.address = f"{host}:{port}"
        self.name = name or f"GDB server {self.address}"
        self.timeout = timeout
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise FlashError(f"{self.name}: cannot connect ({exc.strerror or exc}); is the GDB "
                             f"server running?") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = b""         # received, not yet consumed from _pos on
        self._pos = 0
        self.ack = True
        self.packet_size = DEFAULT_PACKET_SIZE
        self.features: dict[str, str] = {}
        self.binary_writes = False
        self.packets_sent = 0

    # ------------------------------------------------------------ framing

    def _recv_byte(self, deadline: float, waiting_for: str) -> int:
        if self._pos < len(self._buffer):
            self._pos += 1
            return self._buffer[self._pos - 1]
        self._buffer, self._pos = b"", 0
        while not self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FlashError(f"{self.name}: no answer to {waiting_for} within {self.timeout:g} s")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as exc:
                raise FlashError(f"{self.name}: connection lost waiting for {waiting_for} "
                                 f"({exc.strerror or exc})") from None
            if not chunk:
                raise FlashError(f"{self.name}: the server closed the connection waiting for "
                                 f"{waiting_for}")
            self._buffer = chunk
        self._pos = 1
        return self._buffer[0]

    def _sendall(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise FlashError(f"{self.name}: connection lost ({exc.strerror or exc})") from None

    def send(self, payload: bytes, what: str) -> None:
        """Sends one packet (and, in ack mode, waits for its ``+``, resending on ``-``)."""
        for _ in range(3):
            self._sendall(frame(payload))
            self.packets_sent += 1
            if not self.ack:
                return
            deadline = time.monotonic() + self.timeout
            while True:
                byte = self._recv_byte(deadline, what)
                if byte in (0x2B, 0x2D):       # + or -
                    break
            if byte == 0x2B:
                return
        raise FlashError(f"{self.name}: the server rejected the {what} packet three times "
                         f"(bad checksum on the link?)")

    def receive(self, what: str) -> bytes:
        deadline = time.monotonic() + self.timeout
        while True:
            while self._recv_byte(deadline, what) != 0x24:         # '$'; stray acks skipped
                pass
            payload = bytearray()
            while (byte := self._recv_byte(deadline, what)) != 0x23:   # '#'
                payload.append(byte)
                if len(payload) > 2 * MAX_PACKET_SIZE:
                    raise FlashError(f"{self.name}: a reply to {what} longer than "
                                     f"{2 * MAX_PACKET_SIZE} bytes")
            cs = bytes((self._recv_byte(deadline, what), self._recv_byte(deadline, what)))
            if cs.lower() == checksum(bytes(payload)):
                if self.ack:
                    self._sendall(b"+")
                return run_length_decode(bytes(payload))
            if not self.ack:
                raise FlashError(f"{self.name}: a reply to {what} with a bad checksum")
            self._sendall(b"-")

    def request(self, payload: bytes | str, what: str | None = None) -> bytes:
        data = payload.encode() if isinstance(payload, str) else payload
        what = what or data[:1].decode(errors="replace")
        self.send(data, what)
        return self.receive(what)

    def expect_ok(self, payload: bytes | str, what: str) -> None:
        reply = self.request(payload, what)
        if reply != b"OK":
            raise FlashError(f"{self.name}: {what} failed ({_reply(reply)})")

    # ------------------------------------------------------------ session

    def handshake(self) -> None:
        """qSupported (PacketSize, features), no-ack mode where offered, X support, halt reason."""
        reply = self.request("qSupported:swbreak+;hwbreak+", "qSupported").decode(errors="replace")
        for item in reply.split(";"):
            if "=" in item:
                key, value = item.split("=", 1)
                self.features[key] = value
            elif item:
                self.features[item[:-1]] = item[-1:]
        if "PacketSize" in self.features:
            try:
                self.packet_size = min(int(self.features["PacketSize"], 16), MAX_PACKET_SIZE)
            except ValueError:
                pass
        if self.features.get("QStartNoAckMode") == "+":
            if self.request("QStartNoAckMode") == b"OK":
                self.ack = False
        self.request("?", "halt reason")
        # X with no data: "OK" where binary writes are implemented, "" where not
        self.binary_writes = self.request("X0,0:", "X probe") == b"OK"

    @property
    def chunk(self) -> int:
        """Bytes of memory per m/M packet: the reply or request fits PacketSize as hex, with
        room for the command and its address."""
        return max(16, (self.packet_size - 32) // 2)

    def read_memory(self, address: int, length: int) -> bytes:
        out = bytearray()
        while len(out) < length:
            n = min(self.chunk, length - len(out))
            at = address + len(out)
            reply = self.request(f"m{at:x},{n:x}", f"read of 0x{at:08x}")
            if reply.startswith(b"E") and len(reply) == 3 or not reply:
                raise FlashError(f"{self.name}: cannot read {n} B at 0x{at:08x} ({_reply(reply)})")
            try:
                data = bytes.fromhex(reply.decode())
            except ValueError:
                raise FlashError(f"{self.name}: malformed reply to a read of 0x{at:08x}: "
                                 f"{reply[:40]!r}") from None
            if not data:
                raise FlashError(f"{self.name}: empty reply to a read of 0x{at:08x}")
            out += data
        return bytes(out[:length])

    def write_memory(self, address: int, data: bytes) -> None:
        done = 0
        while done < len(data):
            at = address + done
            n = min(self.chunk, len(data) - done)
            part = data[done:done + n]
            what = f"write of 0x{at:08x}"
            if self.binary_writes:
                reply = self.request(f"X{at:x},{n:x}:".encode() + escape_binary(part), what)
            else:
                reply = self.request(f"M{at:x},{n:x}:{part.hex()}", what)
            if reply != b"OK":
                raise FlashError(f"{self.name}: cannot write {n} B at 0x{at:08x} ({_reply(reply)})")
            done += n

    def write_register(self, number: int, value: int, name: str) -> None:
        self.expect_ok(f"P{number:x}={value.to_bytes(4, 'little').hex()}", f"writing {name}")

    def read_register(self, number: int, name: str) -> int:
        reply = self.request(f"p{number:x}", f"reading {name}")
        try:
            return int.from_bytes(bytes.fromhex(reply.decode()), "little")
        except ValueError:
            raise FlashError(f"{self.name}: cannot read {name} ({_reply(reply)})") from None

    def read_object(self, kind: str, annex: str = "") -> str:
        """A qXfer object (``features`` with an annex, ``memory-map``); "" where the server
        offers none."""
        if self.features.get(f"qXfer:{kind}:read") != "+":
            return ""
        text, offset = bytearray(), 0
        while True:
            reply = self.request(f"qXfer:{kind}:read:{annex}:{offset:x},{self.chunk:x}",
                                 f"reading {kind} {annex}".strip())
            if not reply or reply[:1] not in (b"m", b"l"):
                return ""
            text += reply[1:]
            offset += len(reply) - 1
            if reply[:1] == b"l":
                return text.decode(errors="replace")

    def target_xml(self, annex: str = "target.xml") -> str:
        """A target description document (qXfer:features:read), "" if the server has none."""
        return self.read_object("features", annex)

    def memory_map(self) -> list[FlashRegion]:
        """The server's flash regions (qXfer:memory-map:read); none for QEMU, whose code
        memory on the mps2 boards is RAM."""
        return parse_memory_map(self.read_object("memory-map"))

    def flash_erase(self, start: int, length: int) -> None:
        self.expect_ok(f"vFlashErase:{start:x},{length:x}",
                       f"erasing flash 0x{start:08x}-0x{start + length - 1:08x}")

    def flash_write(self, address: int, data: bytes) -> None:
        """vFlashWrite in pieces that fit a packet even if every byte needed escaping."""
        step = max(16, (self.packet_size - 64) // 2)
        for done in range(0, len(data), step):
            at = address + done
            reply = self.request(f"vFlashWrite:{at:x}:".encode() + escape_binary(data[done:done + step]),
                                 f"flash write of 0x{at:08x}")
            if reply != b"OK":
                raise FlashError(f"{self.name}: cannot write flash at 0x{at:08x} ({_reply(reply)})")

    def flash_done(self) -> None:
        self.expect_ok("vFlashDone", "finishing the flash writes (vFlashDone)")

    def register_numbers(self) -> dict[str, int]:
        """Register name -> number from the target description (its xi:include'd parts too);
        numbering as GDB does it: in document order, restarting from ``regnum`` where given."""
        main = self.target_xml()
        if not main:
            return {}
        docs = [main] + [self.target_xml(href) for href in re.findall(r'href="([^"]+)"', main)]
        numbers: dict[str, int] = {}
        next_number = 0
        for doc in docs:
            for tag in re.findall(r"<reg\s[^>]*>", doc):
                name = re.search(r'name="([^"]+)"', tag)
                regnum = re.search(r'regnum="(\d+)"', tag)
                if regnum:
                    next_number = int(regnum.group(1))
                if name:
                    numbers[name.group(1).lower()] = next_number
                next_number += 1
        return numbers

    def resume(self) -> None:
        """``c``: continue; the server answers only when the core stops, so nothing is awaited."""
        self.send(b"c", "continue")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> GdbRemote:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _reply(reply: bytes) -> str:
    if not reply:
        return "empty reply: not supported"
    return f"reply {reply[:40].decode(errors='replace')!r}"

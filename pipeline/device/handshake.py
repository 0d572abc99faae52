"""The first exchange with a device on a serial port: HELLO until it greets, within a deadline.

A board was usually started before mcuforge opened its port (its start-up greeting is gone), and
some reset when the port opens (the greeting may come on its own, or a HELLO may arrive while it
boots and be lost), so HELLO is sent again every second or so. What comes back decides the error:
nothing at all is a silent device; lines but no greeting (a wrong baud rate gives bytes of
noise, other firmware gives its own text) is a device that does not speak the protocol, said as
soon as a few such lines have come; a greeting of another protocol version asks for a rebuild.
"""

from __future__ import annotations

import time

from ..emulate.protocol import PROTOCOL_VERSION, Hello, Transport, parse_hello
from . import DeviceError

HELLO_EVERY = 1.0       # seconds between HELLOs while nothing answers
MAX_HELLOS = 5
GARBAGE_LINES = 8       # lines that are not the protocol before giving up early
GARBAGE_BYTES = 4096    # bytes without a line end (noise at a wrong baud rate has few)


class Prefixed:
    """A Transport that first hands out ``pending`` (bytes read past the greeting)."""

    def __init__(self, transport: Transport, pending: bytes):
        self.transport = transport
        self.pending = pending

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def read(self, timeout: float) -> bytes:
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        return self.transport.read(timeout)


def _shown(line: bytes) -> str:
    text = line.decode("ascii", errors="replace").strip()
    return repr(text if len(text) <= 60 else text[:60] + "...")


def handshake(transport: Transport, port: str, timeout: float, baud: int) -> tuple[Hello, Prefixed]:
    """The device's greeting, and the transport to go on with; DeviceError when none comes
    within ``timeout`` seconds (silent device, or lines that are not the protocol)."""
    start = time.monotonic()
    deadline = start + timeout
    pending = bytearray()
    garbage: list[bytes] = []
    received = hellos = 0
    next_hello = start
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if now >= next_hello and hellos < MAX_HELLOS:
            try:
                transport.write(b"HELLO\n")
            except EOFError as exc:
                raise DeviceError(f"{port}: cannot write to the serial port ({exc})") from None
            hellos += 1
            next_hello = now + HELLO_EVERY
        wait = min(deadline, next_hello if hellos < MAX_HELLOS else deadline) - now
        try:
            chunk = transport.read(max(wait, 0.001))
        except EOFError as exc:
            raise DeviceError(f"{port}: the serial port closed while waiting for the greeting "
                              f"({exc})") from None
        received += len(chunk)
        pending += chunk
        while b"\n" in pending:
            line, _, rest = bytes(pending).partition(b"\n")
            pending = bytearray(rest)
            text = line.decode("ascii", errors="replace").strip()
            hello = parse_hello(text)
            if hello is not None:
                if hello.version != PROTOCOL_VERSION:
                    raise DeviceError(f"{port}: the firmware speaks protocol version {hello.version}, "
                                      f"this mcuforge speaks {PROTOCOL_VERSION} (rebuild and flash it "
                                      f"with this mcuforge)")
                return hello, Prefixed(transport, bytes(pending))
            if text.startswith("FAULT"):
                raise DeviceError(f"{port}: the firmware faulted: {text}")
            # a HELLO cut by a reset is answered ERR by the firmware: not noise
            if text and not text.startswith("ERR "):
                garbage.append(line)
        if len(garbage) >= GARBAGE_LINES or len(pending) > GARBAGE_BYTES:
            break
    if received == 0:
        raise DeviceError(f"{port}: the device sent nothing within {timeout:g} s ({hellos} HELLOs "
                          f"sent): is mcuforge firmware running on it, at {baud} baud? (firmware "
                          f"built with --app mlperf needs `device --mlperf`)")
    example = _shown(garbage[0]) if garbage else _shown(bytes(pending))
    raise DeviceError(f"{port}: the device does not speak the mcuforge protocol: {received:,} bytes, "
                      f"{len(garbage)} lines and no MCUFORGE greeting (e.g. {example}); "
                      f"a wrong --baud (now {baud}), or other firmware on the board?")

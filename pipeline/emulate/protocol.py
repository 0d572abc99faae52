"""The host side of the serial line protocol (firmware/app/mf_app.c; README, "The serial protocol").

A ``DeviceSession`` drives any byte stream that has ``write(bytes)`` and ``read(timeout) -> bytes``
(a QEMU serial socket here; a pyserial port for a real board), so the same code talks to an
emulated and a real board. Every wait is bounded: a device that stays silent raises an error that
quotes the last thing it said.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import EmulationError, McuforgeError

# 2: the greeting names the kernels (kernels=, isa=, calls=, mark=) and PROFILE exists.
# 3: the greeting gives the bytes of every model input and output (ins=, outs=); an INFER or
#    PROFILE payload is every input back to back, an OUT or PROF payload every output.
# 4: the greeting gives stream=<bytes> (0: none); STREAM and RESET drive the streaming application.
# 5: the greeting gives linked=<samples> (0: none); PLAY plays the PCM linked into the firmware.
PROTOCOL_VERSION = 5
MAX_LINE = 1 << 20
# Serial output kept for error messages, which quote the last line or two (cut to 160 characters):
# a few KB hold them (a greeting is ~200 B) without keeping a long session's whole output.
SEEN_BYTES = 4096


class Transport(Protocol):
    def write(self, data: bytes) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Some bytes, or b"" when ``timeout`` seconds pass without any; raises EOFError at end."""


@dataclass(frozen=True)
class Hello:
    """The device's greeting: protocol version and key=value fields."""

    version: int
    fields: dict[str, str]
    line: str

    def get(self, key: str) -> str:
        return self.fields.get(key, "")

    def int(self, key: str) -> int:
        try:
            return int(self.fields[key])
        except (KeyError, ValueError):
            return -1


@dataclass(frozen=True)
class Inference:
    status: int
    ticks: int
    output: bytes


@dataclass(frozen=True)
class Profile:
    """A PROFILE reply: the whole call (ticks, as INFER's) and the ticks between the layer hook's
    calls around each kernel call (``layer_ticks[i]``: call i, one hook call included; 0 for a
    call that did not run)."""

    status: int
    ticks: int
    layer_ticks: tuple[int, ...]
    output: bytes


@dataclass(frozen=True)
class StreamChunk:
    """An EVENTS reply: what one STREAM or PLAY line did; events are (class, sample, score)."""

    status: int
    hops: int
    inferences: int
    frontend_ticks: int
    model_ticks: int
    dropped: int
    events: tuple[tuple[int, int, int], ...]


def parse_hello(line: str) -> Hello | None:
    parts = line.split()
    if len(parts) < 2 or parts[0] != "MCUFORGE" or not parts[1].isdigit():
        return None
    fields = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
    return Hello(int(parts[1]), fields, line)


def infer_line(data: bytes, verb: str = "INFER") -> str:
    return f"{verb} {len(data)} {data.hex()} {zlib.crc32(data):08x}"


class DeviceSession:
    """One conversation with a device. ``name`` prefixes every error ("mps2_an386 (QEMU)")."""

    def __init__(self, transport: Transport, name: str, timeout: float = 60.0,
                 error: type[McuforgeError] = EmulationError,
                 on_dead: Callable[[], str | None] | None = None):
        self.transport = transport
        self.name = name
        self.timeout = timeout
        self.error = error
        self.on_dead = on_dead     # says why the link ended (e.g. "QEMU exited with code 3")
        self._pending = bytearray()
        self._seen = bytearray()   # the last SEEN_BYTES received, for error messages

    # ------------------------------------------------------------ lines

    def last_output(self, limit: int = 160) -> str:
        text = self._seen.decode("ascii", errors="replace").replace("\r", "")
        lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
        if not lines:
            return "(nothing)"
        last = " | ".join(lines[-2:]) if len(lines[-1]) < limit // 2 else lines[-1]
        return repr(last if len(last) <= limit else last[:limit] + "...")

    def _fail(self, what: str) -> McuforgeError:
        return self.error(f"{self.name}: {what}; last serial output: {self.last_output()}")

    def read_line(self, timeout: float | None = None, waiting_for: str = "a reply") -> str:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._fail(f"no {waiting_for} within "
                                 f"{self.timeout if timeout is None else timeout:g} s")
            try:
                chunk = self.transport.read(min(remaining, 1.0))
            except EOFError:
                why = (self.on_dead() if self.on_dead else None) or "the serial link closed"
                raise self._fail(f"{why} while waiting for {waiting_for}") from None
            if chunk:
                self._pending += chunk
                self._seen += chunk
                del self._seen[:-SEEN_BYTES]
                if len(self._pending) > MAX_LINE:
                    raise self._fail(f"a line longer than {MAX_LINE:,} bytes")
        line, _, rest = bytes(self._pending).partition(b"\n")
        self._pending = bytearray(rest)
        text = line.decode("ascii", errors="replace").strip("\r")
        if text.startswith("FAULT"):
            raise self.error(f"{self.name}: the firmware faulted: {text}")
        return text

    def command(self, line: str, expect: str, timeout: float | None = None) -> list[str]:
        """Sends one command line; returns the reply's words (its first word must be ``expect``)."""
        self.transport.write(line.encode("ascii") + b"\n")
        verb = line.split(" ", 1)[0]
        while True:
            reply = self.read_line(timeout, waiting_for=f"answer to {verb}")
            # Blank lines, and a greeting the device printed when it started (it may reach a host
            # that opened the port late after the one HELLO asked for), are not answers.
            if reply.strip() and parse_hello(reply) is None:
                break
        words = reply.split()
        if words[0] == "ERR":
            raise self.error(f"{self.name}: the firmware rejected {verb}: {reply}")
        if words[0] != expect:
            raise self.error(f"{self.name}: expected {expect} in answer to {verb}, got {reply[:160]!r}")
        return words

    # ------------------------------------------------------------ commands

    def wait_hello(self, timeout: float | None = None) -> Hello:
        """The greeting a device prints when it starts (other lines before it are skipped)."""
        while True:
            line = self.read_line(timeout, waiting_for="MCUFORGE greeting")
            hello = parse_hello(line)
            if hello is not None:
                if hello.version != PROTOCOL_VERSION:
                    raise self.error(f"{self.name}: speaks protocol version {hello.version}, "
                                     f"this mcuforge speaks {PROTOCOL_VERSION} (rebuild the firmware "
                                     f"with this mcuforge)")
                return hello

    def hello(self) -> Hello:
        """Asks for the greeting (a host that opens the port after the device started missed it)."""
        self.transport.write(b"HELLO\n")
        return self.wait_hello()

    def _output(self, words: list[str], verb: str) -> bytes:
        """``<m> <hex> <crc32>`` (the last three words of an OUT or PROF line), checked."""
        try:
            size = int(words[-3])
            output = bytes.fromhex(words[-2]) if size else b""
            crc = int(words[-1], 16)
        except (IndexError, ValueError) as exc:
            raise self.error(f"{self.name}: malformed {verb} line ({exc}): "
                             f"{' '.join(words)[:160]!r}") from exc
        if len(output) != size or zlib.crc32(output) != crc:
            raise self.error(f"{self.name}: {verb} payload does not match its length/crc32 "
                             f"(corrupted on the serial link?)")
        return output

    def infer(self, data: bytes, timeout: float | None = None) -> Inference:
        words = self.command(infer_line(data), "OUT", timeout)
        try:
            if len(words) != 6:
                raise ValueError(f"{len(words)} words, expected 6")
            status, ticks = int(words[1]), int(words[2])
        except ValueError as exc:
            raise self.error(f"{self.name}: malformed OUT line ({exc}): {' '.join(words)[:160]!r}") from exc
        return Inference(status, ticks, self._output(words, "OUT"))

    def profile(self, data: bytes, timeout: float | None = None) -> Profile:
        """PROFILE: one inference with the model's layer hook on (README, "Per-layer profile")."""
        words = self.command(infer_line(data, "PROFILE"), "PROF", timeout)
        try:
            status, ticks, calls = int(words[1]), int(words[2]), int(words[3])
            if len(words) != 7 + calls:
                raise ValueError(f"{len(words)} words for {calls} calls, expected {7 + calls}")
            layers = tuple(int(w) for w in words[4:4 + calls])
        except (IndexError, ValueError) as exc:
            raise self.error(f"{self.name}: malformed PROF line ({exc}): {' '.join(words)[:160]!r}") from exc
        return Profile(status, ticks, layers, self._output(words, "PROF"))

    def stream(self, pcm: bytes, timeout: float | None = None) -> StreamChunk:
        """STREAM: int16 little-endian PCM into the streaming application (README, "Streaming
        keyword spotting")."""
        return self._events(self.command(infer_line(pcm, "STREAM"), "EVENTS", timeout))

    def play(self, samples: int, timeout: float | None = None) -> StreamChunk:
        """PLAY: the next ``samples`` of the PCM linked into the firmware (``linked=``)."""
        return self._events(self.command(f"PLAY {samples}", "EVENTS", timeout))

    def _events(self, words: list[str]) -> StreamChunk:
        try:
            status, hops, inferences, fe, model, dropped, k = map(int, words[1:8])
            if len(words) != 8 + 3 * k:
                raise ValueError(f"{len(words)} words for {k} events, expected {8 + 3 * k}")
            values = [int(w) for w in words[8:]]
        except ValueError as exc:
            raise self.error(f"{self.name}: malformed EVENTS line ({exc}): "
                             f"{' '.join(words)[:160]!r}") from exc
        events = tuple((values[i], values[i + 1], values[i + 2]) for i in range(0, len(values), 3))
        return StreamChunk(status, hops, inferences, fe, model, dropped, events)

    def reset_stream(self) -> None:
        self.command("RESET", "RESET")

    def loop(self, iterations: int) -> int:
        words = self.command(f"LOOP {iterations}", "LOOP")
        return int(words[2])

    def stats(self) -> dict[str, int]:
        words = self.command("STATS", "STATS")
        return {k: int(v) for k, v in (w.split("=", 1) for w in words[1:] if "=" in w)}

    def exit(self, code: int = 0) -> None:
        self.command(f"EXIT {code}", "BYE")

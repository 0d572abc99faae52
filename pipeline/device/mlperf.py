"""The host side of the MLPerf Tiny mode (firmware/app/mf_mlperf.c; README, "MLPerf Tiny mode"),
driving the firmware the way the benchmark's runner does (mlcommons/tiny benchmark/runner): a
command is written with '%' at its end, and the reply is every line up to the one that holds
``m-ready``; the input goes in ``db`` chunks of 31 bytes, ``infer N W`` answers the results and
two ``m-lap-us-`` timestamps, whose difference is the time of the N inferences.

Every wait is bounded by ``timeout``; an ``e-[...]`` line is an error naming the command.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..codegen.model_info import IOInfo
from ..emulate.protocol import Transport
from . import DeviceError

READY = "m-ready"
CHUNK_BYTES = 31          # what the runner sends per `db` command (26 with a power monitor)
RESULTS = re.compile(r"^m-results-\[([^]]+)\]$")
LAP = re.compile(r"^m-lap-us-([0-9]+)$")


@dataclass(frozen=True)
class MlperfInference:
    results: tuple[float, ...]     # every output element, dequantized, as the runner reads them
    elapsed_us: int                # between the two timestamps around the timed inferences
    lines: tuple[str, ...]


def parse_results(lines: Sequence[str]) -> tuple[float, ...] | None:
    for line in lines:
        m = RESULTS.match(line)
        if m:
            return tuple(float(x) for x in m.group(1).split(",") if x.strip())
    return None


class MlperfSession:
    def __init__(self, transport: Transport, name: str, timeout: float = 10.0):
        self.transport = transport
        self.name = name
        self.timeout = timeout
        self._pending = bytearray()

    def read_line(self, deadline: float, waiting_for: str) -> str:
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceError(f"{self.name}: no {READY} in answer to {waiting_for!r} within "
                                  f"{self.timeout:g} s")
            try:
                self._pending += self.transport.read(min(remaining, 1.0))
            except EOFError as exc:
                raise DeviceError(f"{self.name}: the serial link closed while waiting for the "
                                  f"answer to {waiting_for!r} ({exc})") from None
        line, _, rest = bytes(self._pending).partition(b"\n")
        self._pending = bytearray(rest)
        return line.decode("ascii", errors="replace").strip("\r\0 ")

    def wait_ready(self, what: str = "start-up", timeout: float | None = None) -> list[str]:
        """Lines up to the next ``m-ready`` (that line left out)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        lines: list[str] = []
        while True:
            line = self.read_line(deadline, what)
            if READY in line:
                return lines
            if line:
                lines.append(line)

    def command(self, text: str, timeout: float | None = None) -> list[str]:
        try:
            self.transport.write(text.encode("ascii") + b"%")
        except EOFError as exc:
            raise DeviceError(f"{self.name}: cannot write {text!r} ({exc})") from None
        lines = self.wait_ready(text, timeout)
        for line in lines:
            if line.startswith("e-"):
                raise DeviceError(f"{self.name}: the firmware answered {text[:40]!r} with {line!r}")
        return lines

    def _field(self, command: str, key: str) -> str:
        for line in self.command(command):
            m = re.match(rf"^m-{key}-\[([^]]+)\]$", line)
            if m:
                return m.group(1)
        raise DeviceError(f"{self.name}: no m-{key}-[...] line in answer to {command!r}")

    def sync(self, token: str = "sync7f3a") -> None:
        """Skips whatever the firmware said before (its start-up lines, a reply to a command of
        an earlier session): an unknown command whose answer names ``token`` marks the start."""
        try:
            self.transport.write(f"%{token}%".encode("ascii"))
        except EOFError as exc:
            raise DeviceError(f"{self.name}: cannot write ({exc})") from None
        deadline = time.monotonic() + self.timeout
        try:
            while token not in self.read_line(deadline, token):
                pass
            self.wait_ready(token)
        except DeviceError as exc:
            if "closed" in str(exc):
                raise
            raise DeviceError(f"{self.name}: no answer in the MLPerf Tiny mode within "
                              f"{self.timeout:g} s (is it firmware built with `mcuforge build "
                              f"--app mlperf`?)") from None

    def name_of_device(self) -> str:
        return self._field("name", "name-dut")

    def profile(self) -> tuple[str, str]:
        """(firmware profile, benchmark model id)."""
        lines = self.command("profile")
        found = {m.group(1): m.group(2) for m in
                 (re.match(r"^m-(profile|model)-\[([^]]+)\]$", ln) for ln in lines) if m}
        if set(found) != {"profile", "model"}:
            raise DeviceError(f"{self.name}: the answer to 'profile' lacks m-profile-[...] or "
                              f"m-model-[...]: {lines}")
        return found["profile"], found["model"]

    def load(self, data: bytes, chunk: int = CHUNK_BYTES) -> None:
        """``db load N``, then the bytes as hex, ``chunk`` bytes per command; the last chunk must
        be answered ``m-load-done``."""
        lines = self.command(f"db load {len(data)}")
        if f"m-[Expecting {len(data)} bytes]" not in lines:
            raise DeviceError(f"{self.name}: unexpected answer to 'db load {len(data)}': {lines}")
        for start in range(0, len(data), chunk):
            lines = self.command(f"db {data[start:start + chunk].hex()}")
        if "m-load-done" not in lines:
            raise DeviceError(f"{self.name}: no m-load-done after {len(data)} bytes")

    def infer(self, iterations: int, warmups: int, timeout: float | None = None) -> MlperfInference:
        lines = self.command(f"infer {iterations} {warmups}", timeout)
        laps = [int(m.group(1)) for m in (LAP.match(ln) for ln in lines) if m]
        results = parse_results(lines)
        if len(laps) != 2 or results is None:
            raise DeviceError(f"{self.name}: the answer to 'infer' lacks two m-lap-us- lines or "
                              f"m-results-[...]: {lines[:6]}")
        return MlperfInference(results, laps[1] - laps[0], tuple(lines))

    def results(self) -> tuple[float, ...]:
        results = parse_results(self.command("results"))
        if results is None:
            raise DeviceError(f"{self.name}: no m-results-[...] in answer to 'results'")
        return results


def quantized(results: Sequence[float], outputs: Sequence[IOInfo]) -> np.ndarray:
    """The int8 outputs behind the dequantized ``results`` (every output element back to back):
    q = round(v / scale) + zero_point, which must give v back to 9 significant digits (how the
    firmware prints it), else the value is not an output of the model and this is an error."""
    sizes = [io.size for io in outputs]
    if len(results) != sum(sizes):
        raise DeviceError(f"m-results has {len(results)} values, the model's outputs "
                          f"{sum(sizes)} elements")
    values = np.asarray(results, dtype=np.float64)
    out = np.empty(len(values), dtype=np.int8)
    offset = 0
    for io, n in zip(outputs, sizes):
        v = values[offset:offset + n]
        q = np.rint(v / io.scale) + io.zero_point
        back = (q - io.zero_point) * io.scale
        if np.any(q < -128) or np.any(q > 127) or not np.allclose(back, v, rtol=1e-8, atol=0.0):
            raise DeviceError(f"m-results for output '{io.name}' are not int8 values at scale "
                              f"{io.scale:g}, zero point {io.zero_point}")
        out[offset:offset + n] = q.astype(np.int8)
        offset += n
    return out

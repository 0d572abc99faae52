"""Run board firmware under qemu-system-arm and talk the serial protocol to it.

QEMU runs the board's machine with ``-icount shift=7``: every guest instruction advances virtual
time by 2^7 = 128 ns, so a timer at f Hz ticks f * 128e-9 times per instruction (3.2 at 25 MHz)
and instructions = round(ticks / 3.2), exactly (README, "Counting instructions"); on the boards
whose counter is SysTick (netduinoplus2, microbit: QEMU's core clock) the wrap interrupt adds its
own instructions to long counts (Board.counts_exactly). The UART is the board's own (the CMSDK
UART, the STM32 USART, the nRF UART): the host sends nothing before the greeting, since QEMU's
STM32 USART drops what arrives before the firmware enables its receiver. The serial port
is a TCP server on 127.0.0.1 that QEMU opens before the guest starts (wait=on), the monitor is off,
stdin is closed, and every wait has a timeout: a firmware that hangs or faults is killed and
reported with its last serial output.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..boards import Board
from ..errors import BoardError, EmulationError, ToolMissingError
from .protocol import DeviceSession, Hello

ICOUNT_SHIFT = 7
# Seconds for QEMU to open its serial port: well under one normally, but a loaded 2-core CI
# machine running tests in parallel can stall process start-up for several.
START_TIMEOUT = 20.0
QEMU_INSTALL_HINT = "install it (Debian: apt-get install qemu-system-arm)"


def find_qemu() -> str:
    path = shutil.which("qemu-system-arm")
    if not path:
        raise ToolMissingError(f"qemu-system-arm not found: {QEMU_INSTALL_HINT}")
    return path


def require_emulated(board: Board, boards: list[str]) -> None:
    if not board.emulated:
        raise BoardError(f"{board.id} has no QEMU machine, so it cannot be emulated "
                         f"(emulated boards: {', '.join(boards)}); "
                         f"`mcuforge build --board {board.id}` makes its firmware")


def ticks_per_instruction(counter_hz: int, shift: int = ICOUNT_SHIFT) -> float:
    return counter_hz * (1 << shift) / 1e9


def ticks_to_instructions(ticks: int, counter_hz: int, shift: int = ICOUNT_SHIFT) -> int:
    """Exact while a tick is shorter than an instruction (counter_hz * 2^shift > 1e9)."""
    return round(ticks / ticks_per_instruction(counter_hz, shift))


class _SocketTransport:
    def __init__(self, sock: socket.socket):
        self.sock = sock

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise EOFError(str(exc)) from exc

    def read(self, timeout: float) -> bytes:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise EOFError(str(exc)) from exc
        if not data:
            raise EOFError("closed")
        return data


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QemuMachine:
    """A running QEMU with the firmware; a context manager that always stops it.

    ``session`` is the DeviceSession on its serial port (available after start())."""

    def __init__(self, board: Board, elf: Path, timeout: float = 60.0, shift: int = ICOUNT_SHIFT):
        if board.qemu is None:
            raise BoardError(f"{board.id} has no QEMU machine")
        self.board = board
        self.elf = Path(elf)
        self.timeout = timeout
        self.shift = shift
        self.name = f"{board.id} (QEMU {board.qemu})"
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.session: DeviceSession | None = None
        self._log = tempfile.TemporaryFile()

    def command_line(self, port: int) -> list[str]:
        assert self.board.qemu is not None    # checked in __init__
        return [find_qemu(), "-M", self.board.qemu, "-kernel", str(self.elf),
                "-icount", f"shift={self.shift}",
                "-nographic", "-monitor", "none",
                "-serial", f"tcp:127.0.0.1:{port},server=on,wait=on",
                "-semihosting-config", "enable=on,target=native"]

    def _qemu_said(self) -> str:
        self._log.seek(0)
        lines = [ln.strip() for ln in self._log.read().decode(errors="replace").splitlines()
                 if ln.strip() and "waiting for connection" not in ln]
        return lines[-1] if lines else ""

    def _why_dead(self) -> str | None:
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return None
        said = self._qemu_said()
        return f"QEMU exited with code {code}" + (f" ({said})" if said else "")

    def start(self) -> DeviceSession:
        for attempt in range(3):
            port = _free_port()
            self.proc = subprocess.Popen(self.command_line(port), stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    self.sock = socket.create_connection(("127.0.0.1", port), timeout=1.0)
                    break
                except OSError:
                    time.sleep(0.02)
            if self.sock is not None:
                break
            if self.proc.poll() is None:
                self.stop()
                raise EmulationError(f"{self.name}: QEMU did not open its serial port within "
                                     f"{START_TIMEOUT:.0f} s")
            said = self._qemu_said()
            if "in use" not in said or attempt == 2:   # a port race is retried, anything else is not
                raise EmulationError(f"{self.name}: QEMU failed to start (exit code "
                                     f"{self.proc.returncode}): {said or 'no message'}")
        assert self.sock is not None          # the loop above either connected or raised
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.session = DeviceSession(_SocketTransport(self.sock), self.name, self.timeout,
                                     EmulationError, self._why_dead)
        return self.session

    def finish(self, code: int = 0, timeout: float = 10.0) -> int:
        """Asks the firmware to exit through semihosting; returns QEMU's exit code."""
        assert self.session is not None and self.proc is not None
        self.session.exit(code)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise EmulationError(f"{self.name}: answered EXIT but QEMU did not end within "
                                 f"{timeout:.0f} s") from None

    def stop(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> QemuMachine:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        self._log.close()


@dataclass(frozen=True)
class QemuRun:
    """What one emulated board did with a set of input vectors."""

    hello: Hello
    outputs: np.ndarray                 # [N, *output shape], int8
    instructions: np.ndarray | None     # [N] instructions per inference; None: unknown (hz=0)
    overhead_instructions: int | None   # of the two counter reads, already subtracted
    stack_used: int
    stack_size: int
    wall_seconds: float
    # With profile=True (and a known counter rate): [N, calls] instructions of each kernel call,
    # one layer-hook call (``mark_instructions``) already subtracted from each.
    layer_instructions: np.ndarray | None = None
    mark_instructions: int | None = None
    profiled_instructions: np.ndarray | None = None   # [N] the whole call with the hook on


def check_greeting(name: str, hello: Hello, sha256: str, input_size: int,
                   backend: str | None = None, isa: str | None = None,
                   calls: int | None = None, input_sizes: tuple[int, ...] | None = None,
                   output_sizes: tuple[int, ...] | None = None) -> None:
    """The firmware runs the model (sha256, input size; the bytes of each input and output) and
    kernels (backend, isa, calls) the host expects; None skips that check."""
    if not hello.get("sha256"):
        raise EmulationError(f"{name}: the firmware's greeting has no sha256 field "
                             f"({hello.line!r}); rebuild it with this mcuforge")
    if hello.get("sha256") != sha256:
        raise EmulationError(f"{name}: the firmware runs model sha256 {hello.get('sha256')[:12]}..., "
                             f"expected {sha256[:12]}... (rebuild it)")
    if hello.int("in") != input_size:
        raise EmulationError(f"{name}: the firmware takes {hello.int('in')} input bytes, "
                             f"the model {input_size}")
    for key, sizes in (("ins", input_sizes), ("outs", output_sizes)):
        if sizes is not None and hello.get(key) != ",".join(map(str, sizes)):
            raise EmulationError(f"{name}: the firmware's model has {key}={hello.get(key) or '?'} "
                                 f"(bytes per tensor), the model folder {','.join(map(str, sizes))} "
                                 f"(rebuild it)")
    for key, want in (("kernels", backend), ("isa", isa)):
        if want is not None and hello.get(key) != want:
            raise EmulationError(f"{name}: the firmware was built with {key}={hello.get(key) or '?'}, "
                                 f"the model folder says {want} (rebuild it)")
    if calls is not None and hello.int("calls") != calls:
        raise EmulationError(f"{name}: the firmware's model makes {hello.int('calls')} kernel calls, "
                             f"the model folder lists {calls} (rebuild it)")


def run_vectors(machine: QemuMachine, sha256: str, input_size: int, output_shape: tuple[int, ...],
                inputs: np.ndarray, on_step: Callable[[int], None] | None = None, *,
                backend: str | None = None, isa: str | None = None,
                profile: bool = False, input_sizes: tuple[int, ...] | None = None,
                output_sizes: tuple[int, ...] | None = None) -> QemuRun:
    """Starts the machine, checks the greeting names this model (and, when given, its kernel
    ``backend`` and ``isa`` and the bytes of each input and output), runs every vector, then
    exits. A vector (``inputs[k]``) is every model input's bytes back to back, and so is what
    comes back (reshaped to ``output_shape``). With ``profile`` every vector also runs once through
    PROFILE (the kernel calls timed one by one; its output must equal INFER's)."""
    if len(inputs) == 0:
        raise EmulationError(f"{machine.name}: no input vectors to run")
    t0 = time.monotonic()
    session = machine.start()
    hello = session.wait_hello()
    check_greeting(machine.name, hello, sha256, input_size, backend, isa,
                   input_sizes=input_sizes, output_sizes=output_sizes)
    hz = hello.int("hz")
    # A firmware that knows no counter rate (hz=0 or absent) still runs: its instructions are unknown.
    counting = hz > 0

    def instructions(ticks: int) -> int:
        return ticks_to_instructions(ticks, hz, machine.shift)

    overhead = instructions(hello.int("overhead")) if counting else None
    mark = instructions(hello.int("mark")) if counting and profile else None
    flat = np.ascontiguousarray(inputs, dtype=np.int8).reshape(len(inputs), -1)
    outputs, counts, layers, profiled = [], [], [], []
    for i, row in enumerate(flat):
        result = session.infer(row.tobytes())
        if result.status != 0:
            raise EmulationError(f"{machine.name}: inference of vector {i} failed in kernel call "
                                 f"{result.status - 1} (status {result.status})")
        outputs.append(np.frombuffer(result.output, dtype=np.int8))
        if counting:
            assert overhead is not None
            counts.append(instructions(result.ticks) - overhead)
        if profile:
            prof = session.profile(row.tobytes())
            if prof.status != 0:
                raise EmulationError(f"{machine.name}: profiled inference of vector {i} failed in "
                                     f"kernel call {prof.status - 1} (status {prof.status})")
            if prof.output != result.output:
                raise EmulationError(f"{machine.name}: vector {i} gives another output with the "
                                     f"layer hook on (PROFILE) than without (INFER)")
            if counting:
                assert overhead is not None and mark is not None
                layers.append([instructions(t) - mark for t in prof.layer_ticks])
                profiled.append(instructions(prof.ticks) - overhead)
        if on_step:
            on_step(1)
    stats = session.stats()
    code = machine.finish(0)
    if code != 0:
        raise EmulationError(f"{machine.name}: QEMU exited with code {code} after EXIT 0")
    timed = profile and counting
    return QemuRun(hello=hello, outputs=np.stack(outputs).reshape(len(flat), *output_shape),
                   instructions=np.array(counts, dtype=np.int64) if counting else None,
                   overhead_instructions=overhead,
                   stack_used=stats.get("stack_used", 0), stack_size=stats.get("stack_size", 0),
                   wall_seconds=time.monotonic() - t0,
                   layer_instructions=np.array(layers, dtype=np.int64).reshape(len(flat), -1)
                   if timed else None,
                   mark_instructions=mark,
                   profiled_instructions=np.array(profiled, dtype=np.int64) if timed else None)

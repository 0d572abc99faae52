"""`mcuforge device C_DIR --port PORT [--baud N] [--vectors F | --random N]`: the firmware built
from C_DIR, running on a board, driven over its serial port.

It opens the port for itself alone, asks for the greeting (device.handshake), refuses firmware
built from another model (the greeting's sha256 against the folder's model_info.json), runs every
vector through INFER and PROFILE (emulate.protocol), compares every output element with
TFLite-Micro, and reports the latency as counter ticks, core cycles and milliseconds at the
board's clock (boards.yaml ``clock_hz`` of the greeting's ``board=``), the cycles of every kernel
call, and the stack high-water mark (STATS). The device is left running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from ..boards import get_board
from ..codegen.model_info import ModelInfo
from ..emulate import check_against_references
from ..emulate.profile import print_table
from ..emulate.protocol import DeviceSession, Hello
from ..emulate.qemu import check_greeting
from ..emulate.vectors import Vectors, load_vectors_file, pack, random_vectors, unpack
from ..emulate.verdict import add_reference_rows, require_bit_exact
from ..errors import BoardError, McuforgeError
from ..ui import Summary, nbytes, progress_bar
from . import DeviceError
from .handshake import handshake
from .mlperf import MlperfSession, quantized
from .port import PortTransport

# counters whose ticks are core cycles; their hz= (boards.yaml counter.clock_hz) is the core clock
# the bare-metal image runs at, which may differ from the board's clock_hz (a framework's setup)
CYCLE_COUNTERS = ("dwt", "systick")


@dataclass(frozen=True)
class Clock:
    """How the firmware's counter ticks convert to time and to core cycles.

    ``counter_hz`` is the greeting's ``hz=``: 0 means the counter counts core cycles at a clock
    the image does not know, which is then the board's ``clock_hz``; DWT and SysTick with a rate
    count core cycles at that rate (the bare-metal image's reset clock); a timer of known rate (a
    CMSDK timer, micros()) gives time, and cycles at ``clock_hz`` follow from it."""

    counter: str
    counter_hz: int
    clock_hz: int | None       # None: the greeting's board is not in boards.yaml

    def cycles(self, ticks: float) -> float | None:
        if self.counter_hz == 0 or self.counter in CYCLE_COUNTERS:
            return ticks        # core cycles, at the clock the image runs (hz=, when it says)
        return ticks * self.clock_hz / self.counter_hz if self.clock_hz else None

    def ms(self, ticks: float) -> float | None:
        if self.counter_hz:
            return 1e3 * ticks / self.counter_hz
        return 1e3 * ticks / self.clock_hz if self.clock_hz else None

    def describe(self) -> str:
        clock = f"{self.clock_hz / 1e6:g} MHz (boards.yaml)" if self.clock_hz else "unknown clock"
        if self.counter_hz == 0:
            return f"{self.counter} counts core cycles; ms at {clock}"
        if self.counter in CYCLE_COUNTERS:
            return f"{self.counter} counts core cycles at {self.counter_hz / 1e6:g} MHz (the image's clock)"
        return f"{self.counter} at {self.counter_hz:,} Hz; cycles at {clock}"


def _board_clock(hello: Hello, summary: Summary) -> int | None:
    board_id = hello.get("board")
    try:
        board = get_board(board_id)
    except BoardError:
        summary.add("board", f"{board_id or '?'} (not in boards.yaml: cycles or ms unknown)",
                    "board", board_id or None)
        return None
    summary.add("board", f"{board.id} ({board.name}), {board.clock_hz / 1e6:g} MHz", "board", board.id)
    summary.data["clock_hz"] = board.clock_hz
    return board.clock_hz


def require_model(port: str, runs_model: str, runs_sha: str, model: ModelInfo) -> None:
    """Stale firmware (built from another model than ``model``) is an error that names both."""
    if runs_sha != model.sha256:
        runs = f"{runs_model or '?'} (sha256 {runs_sha[:12] or '?'}...)"
        raise DeviceError(f"{port}: stale firmware: it runs {runs}, {model.folder} is "
                          f"{model.name} (sha256 {model.sha256[:12]}...); build and flash the "
                          f"firmware of {model.folder}")


def check_model(port: str, hello: Hello, model: ModelInfo) -> None:
    """The firmware runs this folder's model (its sha256, and the bytes of every input and
    output)."""
    require_model(port, hello.get("model"), hello.get("sha256"), model)
    try:
        check_greeting(port, hello, model.sha256, sum(t.size for t in model.inputs),
                       input_sizes=tuple(t.size for t in model.inputs),
                       output_sizes=tuple(t.size for t in model.outputs))
    except McuforgeError as exc:
        raise DeviceError(str(exc)) from None


@dataclass(frozen=True)
class DeviceRun:
    hello: Hello
    outputs: np.ndarray               # [N, output bytes] int8: every output back to back
    ticks: np.ndarray                 # [N] counter ticks per inference, the reads' overhead removed
    layer_ticks: np.ndarray | None    # [N, calls] per kernel call, one hook call removed
    stack_used: int
    stack_size: int


def run_on_device(session: DeviceSession, hello: Hello, flat: np.ndarray, profile: bool,
                  on_step=None) -> DeviceRun:
    """Every row of ``flat`` (all inputs back to back) through INFER, and PROFILE when the
    firmware has the profiler; its PROFILE output must equal INFER's."""
    overhead, mark = hello.int("overhead"), hello.int("mark")
    profile = profile and hello.int("calls") > 0
    outputs, ticks, layers = [], [], []
    for i, row in enumerate(flat):
        result = session.infer(row.tobytes())
        if result.status != 0:
            raise DeviceError(f"{session.name}: inference of vector {i} failed in kernel call "
                              f"{result.status - 1} (status {result.status})")
        outputs.append(np.frombuffer(result.output, dtype=np.int8))
        ticks.append(result.ticks - max(overhead, 0))
        if profile:
            prof = session.profile(row.tobytes())
            if prof.status != 0 or prof.output != result.output:
                raise DeviceError(f"{session.name}: vector {i} gives another result with the layer "
                                  f"hook on (PROFILE status {prof.status}) than without (INFER)")
            layers.append([t - max(mark, 0) for t in prof.layer_ticks])
        if on_step:
            on_step(1)
    stats = session.stats()
    return DeviceRun(hello, np.stack(outputs), np.array(ticks, dtype=np.int64),
                     np.array(layers, dtype=np.int64) if profile else None,
                     stats.get("stack_used", 0), stats.get("stack_size", 0))


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def layer_rows(model: ModelInfo, layer_ticks: np.ndarray, total_ticks: float,
               clock: Clock) -> list[dict[str, Any]]:
    """Per kernel call: its op, MACs, and the median ticks, cycles, ms and share of the inference."""
    if layer_ticks.shape[1] != len(model.layers):
        raise DeviceError(f"the firmware timed {layer_ticks.shape[1]} kernel calls, {model.folder} "
                          f"lists {len(model.layers)} (rebuild and flash it)")
    medians = np.median(layer_ticks, axis=0)
    rows = []
    for k, (la, t) in enumerate(zip(model.layers, medians)):
        cycles = clock.cycles(float(t))
        rows.append({"call": k, "op": la.op, "opcode": la.opcode, "kernel": la.kernel,
                     "macs": la.macs, "ticks": float(t),
                     "cycles": None if cycles is None else round(cycles),
                     "cycles_per_mac": None if cycles is None or not la.macs else round(cycles / la.macs, 4),
                     "ms": clock.ms(float(t)),
                     "share": float(t) / total_ticks if total_ticks else 0.0})
    return rows


def layer_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("op", justify="right")
    table.add_column("opcode")
    for name in ("MACs", "cycles", "per MAC", "ms", "share"):
        table.add_column(name, justify="right")
    for r in rows:
        table.add_row(str(r["op"]), r["opcode"], f"{r['macs']:,}", _fmt(r["cycles"]),
                      _fmt(r["cycles_per_mac"], 2), _fmt(r["ms"], 3), f"{100 * r['share']:.2f} %")
    return table


def do_device(c_dir: str, port: str, baud: int, vectors_file: str | None, random: int | None,
              seed: int, timeout: float, progress: bool, summary: Summary,
              as_json: bool = False, profile: bool = True, mlperf: bool = False) -> None:
    """The `device` command; ``mlperf``: the firmware runs the MLPerf Tiny mode (device.mlperf),
    each vector is loaded and inferred as the benchmark's runner does it."""
    model = ModelInfo.load(c_dir)
    for io in (*model.inputs, *model.outputs):
        if io.dtype != "int8_t":
            raise DeviceError(f"{model.folder}: tensor '{io.name}' is {io.dtype}; firmware takes "
                              f"int8 model inputs and outputs only")
    if vectors_file:
        vectors = load_vectors_file(Path(vectors_file), model.inputs, classes=model.outputs[0].size)
    else:
        vectors = random_vectors(random if random is not None else 10, model.inputs, seed)
    t0 = time.monotonic()
    if mlperf:
        _device_mlperf(model, vectors, port, baud, timeout, progress, summary, t0)
        return
    with PortTransport(port, baud, write_timeout=timeout) as transport:
        hello, link = handshake(transport, port, timeout, baud)
        summary.add("port", f"{port} at {baud:,} baud", "port", port)
        summary.add("firmware", f"mcuforge {hello.get('fw')}, model {hello.get('model')}, kernels "
                    f"{hello.get('kernels')} ({hello.get('isa')}), counter {hello.get('counter')}",
                    "firmware", hello.fields)
        clock = Clock(hello.get("counter"), max(hello.int("hz"), 0), _board_clock(hello, summary))
        check_model(port, hello, model)
        session = DeviceSession(link, port, timeout, DeviceError)
        flat = pack(vectors.inputs, model.inputs)
        with progress_bar(vectors.count, f"device {port}", progress, unit="vector") as bar:
            run = run_on_device(session, hello, flat, profile, bar.update)
    _report(model, vectors, run, clock, summary, as_json, time.monotonic() - t0, port)


def _device_mlperf(model: ModelInfo, vectors: Vectors, port: str, baud: int, timeout: float,
                   progress: bool, summary: Summary, t0: float) -> None:
    """Each vector: ``db load``, the bytes in 31-byte chunks, ``infer 1 1``; the results read
    back to int8 and compared with TFLite-Micro; the latency from the two timestamps."""
    flat = pack(vectors.inputs, model.inputs)
    outputs, micros = [], []
    with PortTransport(port, baud, write_timeout=timeout) as transport:
        dut = MlperfSession(transport, port, timeout)
        dut.sync()
        firmware, model_id = dut.profile()
        fields = dict(w.split("=", 1) for w in firmware.split() if "=" in w)
        summary.add("port", f"{port} at {baud:,} baud", "port", port)
        summary.add("firmware", f"MLPerf Tiny mode: {firmware.split(' sha256=')[0]}, model id "
                    f"{model_id}", "mlperf_model", model_id)
        clock = Clock("m-lap-us", 1_000_000, _board_clock(Hello(0, fields, firmware), summary))
        require_model(port, firmware.split()[2] if len(firmware.split()) > 2 else "",
                      fields.get("sha256", ""), model)
        with progress_bar(vectors.count, f"device {port} (MLPerf Tiny mode)", progress,
                          unit="vector") as bar:
            for row in flat:
                dut.load(row.tobytes())
                run = dut.infer(1, 1)
                outputs.append(quantized(run.results, model.outputs))
                micros.append(run.elapsed_us)
                bar.update(1)
    check = check_against_references(model, vectors.inputs, unpack(np.stack(outputs), model.outputs))
    add_reference_rows(summary, check, vectors, "int8 accuracy (on the device)")
    us = float(np.median(micros))
    cycles = clock.cycles(us)
    summary.add("latency", f"{_fmt(cycles)} cycles, {us / 1e3:,.3f} ms (median of the m-lap-us "
                f"timestamps around one inference; cycles at the board's clock)", "latency_ms", us / 1e3)
    summary.data["latency_cycles"] = None if cycles is None else round(cycles)
    summary.add("wall time", f"{time.monotonic() - t0:.1f} s", "device_seconds",
                round(time.monotonic() - t0, 2))
    require_bit_exact(check, f"{port} (MLPerf Tiny mode)")


def _report(model: ModelInfo, vectors: Vectors, run: DeviceRun, clock: Clock, summary: Summary,
            as_json: bool, seconds: float, port: str) -> None:
    check = check_against_references(model, vectors.inputs, unpack(run.outputs, model.outputs))
    add_reference_rows(summary, check, vectors, "int8 accuracy (on the device)")
    ticks = float(np.median(run.ticks))
    cycles, ms = clock.cycles(ticks), clock.ms(ticks)
    spread = f" (min {int(run.ticks.min()):,}, max {int(run.ticks.max()):,})" \
        if run.ticks.min() != run.ticks.max() else ""
    summary.add("latency", f"{_fmt(cycles)} cycles, {_fmt(ms, 3)} ms (median {ticks:,.0f} ticks"
                f"{spread}; {clock.describe()})", "latency_ms", ms)
    summary.data.update({"latency_ticks": ticks,
                         "latency_cycles": None if cycles is None else round(cycles),
                         "counter": clock.counter, "counter_hz": clock.counter_hz})
    if cycles is not None and model.macs:
        summary.add("cycles per MAC", f"{cycles / model.macs:.2f}", "cycles_per_mac",
                    round(cycles / model.macs, 4))
    if run.layer_ticks is not None:
        rows = layer_rows(model, run.layer_ticks, ticks, clock)
        covered = sum(r["ticks"] for r in rows) / ticks if ticks else 0.0
        summary.add("per-layer profile", f"{len(rows)} kernel calls, {100 * covered:.2f} % of the "
                    f"inference (median of {len(run.ticks)} vectors, one hook call of "
                    f"{run.hello.int('mark')} ticks removed per call)", "layers", rows)
        print_table(layer_table(rows, f"per-layer profile: {model.name} on {run.hello.get('board')} "
                                      f"({port})"), as_json)
    else:
        summary.add("per-layer profile", "not measured (the firmware has no layer profiler)",
                    "layers", None)
    used = f"{nbytes(run.stack_used)} of {nbytes(run.stack_size)}" if run.stack_size else "unknown"
    summary.add("stack used (high-water mark)", used, "stack_used_bytes", run.stack_used)
    summary.data["stack_size_bytes"] = run.stack_size
    summary.add("wall time", f"{seconds:.1f} s", "device_seconds", round(seconds, 2))
    require_bit_exact(check, f"{port} ({run.hello.get('board')})")

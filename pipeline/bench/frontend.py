"""`mcuforge bench --frontend`: the integer audio front end's cost per 20 ms hop on the emulated
boards, and its features, under QEMU.

A probe image (firmware/frontend/probe/mf_frontend_probe.c, the front end, and the board's platform
drivers) reads int16 clips through semihosting, computes every frame with
``mf_frontend_compute_frame`` between two reads of the board's counter and writes the features
and the ticks back. Under ``-icount`` the ticks are exact instruction counts
(``emulate.qemu.ticks_to_instructions``); the counter's own overhead (two back-to-back reads) is
subtracted. One frame is one hop: a stream computes one new frame every 320 samples.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..boards import Board
from ..builder.firmware import (
    APP_DIR,
    CFLAGS,
    COUNTER_DRIVERS,
    LDFLAGS,
    PLATFORM_DIR,
    SERIAL_DRIVERS,
)
from ..builder.render import render_board_sources
from ..builder.toolchain import cpu_flags, find_toolchain
from ..cbuild import run_compiler
from ..emulate.qemu import ICOUNT_SHIFT, find_qemu, ticks_to_instructions
from ..errors import EmulationError, McuforgeError, MismatchError
from ..features import DEFAULT_CONFIG
from ..resources import FIRMWARE_DIR
from ..ui import Summary

FRONTEND_DIR = FIRMWARE_DIR / "frontend"
# the probe's main sits in its own folder: firmware/frontend/*.c is the front end alone, which
# other builds (the streaming application) take whole
PROBE_SOURCES = ("mf_frontend.c", "probe/mf_frontend_probe.c")
PLATFORM_SOURCES = ("startup.S", "vectors.c", "semihost.c")
PROBE_STACK_BYTES = 8192        # the front end needs about 3.3 KB
PROBE_MAGIC = 0x4546464D
HEADER_WORDS = 6
TABLE_WIDTH = 130
HOP_SECONDS = DEFAULT_CONFIG.hop_samples / DEFAULT_CONFIG.sample_rate_hz   # 0.02
IN_FILE, OUT_FILE = "frontend_in.raw", "frontend_out.raw"


@dataclass(frozen=True)
class FrontendRun:
    """What the probe did on one board."""

    board: str
    features: np.ndarray        # int32 [clips, frames, coefficients]
    instructions: np.ndarray    # int64 [clips, frames]: per mf_frontend_compute_frame call
    overhead_ticks: int         # of the two counter reads, already subtracted
    variant: str                # "dsp" or "portable": the FFT helpers the build used
    wall_seconds: float

    def to_json(self) -> dict:
        per_hop = self.instructions
        return {"board": self.board, "variant": self.variant, "frames": int(per_hop.size),
                "instructions_per_hop": int(round(float(per_hop.mean()))),
                "instructions_per_hop_min": int(per_hop.min()),
                "instructions_per_hop_max": int(per_hop.max()),
                "instructions_per_clip": int(round(float(per_hop.sum(axis=1).mean()))),
                "wall_seconds": round(self.wall_seconds, 1)}


def require_exact_counter(board: Board) -> None:
    """EmulationError unless ``board`` runs under QEMU with a counter that counts instructions
    exactly (a CMSDK timer or the SSE-300 counter; not SysTick)."""
    if board.qemu is None:
        raise EmulationError(f"{board.id} has no QEMU machine")
    if not board.counts_exactly or board.counter.clock_hz is None:
        raise EmulationError(f"{board.id}: its counter ({board.counter.kind}) does not count "
                             "instructions exactly under QEMU")


def build_probe(board: Board, out_dir: Path) -> Path:
    """The probe's ELF for ``board`` in ``out_dir`` (a board whose counter counts exactly)."""
    require_exact_counter(board)
    tools = find_toolchain()
    out_dir.mkdir(parents=True, exist_ok=True)
    generated = out_dir / "generated"
    render_board_sources(board, generated, PROBE_STACK_BYTES, "the front-end probe")
    sources = [FRONTEND_DIR / name for name in PROBE_SOURCES]
    sources += [PLATFORM_DIR / name for name in PLATFORM_SOURCES]
    sources += [PLATFORM_DIR / SERIAL_DRIVERS[board.serial.kind],
                PLATFORM_DIR / COUNTER_DRIVERS[board.counter.kind], generated / "mf_board.c"]
    elf = out_dir / "mf_frontend_probe.elf"
    run_compiler([tools.gcc, *cpu_flags(board), *CFLAGS, f"-I{FRONTEND_DIR}", f"-I{PLATFORM_DIR}",
                  f"-I{APP_DIR}",
                  f"-I{generated}", *map(str, sources), *LDFLAGS, "-T",
                  str(generated / "linker.ld"), "-o", str(elf)],
                 f"front-end probe build for {board.id}")
    return elf


def run_probe(board: Board, elf: Path, clips: np.ndarray, timeout: float = 600.0) -> FrontendRun:
    """Runs the probe on ``clips`` (int16 [N, 16000]) under QEMU; features and instructions."""
    cfg = DEFAULT_CONFIG
    clips = np.ascontiguousarray(clips, dtype="<i2")
    require_exact_counter(board)
    assert board.qemu is not None and board.counter.clock_hz is not None   # checked just above
    with tempfile.TemporaryDirectory(prefix="mf-frontend-") as tmp:
        work = Path(tmp)
        (work / IN_FILE).write_bytes(clips.tobytes())
        cmd = [find_qemu(), "-M", board.qemu, "-kernel", str(Path(elf).resolve()),
               "-icount", f"shift={ICOUNT_SHIFT}", "-nographic", "-monitor", "none",
               "-serial", "null", "-semihosting-config", "enable=on,target=native"]
        start = time.monotonic()
        try:
            res = subprocess.run(cmd, cwd=work, stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise EmulationError(f"{board.id}: the front-end probe did not finish within "
                                 f"{timeout:.0f} s") from None
        seconds = time.monotonic() - start
        if res.returncode != 0:
            said = (res.stderr or res.stdout).strip().splitlines()
            raise EmulationError(f"{board.id}: the front-end probe exited with code "
                                 f"{res.returncode}" + (f" ({said[-1]})" if said else ""))
        raw = np.fromfile(work / OUT_FILE, dtype="<u4")
    frames, coefs = cfg.feature_shape
    record = frames * coefs + frames
    if raw.size < HEADER_WORDS or raw[0] != PROBE_MAGIC or int(raw[4]) != len(clips) \
            or raw.size != HEADER_WORDS + len(clips) * record:
        raise EmulationError(f"{board.id}: the front-end probe's output is incomplete")
    body = raw[HEADER_WORDS:].reshape(len(clips), record)
    features = body[:, :frames * coefs].view("<i4").reshape(len(clips), frames, coefs)
    overhead = int(raw[2])
    hz = int(raw[3])
    ticks = body[:, frames * coefs:].astype(np.int64) - overhead
    instructions = np.vectorize(lambda t: ticks_to_instructions(int(t), hz))(ticks)
    return FrontendRun(board=board.id, features=features.astype(np.int32),
                       instructions=np.asarray(instructions, dtype=np.int64),
                       overhead_ticks=overhead, variant="dsp" if raw[5] else "portable",
                       wall_seconds=seconds)


def bench_clips(seed: int = 0) -> np.ndarray:
    """What the bench measures the front end on: silence, quiet and full-scale noise, a tone."""
    rng = np.random.default_rng(seed)
    n = np.arange(DEFAULT_CONFIG.clip_samples)
    tone = np.round(12000 * np.sin(2 * np.pi * 1000 * n / DEFAULT_CONFIG.sample_rate_hz))
    return np.stack([np.zeros(n.size), np.round(300 * rng.standard_normal(n.size)),
                     rng.integers(-32768, 32768, n.size), tone]).clip(-32768, 32767).astype(np.int16)


def frontend_table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    columns = ["board", "core", "FFT helpers", "instructions / hop", "min", "max",
               "per 1 s (49 hops)", "share of 20 ms at clock"]
    body = [[d["board"], d["core"], d["variant"], f"{d['instructions_per_hop']:,}",
             f"{d['instructions_per_hop_min']:,}", f"{d['instructions_per_hop_max']:,}",
             f"{d['instructions_per_clip']:,}", f"{d['core_share']:.1%}"] for d in rows]
    return columns, body


def do_bench_frontend(boards: list[Board], out: Path, timeout: float, progress: bool,
                      as_json: bool, summary: Summary) -> list[dict]:
    """`mcuforge bench --frontend`: the probe on every board, features checked against Python."""
    from ..emulate.profile import print_table, text_table
    from ..features import compute_features
    from ..ui import progress_bar

    clips = bench_clips()
    expected = compute_features(clips)
    rows: list[dict] = []
    failures: list[str] = []
    with progress_bar(len(boards), "front end", progress, unit="board") as bar:
        for board in boards:
            try:
                run = run_probe(board, build_probe(board, out / board.id), clips, timeout)
                if not np.array_equal(run.features, expected):
                    bad = np.argwhere(run.features != expected)
                    failures.append(f"{board.id}: {len(bad)} features differ from Python's "
                                    f"front end, first at [clip, frame, coef] {bad[0].tolist()}")
                d = run.to_json()
                # at one instruction per cycle: the share of the core's time one hop takes
                d["core"] = board.core
                d["clock_hz"] = board.clock_hz
                d["core_share"] = d["instructions_per_hop"] / (board.clock_hz * HOP_SECONDS)
                rows.append(d)
            except McuforgeError as exc:      # most name the board already
                failures.append(str(exc) if str(exc).startswith(board.id) else f"{board.id}: {exc}")
            bar.update(1)
    columns, body = frontend_table(rows)
    if body:
        print_table(text_table(f"mcuforge bench --frontend: instructions per 20 ms hop (QEMU "
                               f"-icount), {clips.shape[0] * DEFAULT_CONFIG.num_frames} frames "
                               "per board, features bit-exact with Python; share of the core "
                               "at 1 instruction per cycle", columns, body, right=columns[3:]),
                    as_json, TABLE_WIDTH)
    summary.add("boards", ", ".join(b.id for b in boards), "boards", [b.id for b in boards])
    summary.add("output", str(out), "out", str(out))
    summary.data["frontend"] = rows
    summary.data["failures"] = failures
    if failures:
        error = MismatchError if any("differ from Python" in f for f in failures) else EmulationError
        raise error(f"{len(failures)} of {len(boards)} board(s) failed: " + "; ".join(failures))
    return rows

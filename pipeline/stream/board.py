"""The streaming firmware for an emulated board: built, run under QEMU, PCM sent over the serial
protocol (STREAM lines, README "Streaming keyword spotting") or linked into the firmware and
played there (PLAY lines: no PCM on the serial line), detections and instruction counts back."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..boards import Board
from ..builder.firmware import FirmwareBuild, FirmwareExtra, build_firmware
from ..emulate.command import emulated_board
from ..emulate.qemu import QemuMachine, check_greeting, ticks_to_instructions
from ..errors import EmulationError
from ..ui import Summary, progress_bar
from .config import (
    HOP_SAMPLES,
    LINKED_PCM_SYMBOL,
    SAMPLE_RATE,
    StreamParams,
    render_linked_pcm,
    render_stream_config,
)
from .events import Detection, StreamRun
from .host import APP_DIR, FRONTEND_DIR, stream_sources


def stream_app(params: StreamParams, linked: np.ndarray | None = None) -> FirmwareExtra:
    """``linked``: int16 PCM to link into the firmware for PLAY (None: none)."""
    def render(generated: Path) -> list[Path]:
        config, pcm = generated / "mf_stream_config.c", generated / "mf_stream_pcm.c"
        render_stream_config(params, config, timed=True)
        render_linked_pcm(params, linked, pcm)
        return [config, pcm]

    return FirmwareExtra(sources=(*stream_sources(), APP_DIR / "mf_stream_app.c"),
                       includes=(FRONTEND_DIR,), render=render, stream="mf_stream_app",
                       flash_objects=(("linked audio", LINKED_PCM_SYMBOL),) if linked is not None else ())


def build_stream_firmware(params: StreamParams, board: Board, out_dir: Path | None = None,
                          force: bool = False, linked: np.ndarray | None = None) -> FirmwareBuild:
    """``out_dir`` default: <run>/firmware/<board>-stream (-stream-linked with ``linked``)."""
    name = f"{board.id}-stream" + ("-linked" if linked is not None else "")
    out = out_dir or params.model.folder.resolve().parent / "firmware" / name
    return build_firmware(params.model, board, out, platformio=False,
                          extra=stream_app(params, linked), force=force)


def play(machine: QemuMachine, params: StreamParams, audio: np.ndarray, progress: bool = True) -> StreamRun:
    """``audio`` through the firmware: in STREAM lines, or with PLAY if the firmware links PCM
    (which must then be ``audio``)."""
    session = machine.start()
    hello = session.wait_hello()
    check_greeting(machine.name, hello, params.model.sha256, params.model.input.size)
    capacity = hello.int("stream")
    if capacity <= 0:
        raise EmulationError(f"{machine.name}: the firmware has no streaming application "
                             f"(stream={hello.get('stream') or '?'})")
    linked_samples = hello.int("linked")
    linked = linked_samples > 0
    if linked and linked_samples != len(audio):
        raise EmulationError(f"{machine.name}: the firmware links {linked_samples} samples "
                             f"of PCM, not the {len(audio)} to play")
    hz = hello.int("hz")
    overhead = ticks_to_instructions(hello.int("overhead"), hz, machine.shift) if hz > 0 else 0
    pcm = np.ascontiguousarray(audio, dtype="<i2").tobytes()
    chunk = capacity - capacity % 2
    detections: list[Detection] = []
    hops = inferences = fe = model = 0
    session.reset_stream()
    with progress_bar(len(pcm), f"QEMU {machine.board.qemu}", progress, unit="B") as bar:
        for start in range(0, len(pcm), chunk):
            part = pcm[start:start + chunk]
            r = session.play(len(part) // 2) if linked else session.stream(part)
            if r.status != 0:
                raise EmulationError(f"{machine.name}: the model failed in kernel call "
                                     f"{r.status - 1} at sample {start // 2}")
            if r.dropped:
                raise EmulationError(f"{machine.name}: {r.dropped} events dropped")
            hops += r.hops
            inferences += r.inferences
            if hz > 0:
                # each frame and each inference is timed alone: one overhead per count
                fe += ticks_to_instructions(r.frontend_ticks, hz, machine.shift) - overhead * r.hops
                model += (ticks_to_instructions(r.model_ticks, hz, machine.shift)
                          - overhead * r.inferences)
            detections += [Detection(params.classes[c], s, sc) for c, s, sc in r.events]
            bar.update(len(part))
    code = machine.finish(0)
    if code != 0:
        raise EmulationError(f"{machine.name}: QEMU exited with code {code} after EXIT 0")
    return StreamRun(detections=tuple(detections), samples=len(audio), hops=hops,
                     inferences=inferences, frontend_instructions=fe if hz > 0 else None,
                     model_instructions=model if hz > 0 else None)


def run_stream_board(params: StreamParams, board_name: str, audio: np.ndarray, timeout: float,
                     summary: Summary, progress: bool = True, linked: bool = False) -> StreamRun:
    """``linked``: link ``audio`` into the firmware and PLAY it (no PCM over the serial line)."""
    board = emulated_board(board_name)
    fw = build_stream_firmware(params, board, linked=audio if linked else None)
    t0 = time.monotonic()
    with QemuMachine(board, fw.elf, timeout=timeout) as machine:
        run = play(machine, params, audio, progress)
    add_cost_rows(summary, run, board, fw, params.spec.infer_every_hops)
    summary.add("QEMU wall time", f"{time.monotonic() - t0:.1f} s", "qemu_seconds",
                round(time.monotonic() - t0, 1))
    return run


def add_cost_rows(summary: Summary, run: StreamRun, board: Board, fw: FirmwareBuild,
                  infer_every_hops: int) -> None:
    """Front end per hop, model per inference, the share of the core at the board's clock in
    steady state (50 hops and 50 / infer_every_hops inferences a second)."""
    from ..builder.command import add_memory_rows

    if run.frontend_instructions is None or run.model_instructions is None or not run.hops:
        summary.add("instructions", "unknown (the firmware reports no counter rate)")
        return
    fe = run.frontend_instructions / run.hops
    inf = run.model_instructions / max(run.inferences, 1)
    hops_per_second = SAMPLE_RATE / HOP_SAMPLES
    per_second = fe * hops_per_second + inf * hops_per_second / infer_every_hops
    summary.add("front end", f"{fe:,.0f} instructions per 20 ms hop (mean of {run.hops})",
                "frontend_instructions_per_hop", round(fe))
    summary.add("model", f"{inf:,.0f} instructions per inference (mean of {run.inferences})",
                "model_instructions_per_inference", round(inf))
    share = per_second / board.clock_hz
    summary.add("core share", f"{share:.1%} of {board.clock_hz / 1e6:g} MHz at one instruction "
                f"per cycle ({per_second / 1e6:.2f} M instructions/s of audio)", "core_share",
                round(share, 4))
    add_memory_rows(summary, fw)

"""The end of `mcuforge run --board B` for a keyword-spotting recipe: the streaming firmware for
the board, a few seconds of audio through it under QEMU, and what the streaming application
costs: front-end instructions per hop, model instructions per inference, the share of the core
at the board's clock, and flash and RAM of each part."""

from __future__ import annotations

import numpy as np

from ..boards import Board
from ..codegen.model_info import ModelInfo
from ..emulate.qemu import QemuMachine
from ..ui import Summary, nbytes
from .board import add_cost_rows, build_stream_firmware, play
from .config import SAMPLE_RATE, StreamError, stream_params
from .host import stream_sources
from .memory import part_memory

REPORT_SECONDS = 3.0
STREAM_OBJECTS = ("mf_stream.o", "mf_stream_app.o", "mf_stream_config.o")


def _noise(seconds: float) -> np.ndarray:
    """Seeded white noise at -30 dBFS RMS: the instruction counts hardly depend on the audio."""
    rng = np.random.default_rng(0)
    return np.clip(np.round(rng.standard_normal(int(seconds * SAMPLE_RATE)) * 1036), -32768,
                   32767).astype(np.int16)


def _object_names(sources) -> set[str]:
    stems = [s.stem for s in sources]
    return {f"{s.parent.name}_{s.stem}.o" if stems.count(s.stem) > 1 else f"{s.stem}.o"
            for s in sources}


def stream_report(model: ModelInfo, board: Board, timeout: float, summary: Summary,
                  progress: bool = True) -> None:
    try:
        params = stream_params(model)
    except StreamError as exc:
        summary.add("streaming", f"not built: {exc}")
        return
    fw = build_stream_firmware(params, board)
    with QemuMachine(board, fw.elf, timeout=timeout) as machine:
        run = play(machine, params, _noise(REPORT_SECONDS), progress)
    stream = Summary("stream")
    add_cost_rows(stream, run, board, fw, params.spec.infer_every_hops)
    for label, text in stream.rows:
        summary.add(f"stream: {label}", text)
    summary.data["stream"] = stream.data
    map_path = fw.elf.with_suffix(".map")
    fe = part_memory(map_path, {*STREAM_OBJECTS, *(f"{p.stem}.o" for p in stream_sources())})
    mo = part_memory(map_path, _object_names(fw.model.c_sources()))
    summary.add("stream: front end + app memory", f"flash {nbytes(fe.flash_bytes)}, static RAM "
                f"{nbytes(fe.ram_bytes)}", "stream_frontend_memory",
                {"flash_bytes": fe.flash_bytes, "ram_bytes": fe.ram_bytes})
    summary.add("stream: model memory", f"flash {nbytes(mo.flash_bytes)}, static RAM "
                f"{nbytes(mo.ram_bytes)} (arena {nbytes(model.arena_bytes)})", "stream_model_memory",
                {"flash_bytes": mo.flash_bytes, "ram_bytes": mo.ram_bytes})
    summary.add("stream: firmware", str(fw.elf))


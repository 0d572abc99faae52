"""The streaming application built with the host compiler and run on a PCM stream.

The executable is the generated model folder, the kernels (the host emulation's cached objects),
firmware/app/mf_stream.c, the front end (firmware/frontend) and two rendered files: the model's
stream constants (mf_stream_config.c) and a stdin/stdout driver (stream_host_main.c).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from .. import __version__
from ..cbuild import C_FLAGS, run_compiler
from ..cformat import generated_header
from ..emulate.host import _kernel_objects, host_compiler
from ..errors import EmulationError
from ..resources import FIRMWARE_DIR
from ..templating import environment
from .config import StreamError, StreamParams, render_stream_config
from .events import Detection, StreamRun

APP_DIR = FIRMWARE_DIR / "app"
FRONTEND_DIR = FIRMWARE_DIR / "frontend"


def stream_sources() -> list[Path]:
    """The hand-written C of the streaming application: the engine and the front end."""
    return [APP_DIR / "mf_stream.c", *sorted(FRONTEND_DIR.glob("*.c"))]


def build_stream_host(params: StreamParams, work_dir: Path) -> Path:
    model = params.model
    if model.uses_cmsis_nn:
        raise StreamError(f"{model.folder}: calls CMSIS-NN kernels; the host stream build takes "
                          "a portable or optimized model folder")
    cc = host_compiler()
    work_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / "mf_stream_config.c"
    render_stream_config(params, config, timed=False)
    driver = work_dir / "stream_host_main.c"
    driver.write_text(environment().get_template("stream/stream_host_main.c.j2").render(
        header=generated_header(__version__, model.source_name, model.sha256), model=model))
    includes = [f"-I{model.folder}"]
    exe = work_dir / f"{model.name}_stream_host"
    run_compiler([cc, *C_FLAGS, *includes, f"-I{APP_DIR}", f"-I{FRONTEND_DIR}",
                  *map(str, sorted(model.folder.glob("*.c"))), *map(str, stream_sources()),
                  str(config), str(driver), *map(str, _kernel_objects(cc, model, includes)),
                  "-o", str(exe), "-lm"], f"host stream build of {model.folder}")
    return exe


def run_stream_host(exe: Path, params: StreamParams, audio: np.ndarray,
                    timeout: float = 3600.0) -> StreamRun:
    """Plays int16 ``audio`` through the executable; the detections in time order."""
    pcm = np.ascontiguousarray(audio, dtype="<i2").tobytes()
    try:
        result = subprocess.run([str(exe)], input=pcm, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise EmulationError(f"{exe.name}: did not finish {len(audio) / 16000:.0f} s of audio "
                             f"in {timeout:.0f} s") from exc
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise EmulationError(f"{exe.name} failed (exit {result.returncode}): "
                             f"{message[-1] if message else 'no message'}")
    detections, done = [], None
    for line in result.stdout.decode().splitlines():
        parts = line.split()
        if parts[:1] == ["EVENT"] and len(parts) == 4:
            c, sample, score = map(int, parts[1:])
            detections.append(Detection(params.classes[c], sample, score))
        elif parts[:1] == ["DONE"] and len(parts) == 4:
            done = tuple(map(int, parts[1:]))
    if done is None or done[0] != len(audio):
        raise EmulationError(f"{exe.name}: no DONE line for {len(audio)} samples "
                             f"(output ends {result.stdout[-80:]!r})")
    return StreamRun(detections=tuple(detections), samples=done[0], hops=done[1],
                     inferences=done[2])

"""Build generated C with the host compiler and run it over input vectors."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import BuildError, EmulationError, ToolMissingError
from ..resources import cache_dir
from ..templating import environment
from .generated import GeneratedModel
from .vectors import vector_shape

HOST_CFLAGS = ("-std=c99", "-O2", "-Wall", "-Wextra", "-Werror")


def host_compiler() -> str:
    """$CC if set, else the first of cc, gcc, clang on PATH."""
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return candidate
    raise ToolMissingError("no host C compiler found: install one (Debian: apt-get install gcc)")


def _render_driver(model: GeneratedModel, path: Path) -> None:
    path.write_text(environment().get_template("host_main.c.j2").render(version=__version__, p=model))


def _compile(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.splitlines() if "error" in ln] or result.stderr.splitlines()
        first = lines[0] if lines else f"exit code {result.returncode}"
        raise BuildError(f"host build of {what} failed: {first}")


def _kernel_objects(cc: str, folder: Path) -> list[Path]:
    """Objects of the kernels (the same for every model), cached by content.

    The key covers the compiler, the flags, the kernel source and every header the kernels can
    include (the folder's and kernels/ headers), so a stale object is never reused.
    """
    cache = cache_dir() / "host-objects"
    cache.mkdir(parents=True, exist_ok=True)
    headers = b"".join(h.read_bytes() for h in sorted([*folder.glob("*.h"), *(folder / "kernels").glob("*.h")]))
    compiler = subprocess.run([cc, "--version"], capture_output=True).stdout
    objects = []
    for source in sorted((folder / "kernels").glob("*.c")):
        key = hashlib.sha256(b"\0".join([compiler, " ".join(HOST_CFLAGS).encode(), source.read_bytes(),
                                          headers])).hexdigest()[:24]
        obj = cache / f"{source.stem}-{key}.o"
        if not obj.exists():
            tmp = obj.with_name(f".{obj.name}.{os.getpid()}.tmp")
            _compile([cc, *HOST_CFLAGS, "-I", str(folder), "-c", str(source), "-o", str(tmp)], str(folder))
            os.replace(tmp, obj)
        objects.append(obj)
    return objects


def build_host(model: GeneratedModel, work_dir: Path) -> Path:
    """Compiles the generated folder plus a stdin/stdout driver; returns the executable."""
    cc = host_compiler()
    work_dir.mkdir(parents=True, exist_ok=True)
    driver = work_dir / "host_main.c"
    _render_driver(model, driver)
    sources = [*sorted(model.folder.glob("*.c")), driver]
    exe = work_dir / f"{model.name}_host"
    _compile([cc, *HOST_CFLAGS, "-I", str(model.folder), *map(str, sources),
              *map(str, _kernel_objects(cc, model.folder)), "-o", str(exe), "-lm"], str(model.folder))
    return exe


def run_host(exe: Path, model: GeneratedModel, inputs: np.ndarray, timeout: float = 600.0) -> np.ndarray:
    """Feeds int8 vectors (see pipeline.emulate.vectors) through the executable; returns outputs
    [N, *vector_shape(output shape)]."""
    flat = np.ascontiguousarray(inputs, dtype=np.int8).reshape(len(inputs), -1)
    if flat.shape[1] != model.input.size:
        raise EmulationError(f"input vectors have {flat.shape[1]} bytes each; {model.name} takes "
                             f"{model.input.size} (shape {list(model.input.shape)})")
    try:
        result = subprocess.run([str(exe)], input=flat.tobytes(), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise EmulationError(f"{exe.name} did not finish {len(flat)} inferences in {timeout:.0f} s") from exc
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise EmulationError(f"{exe.name} failed (exit {result.returncode}): "
                             f"{message[-1] if message else 'no message'}")
    expected = len(flat) * model.output.size
    if len(result.stdout) != expected:
        raise EmulationError(f"{exe.name} wrote {len(result.stdout)} bytes for {len(flat)} vectors, "
                             f"expected {expected}")
    out = np.frombuffer(result.stdout, dtype=np.int8)
    return out.reshape(len(flat), *vector_shape(model.output.shape))

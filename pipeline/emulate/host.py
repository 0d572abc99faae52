"""Build generated C with the host compiler and run it over input vectors."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import __version__
from ..cbuild import C_FLAGS, run_compiler
from ..cformat import generated_header
from ..cmsis import CmsisTrees, include_dirs, static_library
from ..codegen.model_info import ModelInfo
from ..errors import EmulationError, ToolMissingError
from ..resources import cache_dir
from ..templating import environment
from .vectors import Tensors, as_tensors, pack, single, unpack


def host_compiler() -> str:
    """$CC if set, else the first of cc, gcc, clang on PATH."""
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return candidate
    raise ToolMissingError("no host C compiler found: install one (Debian: apt-get install gcc)")


def _render_driver(model: ModelInfo, path: Path) -> None:
    header = generated_header(__version__, model.source_name, model.sha256)
    path.write_text(environment().get_template("host_main.c.j2").render(
        version=__version__, header=header, p=model))


def _kernel_objects(cc: str, model: ModelInfo, includes: list[str]) -> list[Path]:
    """Objects of the kernels (the same for every model), cached by content.

    The key covers the compiler, the flags, the kernel source and every header the kernels can
    include (the folder's shared headers, kernels/ and its backend folders' headers, and the
    include paths),
    so a stale object is never reused.
    """
    folder = model.folder
    cache = cache_dir() / "host-objects"
    cache.mkdir(parents=True, exist_ok=True)
    # the headers a kernel can include: the shared ones and the kernels' own (not the model's
    # header, which differs per model and which no kernel includes)
    shared = [h for h in folder.glob("*.h") if not h.name.startswith(model.name)]
    headers = b"".join(h.read_bytes() for h in sorted([*shared, *(folder / "kernels").rglob("*.h")]))
    compiler = subprocess.run([cc, "--version"], capture_output=True).stdout
    flags = [*C_FLAGS, *includes]
    # the key names the flags but not the folder's own path (every model has its own folder; what
    # the kernels read from it is in ``headers``)
    key_flags = " ".join(f for f in flags if f != f"-I{folder}").encode()
    objects = []
    for source in model.c_sources():
        if source.parent == folder:
            continue   # the model's own code: compiled with the driver
        key = hashlib.sha256(b"\0".join([compiler, key_flags, str(source.relative_to(folder)).encode(),
                                          source.read_bytes(), headers])).hexdigest()[:24]
        obj = cache / f"{source.stem}-{key}.o"
        if not obj.exists():
            tmp = obj.with_name(f".{obj.name}.{os.getpid()}.tmp")
            run_compiler([cc, *flags, "-c", str(source), "-o", str(tmp)], f"host build of {folder}")
            os.replace(tmp, obj)
        objects.append(obj)
    return objects


def build_host(model: ModelInfo, work_dir: Path, cmsis: CmsisTrees | None = None) -> Path:
    """Compiles the generated folder plus a stdin/stdout driver; returns the executable. A model
    on CMSIS-NN kernels links CMSIS-NN's portable C path, built once with the host compiler."""
    cc = host_compiler()
    work_dir.mkdir(parents=True, exist_ok=True)
    driver = work_dir / "host_main.c"
    _render_driver(model, driver)
    includes = [f"-I{model.folder}"]
    libraries: list[Path] = []
    if model.uses_cmsis_nn:
        if cmsis is None:
            raise EmulationError(f"{model.folder} calls CMSIS-NN kernels: give --cmsis-nn and "
                                 f"--cmsis-core (or MCUFORGE_CMSIS_NN, MCUFORGE_CMSIS_CORE)")
        includes += [f"-I{p}" for p in include_dirs(cmsis)]
        libraries.append(static_library(cmsis, cc, ["-std=c99", "-O2"]))
    sources = [*sorted(model.folder.glob("*.c")), driver]
    exe = work_dir / f"{model.name}_host"
    run_compiler([cc, *C_FLAGS, *includes, *map(str, sources),
                  *map(str, _kernel_objects(cc, model, includes)), *map(str, libraries),
                  "-o", str(exe), "-lm"], f"host build of {model.folder}")
    return exe


def run_host_tensors(exe: Path, model: ModelInfo, inputs: np.ndarray | Sequence[np.ndarray],
                     timeout: float = 600.0) -> Tensors:
    """Feeds vectors (one array per model input, see mcuforge.emulate.vectors; an array alone for
    a single-input model) through the executable; returns one array [N, *vector_shape(shape)] per
    model output."""
    tensors = as_tensors(inputs)
    if len(tensors) == 1 and len(model.inputs) == 1:
        # int8, or int16 for a 16x8 model
        flat = np.ascontiguousarray(tensors[0], dtype=model.input.numpy_dtype).reshape(len(tensors[0]), -1)
        if flat.nbytes // max(len(flat), 1) != model.input.size:
            raise EmulationError(f"input vectors have {flat.nbytes // max(len(flat), 1)} bytes each; "
                                 f"{model.name} takes {model.input.size} (shape "
                                 f"{list(model.input.shape)})")
    else:
        flat = pack(tensors, model.inputs)
    try:
        result = subprocess.run([str(exe)], input=flat.tobytes(), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise EmulationError(f"{exe.name} did not finish {len(flat)} inferences in {timeout:.0f} s") from exc
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise EmulationError(f"{exe.name} failed (exit {result.returncode}): "
                             f"{message[-1] if message else 'no message'}")
    vector_bytes = sum(t.size for t in model.outputs)
    expected = len(flat) * vector_bytes
    if len(result.stdout) != expected:
        raise EmulationError(f"{exe.name} wrote {len(result.stdout)} bytes for {len(flat)} vectors, "
                             f"expected {expected}")
    out = np.frombuffer(result.stdout, dtype=np.uint8).reshape(len(flat), vector_bytes)
    return unpack(out, model.outputs)


def run_host(exe: Path, model: ModelInfo, inputs: np.ndarray | Sequence[np.ndarray],
             timeout: float = 600.0) -> np.ndarray:
    """``run_host_tensors`` for a single-output model: its outputs [N, *vector_shape(shape)]."""
    return single(run_host_tensors(exe, model, inputs, timeout), f"{model.name}'s outputs")

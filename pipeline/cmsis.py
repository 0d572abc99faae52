"""CMSIS-NN and the CMSIS Core headers: where they are, what to compile, and the scratch sizes.

The cmsis-nn kernel backend (``firmware/kernels/cmsis_nn/``) calls Arm's CMSIS-NN library. Neither
CMSIS-NN nor the CMSIS Core headers it includes are part of mcuforge: they are found by path,
``--cmsis-nn DIR`` / ``--cmsis-core DIR`` or the environment variables ``MCUFORGE_CMSIS_NN`` /
``MCUFORGE_CMSIS_CORE`` (arguments win), and never copied into a generated folder.

The backend is tested with these commits (Apache-2.0, both)::

    git clone https://github.com/ARM-software/CMSIS-NN && git -C CMSIS-NN checkout 4ab83cc3
    git clone https://github.com/ARM-software/CMSIS_6  && git -C CMSIS_6  checkout 5782d6f8
    export MCUFORGE_CMSIS_NN=$PWD/CMSIS-NN                         # Include/, Source/
    export MCUFORGE_CMSIS_CORE=$PWD/CMSIS_6/CMSIS/Core/Include     # cmsis_compiler.h

``--cmsis-core`` may also name the CMSIS_6 clone itself or its ``CMSIS/Core`` folder.

Bit-exactness with TFLite-Micro's reference kernels needs CMSIS-NN's default requantization
(double rounding): never build it with ``CMSIS_NN_USE_SINGLE_ROUNDING``. CMSIS-NN picks its code
path from the compiler's target macros (``__ARM_FEATURE_DSP`` -> DSP, ``__ARM_FEATURE_MVE`` ->
Helium, neither -> portable C, which is also what the host compiler gets).

What this module gives:
    find_cmsis(nn, core)        the two trees, checked (one-line ``CmsisError`` otherwise)
    include_dirs(trees)         the -I folders every file of a generated folder needs
    library_sources(trees)      the integer CMSIS-NN sources an int8 model can call
    static_library(...)         those sources compiled once per compiler and flags (cached)
    buffer_sizes(trees)         CMSIS-NN's own ``*_get_buffer_size*`` functions, run on the host
                                for the core a model is generated for (``none``/``dsp``/``mve``)
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import McuforgeError, ToolMissingError
from .resources import cache_dir

NN_ENV = "MCUFORGE_CMSIS_NN"
CORE_ENV = "MCUFORGE_CMSIS_CORE"
NN_OPTION = "--cmsis-nn"
CORE_OPTION = "--cmsis-core"
# The commits the backend is tested with (see the module docstring for how to get them).
PINNED_COMMITS = {"CMSIS-NN": "4ab83cc3", "CMSIS_6": "5782d6f8"}
NN_REPOSITORY = "https://github.com/ARM-software/CMSIS-NN"
CORE_REPOSITORY = "https://github.com/ARM-software/CMSIS_6"

# Files the backend cannot do without: the public API and the source folder (CMSIS-NN), the
# compiler abstraction its headers include (CMSIS Core).
NN_REQUIRED = ("Include/arm_nnfunctions.h", "Include/arm_nn_types.h", "Source")
CORE_REQUIRED = ("cmsis_compiler.h",)
# Where cmsis_compiler.h may sit below what a user names as the CMSIS Core folder.
_CORE_SUBFOLDERS = ("", "Include", "Core/Include", "CMSIS/Core/Include")

# Flags of the host build of the buffer-size functions (a shared library loaded with ctypes).
_SIZES_FLAGS = ("-std=c99", "-O1", "-fPIC", "-shared")
ISAS = ("none", "dsp", "mve")


class CmsisError(McuforgeError):
    """CMSIS-NN or the CMSIS Core headers are not where mcuforge was told (or not told at all)."""


@dataclass(frozen=True)
class CmsisTrees:
    """A CMSIS-NN tree (with ``Include/`` and ``Source/``) and the CMSIS Core ``Include`` folder
    (with ``cmsis_compiler.h``), both absolute."""

    nn: Path
    core: Path


# ---------------------------------------------------------------------------------------------
# finding the trees


def _pick(given: str | os.PathLike | None, env: str, option: str) -> tuple[Path, str] | None:
    if given is not None and str(given) != "":
        return Path(given).expanduser(), option
    value = os.environ.get(env, "")
    if value:
        return Path(value).expanduser(), env
    return None


def _check_nn(path: Path, origin: str) -> Path:
    if not path.is_dir():
        raise CmsisError(f"{path}: no such folder (CMSIS-NN, from {origin})")
    for rel in NN_REQUIRED:
        if not (path / rel).exists():
            raise CmsisError(f"{path}: not a CMSIS-NN tree (no {rel}; from {origin}; a clone of "
                             f"{NN_REPOSITORY})")
    return path.resolve()


def _check_core(path: Path, origin: str) -> Path:
    if not path.is_dir():
        raise CmsisError(f"{path}: no such folder (CMSIS Core headers, from {origin})")
    for sub in _CORE_SUBFOLDERS:
        folder = path / sub if sub else path
        if all((folder / rel).is_file() for rel in CORE_REQUIRED):
            return folder.resolve()
    raise CmsisError(f"{path}: not the CMSIS Core include folder (no {CORE_REQUIRED[0]}; from "
                     f"{origin}; CMSIS/Core/Include of a clone of {CORE_REPOSITORY})")


def find_cmsis(nn: str | os.PathLike | None = None,
               core: str | os.PathLike | None = None) -> CmsisTrees:
    """The CMSIS-NN and CMSIS Core trees: ``nn``/``core`` when given, else $MCUFORGE_CMSIS_NN /
    $MCUFORGE_CMSIS_CORE. A tree that is not given anywhere, is missing, or lacks a needed file
    is a one-line ``CmsisError`` naming the path, the file and where the path came from."""
    picked_nn = _pick(nn, NN_ENV, NN_OPTION)
    if picked_nn is None:
        raise CmsisError(f"the cmsis-nn backend needs CMSIS-NN: pass {NN_OPTION} DIR or set "
                         f"{NN_ENV} (a clone of {NN_REPOSITORY}, commit "
                         f"{PINNED_COMMITS['CMSIS-NN']})")
    picked_core = _pick(core, CORE_ENV, CORE_OPTION)
    if picked_core is None:
        raise CmsisError(f"the cmsis-nn backend needs the CMSIS Core headers: pass {CORE_OPTION} "
                         f"DIR or set {CORE_ENV} (CMSIS/Core/Include of a clone of "
                         f"{CORE_REPOSITORY}, commit {PINNED_COMMITS['CMSIS_6']})")
    return CmsisTrees(nn=_check_nn(*picked_nn), core=_check_core(*picked_core))


def include_dirs(trees: CmsisTrees) -> list[Path]:
    """-I folders for the generated model, the cmsis_nn kernels and the CMSIS-NN sources."""
    return [trees.nn / "Include", trees.core]


def library_sources(trees: CmsisTrees) -> list[Path]:
    """Every integer CMSIS-NN source (``*_s4``/``*_s8``/``*_s16`` functions and the support
    functions and tables they use), sorted; the floating-point ones (``*_f16``, ``*_f32``,
    ``*_flt``) are left out: int8 models never call them and they need ARM_NN_ENABLE_F16/F32.
    Every one compiles with -std=c99 for the host and for Cortex-M3/M4/M55; at link time only
    what the model calls is kept (a static library, or -ffunction-sections + --gc-sections)."""
    sources = []
    for path in sorted((trees.nn / "Source").rglob("*.c")):
        if any(tag in path.stem for tag in ("_f16", "_f32", "_flt")):
            continue
        sources.append(path)
    if not sources:
        raise CmsisError(f"{trees.nn / 'Source'}: no CMSIS-NN sources")
    return sources


@functools.cache
def _tree_digest(trees: CmsisTrees) -> bytes:
    """A digest of every integer source and every header the sources can include."""
    h = hashlib.sha256()
    headers = sorted((trees.nn / "Include").rglob("*.h")) + sorted(trees.core.glob("*.h")) + \
        sorted((trees.core / "m-profile").glob("*.h"))
    for path in [*library_sources(trees), *headers]:
        h.update(str(path.relative_to(path.anchor)).encode() + b"\0")
        h.update(path.read_bytes())
    return h.digest()


@functools.cache
def _compiler_identity(cc: str) -> bytes:
    try:
        result = subprocess.run([cc, "--version"], capture_output=True)
    except OSError as exc:
        raise ToolMissingError(f"{cc}: cannot run it ({exc.strerror})") from exc
    return result.stdout


def _archiver_for(cc: str) -> str:
    """The ``ar`` that goes with a compiler: arm-none-eabi-gcc -> arm-none-eabi-ar, gcc/cc -> ar."""
    name = Path(cc).name
    for suffix in ("gcc", "clang", "cc"):
        if name.endswith(suffix):
            candidate = str(Path(cc).with_name(name[: -len(suffix)] + "ar")) if os.sep in cc \
                else name[: -len(suffix)] + "ar"
            if shutil.which(candidate):
                return candidate
    for candidate in ("ar", "llvm-ar"):
        if shutil.which(candidate):
            return candidate
    raise ToolMissingError(f"no archiver (ar) found for {cc}")


def _run(cmd: Sequence[str], what: str) -> None:
    result = subprocess.run(list(cmd), capture_output=True, text=True)
    if result.returncode != 0:
        from .cbuild import first_error  # the one-line error of every compile step

        raise CmsisError(f"{what} failed: {first_error(result.stderr, result.returncode)}")


def static_library(trees: CmsisTrees, cc: str, cflags: Sequence[str],
                   ar: str | None = None) -> Path:
    """``libcmsis-nn.a`` of ``library_sources(trees)`` built with ``cc`` and ``cflags`` (e.g.
    ``-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2``; CMSIS's include paths
    are added here), compiled in parallel once and cached under mcuforge's cache folder, keyed by
    the sources, the headers, the compiler's version and the flags. CMSIS's own files are built
    without -Werror (they are not mcuforge's code)."""
    flags = [f for f in cflags if f != "-Werror"]
    key = hashlib.sha256(b"\0".join([_tree_digest(trees), _compiler_identity(cc),
                                     " ".join(flags).encode()])).hexdigest()[:24]
    out = cache_dir() / "cmsis-nn" / f"lib-{key}" / "libcmsis-nn.a"
    if out.is_file():
        return out
    archiver = ar or _archiver_for(cc)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".objects-{os.getpid()}"
    work.mkdir(exist_ok=True)
    includes = [f"-I{p}" for p in include_dirs(trees)]
    sources = library_sources(trees)

    def compile_one(source: Path) -> Path:
        obj = work / f"{source.stem}.o"
        _run([cc, *flags, *includes, "-c", str(source), "-o", str(obj)],
             f"compiling CMSIS-NN {source.name} with {Path(cc).name}")
        return obj

    try:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            objects = list(pool.map(compile_one, sources))
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        _run([archiver, "rcs", str(tmp), *map(str, objects)], f"archiving CMSIS-NN with {archiver}")
        os.replace(tmp, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


# ---------------------------------------------------------------------------------------------
# the *_get_buffer_size* functions, on the host
#
# ctypes mirrors of the CMSIS-NN structs these functions take (arm_nn_types.h): every member is
# an int32_t or a nested struct of them, so the layout is the same on every host.


class _Tile(ctypes.Structure):
    _fields_ = [("w", ctypes.c_int32), ("h", ctypes.c_int32)]


class _Activation(ctypes.Structure):
    _fields_ = [("min", ctypes.c_int32), ("max", ctypes.c_int32)]


class _Dims(ctypes.Structure):
    _fields_ = [("n", ctypes.c_int32), ("h", ctypes.c_int32), ("w", ctypes.c_int32),
                ("c", ctypes.c_int32)]


class _ConvParams(ctypes.Structure):
    _fields_ = [("input_offset", ctypes.c_int32), ("output_offset", ctypes.c_int32),
                ("stride", _Tile), ("padding", _Tile), ("dilation", _Tile),
                ("activation", _Activation)]


class _DwConvParams(ctypes.Structure):
    _fields_ = [("input_offset", ctypes.c_int32), ("output_offset", ctypes.c_int32),
                ("ch_mult", ctypes.c_int32), ("stride", _Tile), ("padding", _Tile),
                ("dilation", _Tile), ("activation", _Activation)]


def _to_ctypes(value: Any, cls: type[ctypes.Structure]) -> ctypes.Structure:
    """A ctypes struct filled from any object with attributes of the same names (mcuforge's
    CStruct mirrors, or a SimpleNamespace), nested structs included."""
    out = cls()
    for name, c_type, *_ in cls._fields_:
        field = getattr(value, name)
        if isinstance(c_type, type) and issubclass(c_type, ctypes.Structure):
            setattr(out, name, _to_ctypes(field, c_type))
        else:
            setattr(out, name, int(field))
    return out


_SUFFIX = {"none": "", "dsp": "_dsp", "mve": "_mve"}


class BufferSizes:
    """CMSIS-NN's scratch-size functions, compiled for the host from the tree itself and called
    through ctypes. ``isa`` picks the variant for the core the code is generated for: "none"
    (the portable C path: Cortex-M0+/M3, and the host), "dsp" (``*_get_buffer_size_dsp``:
    Cortex-M4/M7/M33), "mve" (``*_get_buffer_size_mve``: Cortex-M55). Sizes are in bytes.

    CMSIS-NN sizes a few DSP buffers differently when it is compiled by Arm Compiler 6 (e.g. the
    1x1 fast convolution wants one under armclang, none under GCC); these are the GCC/Clang
    figures, and a NULL buffer (size 0) makes those kernels take their unbuffered path."""

    def __init__(self, library: Path):
        self.library = library
        self._lib = ctypes.CDLL(str(library))

    def _fn(self, name: str, isa: str, argtypes: list) -> Any:
        if isa not in ISAS:
            raise ValueError(f"isa {isa!r} not in {ISAS}")
        fn = getattr(self._lib, name + _SUFFIX[isa])
        fn.argtypes = argtypes
        fn.restype = ctypes.c_int32
        return fn

    def convolve_wrapper_s8(self, isa: str, conv_params, input_dims, filter_dims,
                            output_dims) -> int:
        """arm_convolve_wrapper_s8_get_buffer_size[_dsp|_mve]."""
        p = ctypes.POINTER
        fn = self._fn("arm_convolve_wrapper_s8_get_buffer_size", isa,
                      [p(_ConvParams), p(_Dims), p(_Dims), p(_Dims)])
        return int(fn(ctypes.byref(_to_ctypes(conv_params, _ConvParams)),
                      ctypes.byref(_to_ctypes(input_dims, _Dims)),
                      ctypes.byref(_to_ctypes(filter_dims, _Dims)),
                      ctypes.byref(_to_ctypes(output_dims, _Dims))))

    def depthwise_conv_wrapper_s8(self, isa: str, dw_conv_params, input_dims, filter_dims,
                                  output_dims) -> int:
        """arm_depthwise_conv_wrapper_s8_get_buffer_size[_dsp|_mve]."""
        p = ctypes.POINTER
        fn = self._fn("arm_depthwise_conv_wrapper_s8_get_buffer_size", isa,
                      [p(_DwConvParams), p(_Dims), p(_Dims), p(_Dims)])
        return int(fn(ctypes.byref(_to_ctypes(dw_conv_params, _DwConvParams)),
                      ctypes.byref(_to_ctypes(input_dims, _Dims)),
                      ctypes.byref(_to_ctypes(filter_dims, _Dims)),
                      ctypes.byref(_to_ctypes(output_dims, _Dims))))

    def fully_connected_s8(self, isa: str, filter_dims) -> int:
        """arm_fully_connected_s8_get_buffer_size[_dsp|_mve] (filter dims: n = accumulation
        depth, c = output depth)."""
        fn = self._fn("arm_fully_connected_s8_get_buffer_size", isa, [ctypes.POINTER(_Dims)])
        return int(fn(ctypes.byref(_to_ctypes(filter_dims, _Dims))))

    def avgpool_s8(self, isa: str, output_w: int, channels: int) -> int:
        """arm_avgpool_s8_get_buffer_size[_dsp|_mve]."""
        fn = self._fn("arm_avgpool_s8_get_buffer_size", isa, [ctypes.c_int, ctypes.c_int])
        return int(fn(int(output_w), int(channels)))


def _host_compiler() -> str:
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return candidate
    raise ToolMissingError("no host C compiler found to run CMSIS-NN's buffer-size functions: "
                           "install one (Debian: apt-get install gcc)")


@functools.cache
def buffer_sizes(trees: CmsisTrees) -> BufferSizes:
    """The buffer-size functions of ``trees``: a host shared library of the integer CMSIS-NN
    sources (host C compiler, -O1 -fPIC -shared), built once and cached under mcuforge's cache
    folder, keyed by the sources, the headers and the compiler's version."""
    cc = _host_compiler()
    key = hashlib.sha256(b"\0".join([_tree_digest(trees), _compiler_identity(cc),
                                     " ".join(_SIZES_FLAGS).encode()])).hexdigest()[:24]
    library = cache_dir() / "cmsis-nn" / f"buffer-sizes-{key}.so"
    if not library.is_file():
        library.parent.mkdir(parents=True, exist_ok=True)
        tmp = library.with_name(f".{library.name}.{os.getpid()}.tmp")
        _run([cc, *_SIZES_FLAGS, *[f"-I{p}" for p in include_dirs(trees)],
              *map(str, library_sources(trees)), "-o", str(tmp)],
             "host build of CMSIS-NN's buffer-size functions")
        os.replace(tmp, library)
    return BufferSizes(library)

"""model_info.json: what a generated C folder holds, the contract between codegen and later stages.

codegen writes it next to the C (``ModelInfo.write``); builder, emulate and report read it back
(``ModelInfo.load``) and never look inside the C. One dataclass, one reader, one writer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import __version__
from ..errors import McuforgeError

if TYPE_CHECKING:
    from ..compile.program import Program, TensorIO

FILENAME = "model_info.json"
TFLITE_FILENAME = "model.tflite"    # the compiled model, kept beside the C


class GeneratedFolderError(McuforgeError):
    """A folder given as generated C is not one (or is from an incompatible version)."""


@dataclass(frozen=True)
class IOInfo:
    """One model input or output tensor as the generated API takes or returns it."""

    name: str                  # the tensor's name in the .tflite
    shape: tuple[int, ...]
    dtype: str                 # the C type, e.g. int8_t
    scale: float
    zero_point: int
    size: int                  # bytes

    @property
    def numpy_dtype(self) -> np.dtype:
        """The element type of a vector a host run sends or reads back (int8 or int16)."""
        return np.dtype({"int8_t": np.int8, "int16_t": np.int16}[self.dtype])

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype,
                "scale": self.scale, "zero_point": self.zero_point, "bytes": self.size}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> IOInfo:
        return cls(str(d["name"]), tuple(int(n) for n in d["shape"]), str(d["dtype"]),
                   float(d["scale"]), int(d["zero_point"]), int(d["bytes"]))


@dataclass(frozen=True)
class LayerInfo:
    """One kernel call of the generated code."""

    op: int                    # operator index in the .tflite
    opcode: str
    kernel: str                # the C function called
    macs: int
    backend: str = "portable"  # the kernel folder it comes from (portable, cmsis_nn, optimized)
    scratch_bytes: int = 0
    note: str = ""             # why it stayed portable although another backend was asked for

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "opcode": self.opcode, "kernel": self.kernel, "macs": self.macs,
                "backend": self.backend, "scratch_bytes": self.scratch_bytes, "note": self.note}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LayerInfo:
        return cls(int(d["op"]), str(d["opcode"]), str(d["kernel"]), int(d["macs"]),
                   str(d.get("backend", "portable")), int(d.get("scratch_bytes", 0)),
                   str(d.get("note", "")))


@dataclass(frozen=True)
class ModelInfo:
    """A generated C folder as every later stage sees it. ``inputs`` and ``outputs`` are every
    model input and output in the subgraph's order (``input``/``output`` are the first)."""

    folder: Path
    name: str
    macro_prefix: str          # of the generated header's macros, e.g. KWS_DSCNN
    source_name: str
    sha256: str
    arena_bytes: int
    weight_bytes: int
    macs: int
    inputs: tuple[IOInfo, ...]
    outputs: tuple[IOInfo, ...]
    layers: tuple[LayerInfo, ...]
    backend: str = "portable"  # the kernel backend asked for (compile.backends.BACKENDS)
    isa: str = "none"          # the instruction set its kernels were chosen and sized for
    scratch_bytes: int = 0     # the largest call's scratch buffer (inside arena_bytes)
    generator: str = field(default=f"mcuforge {__version__}")

    @classmethod
    def from_program(cls, program: Program, folder: Path) -> ModelInfo:
        """What codegen writes for ``program`` rendered into ``folder``."""
        def io(t: TensorIO) -> IOInfo:
            return IOInfo(t.name, tuple(t.shape), t.c_type, t.scale, t.zero_point, t.size)
        return cls(
            folder=Path(folder), name=program.name, macro_prefix=program.macro_prefix,
            source_name=program.source_name, sha256=program.sha256, arena_bytes=program.arena_size,
            weight_bytes=program.weight_bytes, macs=program.macs,
            inputs=tuple(io(t) for t in program.inputs), outputs=tuple(io(t) for t in program.outputs),
            layers=tuple(LayerInfo(c.op_index, c.opcode, c.function, c.macs, c.backend,
                                   c.scratch_bytes, c.note) for c in program.calls),
            backend=program.backend, isa=program.isa, scratch_bytes=program.scratch_bytes)

    @property
    def backend_folders(self) -> tuple[str, ...]:
        """The kernel folders other than portable that this model's calls use."""
        return tuple(sorted({la.backend for la in self.layers} - {"portable"}))

    @property
    def uses_cmsis_nn(self) -> bool:
        return "cmsis_nn" in self.backend_folders

    def c_sources(self) -> list[Path]:
        """Every C file of the folder a build compiles: the model, the portable kernels and the
        kernels of the backends it calls."""
        sources = sorted(self.folder.glob("*.c")) + sorted((self.folder / "kernels").glob("*.c"))
        for backend in self.backend_folders:
            sources += sorted((self.folder / "kernels" / backend).glob("*.c"))
        return sources

    @property
    def input(self) -> IOInfo:
        return self.inputs[0]

    @property
    def output(self) -> IOInfo:
        return self.outputs[0]

    @property
    def tflite_path(self) -> Path:
        return self.folder / TFLITE_FILENAME

    def to_json(self) -> str:
        return json.dumps({
            "generator": self.generator,
            "name": self.name,
            "macro_prefix": self.macro_prefix,
            "source": self.source_name,
            "sha256": self.sha256,
            "arena_bytes": self.arena_bytes,
            "weight_bytes": self.weight_bytes,
            "macs": self.macs,
            "inputs": [t.to_json() for t in self.inputs],
            "outputs": [t.to_json() for t in self.outputs],
            "backend": self.backend,
            "isa": self.isa,
            "scratch_bytes": self.scratch_bytes,
            "layers": [layer.to_json() for layer in self.layers],
        }, indent=2) + "\n"

    def write(self, folder: Path) -> Path:
        """Writes model_info.json into ``folder`` (codegen's temporary folder, swapped in whole)."""
        path = Path(folder) / FILENAME
        path.write_text(self.to_json())
        return path

    @classmethod
    def load(cls, folder: str | Path) -> ModelInfo:
        """Reads a folder written by `mcuforge compile`; one-line GeneratedFolderError otherwise."""
        folder = Path(folder)
        info_path = folder / FILENAME
        if not folder.is_dir():
            raise GeneratedFolderError(
                f"{folder}: no such folder (run `mcuforge compile MODEL.tflite --out {folder}`)")
        if not info_path.is_file():
            raise GeneratedFolderError(
                f"{folder}: not a folder written by `mcuforge compile` (no {FILENAME})")
        if not (folder / TFLITE_FILENAME).is_file():
            raise GeneratedFolderError(
                f"{folder}: {TFLITE_FILENAME} is missing (the reference interpreters run it); "
                f"compile the model again into {folder}")
        try:
            info = json.loads(info_path.read_text())
            inputs = tuple(IOInfo.from_json(t) for t in info["inputs"])
            outputs = tuple(IOInfo.from_json(t) for t in info["outputs"])
            if not inputs or not outputs:
                raise IndexError("no inputs or no outputs")
            return cls(folder=folder, name=info["name"], macro_prefix=info["macro_prefix"],
                       source_name=info["source"], sha256=info["sha256"],
                       arena_bytes=int(info["arena_bytes"]), weight_bytes=int(info["weight_bytes"]),
                       macs=int(info["macs"]), inputs=inputs, outputs=outputs,
                       layers=tuple(LayerInfo.from_json(c) for c in info.get("layers", ())),
                       backend=str(info.get("backend", "portable")),
                       isa=str(info.get("isa", "none")),
                       scratch_bytes=int(info.get("scratch_bytes", 0)),
                       generator=str(info.get("generator", "unknown")))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GeneratedFolderError(
                f"{info_path}: unreadable ({exc.__class__.__name__}: {exc})") from exc

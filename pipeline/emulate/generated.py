"""A generated C folder as later stages see it: read back from its model_info.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import McuforgeError


class GeneratedFolderError(McuforgeError):
    """A folder given as generated C is not one (or is from an incompatible version)."""


@dataclass(frozen=True)
class IOInfo:
    shape: tuple[int, ...]
    scale: float
    zero_point: int
    size: int


@dataclass(frozen=True)
class GeneratedModel:
    folder: Path
    name: str
    macro_prefix: str          # of the generated header's macros, e.g. KWS_DSCNN
    source_name: str
    sha256: str
    arena_bytes: int
    weight_bytes: int
    macs: int
    input: IOInfo
    output: IOInfo

    @property
    def tflite_path(self) -> Path:
        return self.folder / "model.tflite"


def _io(d: dict) -> IOInfo:
    return IOInfo(tuple(d["shape"]), float(d["scale"]), int(d["zero_point"]), int(d["bytes"]))


def load_generated(folder: str | Path) -> GeneratedModel:
    folder = Path(folder)
    info_path = folder / "model_info.json"
    if not folder.is_dir():
        raise GeneratedFolderError(f"{folder}: no such folder (run `mcuforge compile MODEL.tflite --out {folder}`)")
    if not info_path.is_file():
        raise GeneratedFolderError(f"{folder}: not a folder written by `mcuforge compile` (no model_info.json)")
    try:
        info = json.loads(info_path.read_text())
        return GeneratedModel(folder=folder, name=info["name"], macro_prefix=info["macro_prefix"],
                              source_name=info["source"],
                              sha256=info["sha256"], arena_bytes=int(info["arena_bytes"]),
                              weight_bytes=int(info["weight_bytes"]), macs=int(info["macs"]),
                              input=_io(info["inputs"][0]), output=_io(info["outputs"][0]))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise GeneratedFolderError(f"{info_path}: unreadable ({exc.__class__.__name__}: {exc})") from exc

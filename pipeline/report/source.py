"""What a report is made from: a run folder (build/<name>/, every stage's files) or a folder of
generated C (`mcuforge compile`'s, with model.tflite and model_info.json). A C folder inside a
run folder (``<run>/c``) is reported as that run.

Saved results the report reads when present: ``quantize_metrics.json`` and ``train_metrics.json``
of the run, ``firmware/<board>/size.json`` of builds (`mcuforge build`, `run --board`), and
``speed/<board>.json``, the per-layer profile that `mcuforge report --board` measured, and
``model_float.tflite``, the float model converted by an earlier report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..codegen.model_info import FILENAME as MODEL_INFO
from ..codegen.model_info import ModelInfo
from ..errors import McuforgeError
from ..rundir import RunDir

SPEED_DIR = "speed"
FLOAT_TFLITE = "model_float.tflite"
REPORT_FILENAME = "report.html"


class ReportError(McuforgeError):
    """The folder given to `mcuforge report` is neither a run folder nor generated C, or a file
    in it cannot be read."""


@dataclass(frozen=True)
class Source:
    root: Path                  # the folder given (or the run folder of a given <run>/c)
    run: RunDir | None          # None for a bare C folder
    c_dir: Path | None          # generated C, when present
    tflite: Path                # the int8 model

    @property
    def name(self) -> str:
        return self.root.resolve().name

    @property
    def model_info(self) -> ModelInfo | None:
        return ModelInfo.load(self.c_dir) if self.c_dir is not None else None

    def json(self, path: Path) -> Any | None:
        """A saved JSON file, None when absent; one line naming it when it cannot be read."""
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ReportError(f"{path}: unreadable ({exc.__class__.__name__}: {exc})") from None

    def size_files(self, kernels: dict[str, str]) -> dict[str, Path]:
        """size.json of every build under the run (or beside the C folder) by board, and of the
        builds `report --board` made for the board's default kernels (``kernels``: board ->
        backend), which are preferred: they come with a measured stack high-water mark."""
        base = self.root
        found: dict[str, Path] = {}
        for board, backend in kernels.items():
            path = self.speed_dir / board / backend / "firmware" / "size.json"
            if path.is_file():
                found[board] = path
        for path in sorted(base.glob("firmware/*/size.json")) + sorted(base.glob("*/firmware/*/size.json")):
            found.setdefault(path.parent.name, path)
        return found

    @property
    def float_tflite(self) -> Path:
        """The float model as a .tflite (the report's quantization section converts it once)."""
        return self.root / FLOAT_TFLITE

    @property
    def speed_dir(self) -> Path:
        return self.root / SPEED_DIR

    def default_out(self) -> Path:
        return self.root / REPORT_FILENAME


def _is_run(folder: Path) -> bool:
    run = RunDir(folder)
    return any(p.is_file() for p in (run.recipe, run.train_metrics, run.quant_metrics, run.tflite))


def find_source(path: str | Path) -> Source:
    folder = Path(path)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder (give a run folder or a folder of generated C)")
    if (folder / MODEL_INFO).is_file():     # generated C (it holds a model.tflite too)
        if _is_run(folder.parent) and RunDir(folder.parent).c_dir.resolve() == folder.resolve():
            folder = folder.parent
        else:
            ModelInfo.load(folder)          # a broken C folder fails here, one line
            return Source(folder, None, folder, folder / "model.tflite")
    if not _is_run(folder):
        raise ReportError(f"{folder}: neither a run folder (no recipe.yaml, train_metrics.json, "
                          f"quantize_metrics.json or model.tflite) nor generated C (no {MODEL_INFO})")
    run = RunDir(folder)
    c_dir = run.c_dir if (run.c_dir / MODEL_INFO).is_file() else None
    tflite = run.tflite if run.tflite.is_file() else (c_dir / "model.tflite" if c_dir else run.tflite)
    if not tflite.is_file():
        raise ReportError(f"{run.tflite}: missing; run `mcuforge quantize {folder}` first")
    return Source(folder, run, c_dir, tflite)

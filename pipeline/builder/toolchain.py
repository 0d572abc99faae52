"""The Arm cross toolchain: finding it, and the -mcpu/-mfpu/-mfloat-abi flags of a board's core."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..boards import Board
from ..errors import ToolMissingError

INSTALL_HINT = "install it (Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"

# The FPU each core's -mfpu names for a single- or double-precision unit.
_FPU_NAMES = {
    ("cortex-m4", "single"): "fpv4-sp-d16",
    ("cortex-m7", "single"): "fpv5-sp-d16",
    ("cortex-m7", "double"): "fpv5-d16",
    ("cortex-m33", "single"): "fpv5-sp-d16",
    ("cortex-m55", "single"): "auto",   # the M55 FPU (with or without MVE) follows -mcpu
    ("cortex-m55", "double"): "auto",
}
_CORES_WITH_OPTIONAL_FP = ("cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")


@dataclass(frozen=True)
class Toolchain:
    gcc: str
    objcopy: str


def find_toolchain() -> Toolchain:
    """arm-none-eabi-gcc and objcopy with newlib-nano; ToolMissingError says what to install."""
    gcc = shutil.which("arm-none-eabi-gcc")
    objcopy = shutil.which("arm-none-eabi-objcopy")
    if not gcc or not objcopy:
        raise ToolMissingError(f"arm-none-eabi-gcc not found: {INSTALL_HINT}")
    specs = subprocess.run([gcc, "-print-file-name=nano.specs"], capture_output=True, text=True)
    if specs.returncode != 0 or not Path(specs.stdout.strip()).is_absolute():
        raise ToolMissingError(f"newlib-nano for arm-none-eabi-gcc not found: {INSTALL_HINT}")
    return Toolchain(gcc=gcc, objcopy=objcopy)


def cpu_flags(board: Board) -> list[str]:
    """Code-generation flags for the board's core, FPU and extensions."""
    extensions = ""
    if board.core == "cortex-m33" and not board.dsp:
        extensions += "+nodsp"
    if board.core == "cortex-m55" and not board.mve:
        extensions += "+nomve"
    if board.fpu == "none":
        if board.core in _CORES_WITH_OPTIONAL_FP:
            extensions += "+nofp"
        return [f"-mcpu={board.core}{extensions}", "-mthumb", "-mfloat-abi=soft"]
    fpu = _FPU_NAMES[(board.core, board.fpu)]
    return [f"-mcpu={board.core}{extensions}", "-mthumb", f"-mfpu={fpu}", "-mfloat-abi=hard"]

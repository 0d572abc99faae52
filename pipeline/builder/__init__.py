"""Cross-compile generated C into firmware for a board of boards.yaml, check that it fits, and
write a PlatformIO project for real boards."""

from __future__ import annotations

from .firmware import FirmwareBuild, build_firmware, default_out_dir
from .size import MemoryUse, check_fits, measure_elf
from .toolchain import cpu_flags, find_toolchain

__all__ = ["FirmwareBuild", "MemoryUse", "build_firmware", "check_fits", "cpu_flags",
           "default_out_dir", "find_toolchain", "measure_elf"]

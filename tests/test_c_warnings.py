"""The C compiles without a warning, with every compiler it meets.

Every portable kernel (each ``*.c`` directly in firmware/kernels/), the generated model code of a
model that uses every lowered op, the device app (firmware/app/) and the audio front end
(firmware/frontend/) compile under ``-std=c99 -O2 -Wall -Wextra -pedantic -Werror`` with the
host's gcc and clang, and with arm-none-eabi-gcc for a Cortex-M0+ (no FPU), an M4F with DSP and
an M55 with MVE (the flags ``mcuforge build`` uses for those boards).

The host and cross builds already use ``-Wall -Wextra -Werror`` with one compiler each; this adds
the second host compiler, ``-pedantic`` and the cores no other test builds every kernel for.
Sources are globbed, so a new kernel or app file is checked without editing this test. The backend
folders (firmware/kernels/cmsis_nn/, firmware/kernels/optimized/) need other include paths (CMSIS)
and target-specific flags; they are not compiled here. Board support (firmware/platform/) needs a
board's rendered headers and is built, with the same warning flags, by the cross-build tests.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import REPO, require_tool
from many_ops_model import many_ops_model
from mcuforge.boards import load_boards
from mcuforge.builder.toolchain import cpu_flags
from mcuforge.cli import main

FIRMWARE = REPO / "firmware"
WARNING_FLAGS = ("-std=c99", "-O2", "-Wall", "-Wextra", "-pedantic", "-Werror")

# Thumb inline assembly: compiled for the Arm targets only.
ARM_ONLY = ("mf_spin.c",)

# compiler, and the (core, has an FPU, dsp, mve) of a board whose cpu_flags to use (None: host)
TARGETS = [
    pytest.param("gcc", None, id="gcc"),
    pytest.param("clang", None, id="clang"),
    pytest.param("arm-none-eabi-gcc", ("cortex-m0plus", False, False, False),
                 id="arm-cortex-m0plus", marks=pytest.mark.cross),
    pytest.param("arm-none-eabi-gcc", ("cortex-m4", True, True, False),
                 id="arm-cortex-m4f-dsp", marks=pytest.mark.cross),
    pytest.param("arm-none-eabi-gcc", ("cortex-m55", True, True, True),
                 id="arm-cortex-m55-mve", marks=pytest.mark.cross),
]


def _board_flags(core: str, fpu: bool, dsp: bool, mve: bool) -> list[str]:
    """cpu_flags of the first board in boards.yaml with this core, FPU or not, DSP and MVE."""
    for board in load_boards().values():
        if (board.core, board.fpu != "none", board.dsp, board.mve) == (core, fpu, dsp, mve):
            return cpu_flags(board)
    raise AssertionError(f"boards.yaml has no {core} board with fpu={fpu} dsp={dsp} mve={mve}")


def kernel_sources() -> list[Path]:
    """The portable kernels: firmware/kernels/*.c, not the backend sub-folders."""
    return sorted((FIRMWARE / "kernels").glob("*.c"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """`mcuforge compile` output of the every-op model (it holds mf_limits.h and the like, which
    the kernels include, and the model's own C)."""
    work = tmp_path_factory.mktemp("c_warnings")
    model = work / "many_ops.tflite"
    model.write_bytes(many_ops_model())
    out = work / "c"
    assert main(["compile", str(model), "--out", str(out), "--quiet"]) == 0
    return out


def test_every_kind_of_source_is_found():
    assert len(kernel_sources()) >= 10, kernel_sources()
    assert list((FIRMWARE / "app").glob("*.c")) and list((FIRMWARE / "frontend").glob("*.c"))


@pytest.mark.host
@pytest.mark.parametrize("compiler, core", TARGETS)
def test_c_compiles_without_warnings(compiler, core, generated, tmp_path):
    cc = require_tool(compiler)
    target_flags = _board_flags(*core) if core else []
    sources = [*kernel_sources(), *sorted(generated.glob("*.c")),
               *sorted((FIRMWARE / "app").glob("*.c")),
               *sorted((FIRMWARE / "frontend").glob("*.c"))]
    if core is None:
        sources = [s for s in sources if s.name not in ARM_ONLY]
    names = [s.name for s in sources]
    assert len(set(names)) == len(names), f"two sources share a name (objects would clash): {names}"
    includes = [generated, FIRMWARE / "include", FIRMWARE / "kernels", FIRMWARE / "app",
                FIRMWARE / "frontend"]
    cmd = [cc, *target_flags, *WARNING_FLAGS, *(f"-I{p}" for p in includes), "-c",
           *map(str, sources)]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr.strip(), (
        f"{' '.join(cmd)}\n{result.stderr}")
    assert len(list(tmp_path.glob("*.o"))) == len(sources)

"""Cross builds for every board of boards.yaml: the image, its size check, the PlatformIO project."""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from board_testing import check_boot2, one_line_error, semihosting_traps
from conftest import require_cmsis, require_tool
from mcuforge.boards import load_boards
from mcuforge.builder import build_firmware, cpu_flags
from mcuforge.builder.stack import stack_size_for
from mcuforge.cli import main
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile.backends import KernelRequest
from mcuforge.errors import SizeError

# the portable kernels: the figures below are theirs (a DSP board's default is the optimized ones)
PORTABLE_KERNELS = KernelRequest("portable")

pytestmark = pytest.mark.cross

BOARDS = load_boards()
REAL = [b for b in BOARDS.values() if not b.emulated]
TOO_SMALL = {"nucleo_l031k6"}
ARCH = {"cortex-m0plus": b"6S-M", "cortex-m3": b"7-M", "cortex-m4": b"7E-M", "cortex-m7": b"7E-M",
        "cortex-m33": b"8-M.MAIN", "cortex-m55": b"cortex-m55"}   # Tag_CPU_name after linking


# the two emulated boards with real chips' UARTs are built in tests/test_uart_boards.py
@pytest.mark.parametrize("board", [b.id for b in BOARDS.values() if not b.emulated or b.counts_exactly])
def test_build_every_board(kws_c, tmp_path, board):
    """Every board gets an image that fits, or the itemized size error."""
    b = BOARDS[board]
    model = ModelInfo.load(kws_c)
    if board in TOO_SMALL:
        with pytest.raises(SizeError) as info:
            build_firmware(model, b, tmp_path / "fw", kernels=PORTABLE_KERNELS)
        message = str(info.value)
        # the stack in the message is the one the image would get: its bound plus the margin
        assert message.startswith("kws_ref_model needs ")
        assert re.search(r"B of RAM \(arena 16,000 \+ stack [0-9,]+ \+ other", message), message
        assert f"{board} has 8,192 B" in message and "B of flash (weights 28,984 + code" in message
        assert "(over by " in message
        assert not (tmp_path / "fw").exists()
        return
    fw = build_firmware(model, b, tmp_path / "fw", kernels=PORTABLE_KERNELS)
    assert fw.memory.fits and fw.memory.arena_bytes == model.arena_bytes == 16_000
    assert fw.stack_bound is not None and not fw.stack_given
    assert fw.memory.stack_bytes == stack_size_for(fw.stack_bound.bytes)
    assert fw.memory.weights_bytes == model.weight_bytes
    assert fw.bin.stat().st_size >= fw.memory.flash_bytes - 8 and fw.hex.read_text().startswith(":")
    size = json.loads((fw.folder / "size.json").read_text())
    assert size["ram_bytes"] == fw.memory.ram_bytes and size["board"] == board

    code, data = b.code_region, b.data_region
    with open(fw.elf, "rb") as f:
        elf = ELFFile(f)
        assert elf["e_machine"] == "EM_ARM"
        vectors = elf.get_section_by_name(".vectors")
        assert vectors["sh_addr"] == code.origin   # where the core reads it at reset
        initial_sp = int.from_bytes(vectors.data()[0:4], "little")
        reset = int.from_bytes(vectors.data()[4:8], "little")
        assert data.origin < initial_sp <= data.end and initial_sp % 8 == 0
        assert reset & 1 and code.origin <= reset < code.end        # a Thumb address in the image
        attributes = elf.get_section_by_name(".ARM.attributes").data()
        hard_float = bool(elf["e_flags"] & 0x400)                     # EF_ARM_ABI_FLOAT_HARD
    assert ARCH[b.core] in attributes and hard_float == (b.fpu != "none")
    if not b.emulated:      # runs without a debugger: no semihosting call in the image
        assert not semihosting_traps(fw.elf), semihosting_traps(fw.elf)[:3]
    if b.boot2_region:      # the Pico boots on its own: its second stage, with the CRC the ROM checks
        check_boot2(fw.elf)
    if b.flash_config:                                                # K64F: flash configuration field
        blob = fw.bin.read_bytes()[b.flash_config.offset_bytes:b.flash_config.offset_bytes + 16]
        assert blob == bytes.fromhex("ffffffff" * 3 + "feffffff")
    if b.platformio:
        check_platformio_project(fw, b)


def check_platformio_project(fw, board, framework_includes=()):
    """The project has everything PlatformIO needs: platformio.ini, main, the model's and the
    protocol's sources, include paths that exist; its C sources compile for the board's core
    (with ``framework_includes``, what the framework would add: CMSIS Core)."""
    project = fw.platformio
    ini = configparser.ConfigParser()
    ini.read(project / "platformio.ini")
    env = ini[f"env:{board.id}"]
    assert (env["platform"], env["board"], env["framework"], env["upload_protocol"]) == (
        board.platformio.platform, board.platformio.board, board.platformio.framework,
        board.platformio.upload_protocol)
    includes = [flag.split()[1] for flag in env["build_flags"].split("\n") if flag.startswith("-I")]
    assert includes and all((project / path).is_dir() for path in includes)
    main_cpp = (project / "src" / "main.cpp").read_text()
    assert ("void setup()" in main_cpp) if board.platformio.framework == "arduino" else ("int main()" in main_cpp)
    sources = sorted((project / "src").rglob("*.c"))
    names = {p.name for p in sources}
    assert {"mf_app.c", "mf_model_glue.c", "kws_ref_model.c", "conv2d.c"} <= names
    # Everything but the framework glue compiles for the board with the project's include paths.
    objects = project.parent / "pio-check"
    objects.mkdir()
    for src in sources:
        result = subprocess.run(["arm-none-eabi-gcc", *cpu_flags(board), "-std=c99", "-O2", "-Wall", "-Werror",
                                 *[f"-I{project / p}" for p in includes],
                                 *[f"-I{p}" for p in framework_includes], "-c", str(src),
                                 "-o", str(objects / (src.stem + ".o"))], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    shutil.rmtree(objects)


@pytest.mark.parametrize("board", [b.id for b in REAL if b.id not in TOO_SMALL][:3])
def test_pio_project_config_accepts_the_project(kws_c, tmp_path, capsys, board):
    """`pio project config` (offline) parses the generated platformio.ini; every option it reports
    is one PlatformIO knows."""
    beside_python = Path(sys.executable).parent / "pio"   # pip installs it into the venv
    pio = str(beside_python) if beside_python.is_file() else require_tool("pio", "platformio")
    assert main(["build", str(kws_c), "--board", board, "--out", str(tmp_path / "fw"), "--json", "--quiet"]) == 0
    project = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["platformio"]
    result = subprocess.run([pio, "project", "config", "--json-output"], cwd=project,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PLATFORMIO_CORE_DIR": str(tmp_path / "pio-core")})
    assert result.returncode == 0, result.stderr
    config = dict((section, dict(options)) for section, options in json.loads(result.stdout))
    env = config[f"env:{board}"]
    assert env["board"] == BOARDS[board].platformio.board and env["framework"] == [BOARDS[board].platformio.framework]
    from platformio.project.options import ProjectOptions
    known = {name.split(".", 1)[1] for name in ProjectOptions}
    for section in config.values():
        assert set(section) <= known, set(section) - known


def test_build_cli_summary(kws_c, tmp_path, capsys):
    out = tmp_path / "fw"
    assert main(["build", str(kws_c), "--board", "nucleo_f746zg", "--out", str(out), "--json", "--quiet",
                 "--kernels", "portable"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["board"] == "nucleo_f746zg" and data["fits"] is True
    assert data["arena_bytes"] == 16_000 and data["stack_bytes"] == stack_size_for(data["stack_bound_bytes"])
    assert data["ram_bytes"] == data["arena_bytes"] + data["stack_bytes"] + data["other_ram_bytes"]
    assert data["ram_capacity"] == 327_680 and data["flash_capacity"] == 1_048_576
    for key in ("elf", "bin", "hex"):
        assert os.path.isfile(data[key])


def test_build_cli_size_error(kws_c, tmp_path, capsys):
    code = main(["build", str(kws_c), "--board", "nucleo_l031k6", "--out", str(tmp_path / "fw")])
    one_line_error(capsys, code, "kws_ref_model needs", "B of RAM (arena 16,000 + stack ",
                   "nucleo_l031k6 has 8,192 B")
    assert not (tmp_path / "fw").exists()


def test_build_cli_unknown_board(kws_c, tmp_path, capsys):
    code = main(["build", str(kws_c), "--board", "nucleo_f7", "--out", str(tmp_path / "fw")])
    one_line_error(capsys, code, "unknown board 'nucleo_f7'", "nucleo_f746zg")


def test_missing_cross_compiler(kws_c, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))   # nothing on it
    code = main(["build", str(kws_c), "--board", "mps2_an386", "--out", str(tmp_path / "fw")])
    one_line_error(capsys, code, "arm-none-eabi-gcc not found", "apt-get install gcc-arm-none-eabi")


def test_stack_option_overrides_the_bound_and_says_so(kws_c, tmp_path, capsys):
    """--stack sets the reserved stack exactly; the summary names the bound it is measured against
    and how far below it a too-small stack is; size.json records both."""
    assert main(["build", str(kws_c), "--board", "mps2_an386", "--out", str(tmp_path / "fw"), "--json",
                 "--quiet", "--kernels", "portable", "--stack", "256"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    bound = data["stack_bound_bytes"]
    assert data["stack_bytes"] == 256 < bound
    assert data["stack_path"][0] == "mf_reset" and "kws_ref_model_invoke" in " ".join(data["stack_path"])
    size = json.loads((tmp_path / "fw" / "size.json").read_text())
    assert size["stack"]["from"] == "--stack" and size["stack"]["bound"]["bytes"] == bound
    assert main(["build", str(kws_c), "--board", "mps2_an386", "--out", str(tmp_path / "fw2"),
                 "--quiet", "--kernels", "portable", "--stack", "256"]) == 0
    assert f"--stack, {bound - 256:,} B below the bound" in " ".join(capsys.readouterr().out.split())


def test_stack_option_must_be_aligned(kws_c, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["build", str(kws_c), "--board", "mps2_an386", "--out", str(tmp_path / "fw"), "--stack", "1001"])
    assert info.value.code == 2
    assert "--stack: must be at least 256 and a multiple of 8, got 1001" in capsys.readouterr().err


def test_platformio_project_declares_cmsis_nn(kws_c, tmp_path):
    """A model on the cmsis-nn backend: the PlatformIO project lists CMSIS-NN in lib_deps, and its
    library manifest points at the CMSIS-NN tree the build used (by path: nothing copied), with
    the integer sources only and the same MF_CMSIS_NN_ISA as the bare-metal build."""
    from mcuforge.cmsis import library_sources

    trees = require_cmsis()
    board = BOARDS["nucleo_f746zg"]
    fw = build_firmware(ModelInfo.load(kws_c), board, tmp_path / "fw",
                        kernels=KernelRequest("cmsis-nn", str(trees.nn), str(trees.core)))
    assert fw.platformio is not None
    ini = configparser.ConfigParser()
    ini.read(fw.platformio / "platformio.ini")
    env = ini[f"env:{board.id}"]
    assert env["lib_deps"].split() == ["CMSIS-NN"]
    assert "-D MF_CMSIS_NN_ISA=1" in env["build_flags"]     # the M7's DSP path
    manifest = json.loads((fw.platformio / "lib" / "CMSIS-NN" / "library.json").read_text())
    assert manifest["name"] == "CMSIS-NN"
    assert Path(manifest["build"]["srcDir"]) == trees.nn / "Source"
    assert (Path(manifest["build"]["includeDir"]) / "arm_nnfunctions.h").is_file()
    assert not list((fw.platformio / "lib").rglob("*.c")), "CMSIS-NN sources copied into the project"
    assert str(trees.core) not in env["build_flags"]      # the framework brings CMSIS Core
    # PlatformIO's filters keep exactly the sources the bare-metal build compiles
    from fnmatch import fnmatch
    src = Path(manifest["build"]["srcDir"])
    excluded = [f[2:-1] for f in manifest["build"]["srcFilter"] if f.startswith("-<")]
    kept = sorted(p for p in src.rglob("*.c")
                  if not any(fnmatch(str(p.relative_to(src)), pattern) for pattern in excluded))
    assert kept == library_sources(trees)
    check_platformio_project(fw, board, framework_includes=[trees.core])


def test_ram_is_itemized_as_arena_scratch_stack_other():
    """RAM = arena (activations) + scratch (slots of the same arena array) + stack + other."""
    from mcuforge.builder.size import MemoryUse

    use = MemoryUse(flash_bytes=1000, code_bytes=600, const_bytes=300, weights_bytes=250,
                    data_init_bytes=8, ram_bytes=18_000, arena_bytes=16_256, scratch_bytes=256,
                    stack_bytes=688, flash_capacity=4096, ram_capacity=32_768)
    assert use.ram_parts() == "arena 16,000 + scratch 256 + stack 688 + other 1,056"
    assert use.other_ram_bytes == 18_000 - 16_256 - 688
    no_scratch = dataclasses.replace(use, scratch_bytes=0)
    assert no_scratch.ram_parts() == "arena 16,256 + stack 688 + other 1,056"


def test_flash_is_itemized_with_the_named_objects():
    """Flash = weights + code + each named object (a streaming firmware's linked audio) + other."""
    from mcuforge.builder.size import MemoryUse

    use = MemoryUse(flash_bytes=5000, code_bytes=600, const_bytes=4300, weights_bytes=250,
                    data_init_bytes=8, ram_bytes=18_000, arena_bytes=16_256, scratch_bytes=0,
                    stack_bytes=688, flash_capacity=8192, ram_capacity=32_768,
                    named_flash=(("linked audio", 4000),))
    assert use.other_flash_bytes == 5000 - 250 - 600 - 4000
    assert use.flash_parts() == "weights 250 + code 600 + linked audio 4,000 + other 150"
    assert use.as_dict()["named_flash"] == {"linked audio": 4000}
    plain = dataclasses.replace(use, named_flash=())
    assert plain.flash_parts() == "weights 250 + code 600 + other 4,150"

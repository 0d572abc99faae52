"""The cmsis-nn params structs (firmware/kernels/cmsis_nn/*.h) and the CMSIS-NN structs they
hold (CMSIS-NN's arm_nn_types.h) against their Python mirrors (mcuforge.compile.ops.cmsis_nn):
names, order and sizes of the fields, read back from the DWARF of an object compiled for the host
(8-byte pointers) and for a Cortex-M4 (4-byte pointers). Also: every wrapper compiles without a
warning for Cortex-M3 (CMSIS-NN's portable path), M4 (DSP) and M55 (Helium), and a build that
says which path the scratch was sized for (MF_CMSIS_NN_ISA) stops on a core that takes another.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import cmsis_testing as ct
import mcuforge.compile.ops.cmsis_nn as cmsis_package
from conftest import require_module, require_tool
from mcuforge import __version__
from mcuforge.cmsis import include_dirs
from mcuforge.compile import params
from mcuforge.compile.limits import render_limits_header
from mcuforge.resources import INCLUDE_DIR, KERNELS_DIR

CMSIS_KERNELS = KERNELS_DIR / "cmsis_nn"


def _adapter_modules() -> list:
    modules = []
    for info in sorted(pkgutil.iter_modules(cmsis_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{cmsis_package.__name__}.{info.name}")
        if hasattr(module, "OPCODES"):
            modules.append(module)
    return modules


def _nested(cls: type) -> list[type]:
    found = [cls]
    for _, spec in params.c_fields(cls):
        if spec.kind == "struct":
            found.extend(_nested(spec.struct))
    return found


def python_structs() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in _adapter_modules():
        for obj in vars(module).values():
            if (isinstance(obj, type) and dataclasses.is_dataclass(obj)
                    and issubclass(obj, params.CStruct) and obj.__module__ == module.__name__):
                for struct in _nested(obj):
                    other = found.setdefault(struct.C_TYPE, struct)
                    assert other is struct, f"{struct.C_TYPE}: {other} and {struct}"
    return found


STRUCTS = python_structs()
_TYPEDEF = re.compile(r"typedef\s+struct\s*\{[^{}]*\}\s*(mf_cmsis_\w+_params)\s*;")


def test_every_wrapper_struct_has_a_python_mirror():
    in_c = {name for h in CMSIS_KERNELS.glob("*.h") for name in _TYPEDEF.findall(h.read_text())}
    in_python = {n for n in STRUCTS if n.startswith("mf_cmsis_")}
    assert in_c and in_c == in_python, (sorted(in_c - in_python), sorted(in_python - in_c))


def test_every_adapter_has_its_kernel_files():
    for module in _adapter_modules():
        source = Path(module.__file__).read_text()
        kernels = set(re.findall(r'adapted\(call, "(\w+)"', source))
        assert kernels, module.__name__
        for kernel in kernels:
            assert (CMSIS_KERNELS / f"{kernel}.c").is_file() and \
                (CMSIS_KERNELS / f"{kernel}.h").is_file(), kernel


def _folder(root: Path) -> Path:
    """The headers as a generated folder has them, the cmsis_nn ones under kernels/cmsis_nn/."""
    for header in INCLUDE_DIR.glob("*.h"):
        shutil.copyfile(header, root / header.name)
    (root / "mf_limits.h").write_text(render_limits_header(__version__))
    (root / "kernels" / "cmsis_nn").mkdir(parents=True)
    for f in CMSIS_KERNELS.glob("*.[ch]"):
        shutil.copyfile(f, root / "kernels" / "cmsis_nn" / f.name)
    return root


TARGETS = [
    pytest.param(("gcc", (), 8), id="host", marks=pytest.mark.host),
    pytest.param(("arm-none-eabi-gcc", ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft"), 4),
                 id="cortex-m4", marks=pytest.mark.cross),
]


def _attr(die, name: str):
    attr = die.attributes.get(name)
    return None if attr is None else attr.value


def _type_size(die) -> int:
    if die.tag in ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type"):
        return _type_size(die.get_DIE_from_attribute("DW_AT_type"))
    if die.tag == "DW_TAG_array_type":
        count = 1
        for sub in die.iter_children():
            if sub.tag == "DW_TAG_subrange_type":
                count *= (_attr(sub, "DW_AT_count") if "DW_AT_count" in sub.attributes
                          else _attr(sub, "DW_AT_upper_bound") + 1)
        return count * _type_size(die.get_DIE_from_attribute("DW_AT_type"))
    if die.tag == "DW_TAG_pointer_type" and "DW_AT_byte_size" not in die.attributes:
        return die.cu["address_size"]
    return _attr(die, "DW_AT_byte_size")


def _read(obj: Path, names: set[str]) -> dict[str, tuple[int, list[tuple[str, int]]]]:
    from elftools.elf.elffile import ELFFile

    found = {}
    with obj.open("rb") as f:
        for cu in ELFFile(f).get_dwarf_info().iter_CUs():
            for die in cu.iter_DIEs():
                if die.tag != "DW_TAG_typedef" or _attr(die, "DW_AT_name").decode() not in names:
                    continue
                struct = die.get_DIE_from_attribute("DW_AT_type")
                members = [(_attr(m, "DW_AT_name").decode(),
                            _type_size(m.get_DIE_from_attribute("DW_AT_type")))
                           for m in struct.iter_children() if m.tag == "DW_TAG_member"]
                found[_attr(die, "DW_AT_name").decode()] = (_attr(struct, "DW_AT_byte_size"),
                                                            members)
    return found


@pytest.fixture(scope="module", params=TARGETS)
def compiled(request, tmp_path_factory):
    cc, flags, pointer_bytes = request.param
    require_tool(cc)
    require_module("elftools")
    root = _folder(tmp_path_factory.mktemp("cmsis-layout"))
    source = root / "layout.c"
    source.write_text("".join(f'#include "kernels/cmsis_nn/{h.name}"\n'
                              for h in sorted(CMSIS_KERNELS.glob("*.h")))
                      + "".join(f"{n} mf_layout_{n};\n" for n in sorted(STRUCTS)))
    obj = root / "layout.o"
    cmd = [cc, "-std=c99", "-g", "-O0", "-c", *flags, f"-I{root}",
           *[f"-I{p}" for p in include_dirs(ct.cmsis_trees())], str(source), "-o", str(obj)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return pointer_bytes, _read(obj, set(STRUCTS))


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_struct_layout_matches_c(name: str, compiled):
    pointer_bytes, structs = compiled
    cls = STRUCTS[name]
    assert name in structs, f"{name}: not in the compiled headers"
    size, members = structs[name]
    assert members == params.c_layout(cls, pointer_bytes), name
    assert size == params.struct_size(cls, pointer_bytes), name


# ---- the wrappers compile for every CMSIS-NN path, without a warning ----

CORES = {
    "cortex-m3": ("-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"),
    "cortex-m4": ("-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"),
    "cortex-m55": ("-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"),
}
CORE_PATH = {"cortex-m3": 0, "cortex-m4": 1, "cortex-m55": 2}


def _compile(cc: str, flags, source: Path, root: Path, extra=()) -> subprocess.CompletedProcess:
    cmd = [cc, *flags, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", *extra, f"-I{root}",
           *[f"-I{p}" for p in include_dirs(ct.cmsis_trees())], "-c", str(source), "-o",
           str(root / (source.stem + ".o"))]
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.mark.cross
@pytest.mark.parametrize("core", sorted(CORES))
def test_wrappers_compile_without_warnings(core: str, tmp_path: Path):
    cc = require_tool("arm-none-eabi-gcc")
    root = _folder(tmp_path)
    for source in sorted((root / "kernels" / "cmsis_nn").glob("*.c")):
        run = _compile(cc, CORES[core], source, root,
                       [f"-DMF_CMSIS_NN_ISA={CORE_PATH[core]}"])
        assert run.returncode == 0, f"{source.name} for {core}:\n{run.stderr}"


@pytest.mark.host
def test_wrappers_compile_without_warnings_on_the_host(tmp_path: Path, host_cc: str):
    root = _folder(tmp_path)
    for source in sorted((root / "kernels" / "cmsis_nn").glob("*.c")):
        run = _compile(host_cc, (), source, root, ["-DMF_CMSIS_NN_ISA=0"])
        assert run.returncode == 0, f"{source.name}:\n{run.stderr}"


@pytest.mark.cross
@pytest.mark.parametrize("core,isa", [("cortex-m55", 1), ("cortex-m4", 2), ("cortex-m3", 1)])
def test_a_build_for_another_path_stops(core: str, isa: int, tmp_path: Path):
    """Scratch sized for one CMSIS-NN path is too small for another: a build that defines
    MF_CMSIS_NN_ISA for the path the model was generated for fails on a core taking another."""
    cc = require_tool("arm-none-eabi-gcc")
    root = _folder(tmp_path)
    run = _compile(cc, CORES[core], root / "kernels" / "cmsis_nn" / "conv2d.c", root,
                   [f"-DMF_CMSIS_NN_ISA={isa}"])
    assert run.returncode != 0 and "MF_CMSIS_NN_ISA" in run.stderr

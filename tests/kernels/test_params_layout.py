"""The C params structs (firmware/kernels/<kernel>.h, mf_dims in firmware/include/) and their
Python mirrors (the CStruct dataclasses of mcuforge.compile.ops.<op> and
mcuforge.compile.params.Dims) cannot drift apart.

A small C file that includes every kernel header and defines one object of each struct type is
compiled with ``-g -c``, once for the host (8-byte pointers) and once for a Cortex-M4 (4-byte
pointers). The structs are read back from the object's DWARF (pyelftools) and compared, struct by
struct, with ``params.c_layout`` (field names, order and sizes) and ``params.struct_size``. A
struct declared on one side only fails ``test_every_c_params_struct_has_a_python_mirror``.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

import mcuforge.compile.ops as ops_package
from conftest import require_module, require_tool
from mcuforge import __version__
from mcuforge.compile import params
from mcuforge.compile.limits import render_limits_header
from mcuforge.resources import INCLUDE_DIR, KERNELS_DIR

# ---------------------------------------------------------------------------------------------
# the Python side


def _nested_structs(cls: type) -> list[type]:
    found = [cls]
    for _, spec in params.c_fields(cls):
        if spec.kind == "struct":
            found.extend(_nested_structs(spec.struct))
    return found


def _op_modules() -> list:
    """Every lowering module of mcuforge.compile.ops (those that declare OPCODES)."""
    modules = []
    for info in sorted(pkgutil.iter_modules(ops_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{ops_package.__name__}.{info.name}")
        if hasattr(module, "OPCODES"):
            modules.append(module)
    return modules


def _module_structs(module) -> list[type]:
    """The CStruct dataclasses a lowering module defines (not the ones it imports)."""
    return [obj for obj in vars(module).values()
            if isinstance(obj, type) and dataclasses.is_dataclass(obj)
            and issubclass(obj, params.CStruct) and obj.__module__ == module.__name__]


def python_structs() -> dict[str, type]:
    """C typedef name -> dataclass, for every params struct reachable from the lowerings, with
    the structs they nest (mf_dims) and mcuforge.compile.params.Dims."""
    found: dict[str, type] = {}
    for cls in [c for m in _op_modules() for c in _module_structs(m)] + [params.Dims]:
        for struct in _nested_structs(cls):
            other = found.setdefault(struct.C_TYPE, struct)
            assert other is struct, f"{struct.C_TYPE} is mirrored by {other} and {struct}"
    return found


STRUCTS = python_structs()

# ---------------------------------------------------------------------------------------------
# the C side: headers


_PARAMS_TYPEDEF = re.compile(r"typedef\s+struct\s*\{[^{}]*\}\s*(mf_\w+_params)\s*;")


def header_structs() -> dict[str, str]:
    """Every ``typedef struct {...} mf_*_params;`` in firmware/kernels/*.h -> its header."""
    found: dict[str, str] = {}
    for header in sorted(KERNELS_DIR.glob("*.h")):
        for name in _PARAMS_TYPEDEF.findall(header.read_text()):
            assert name not in found, f"{name} is declared in {found.get(name)} and {header.name}"
            found[name] = header.name
    return found


def test_lowering_modules_define_params():
    """Every lowering module mirrors at least one C params struct (else the layout test below
    would silently check nothing for it)."""
    empty = [m.__name__ for m in _op_modules() if not _module_structs(m)]
    assert _op_modules() and not empty, f"lowering modules without a CStruct dataclass: {empty}"


def test_every_c_params_struct_has_a_python_mirror():
    in_c = header_structs()
    in_python = {name for name in STRUCTS if name != params.Dims.C_TYPE}
    only_c = sorted(set(in_c) - in_python)
    only_python = sorted(in_python - set(in_c))
    assert not only_c and not only_python, (
        "params structs declared on one side only:\n"
        + "".join(f"  {n} ({in_c[n]}): no CStruct dataclass in mcuforge.compile.ops\n"
                  for n in only_c)
        + "".join(f"  {n} ({STRUCTS[n].__module__}.{STRUCTS[n].__name__}): no typedef in "
                  f"firmware/kernels/*.h\n" for n in only_python))


# ---------------------------------------------------------------------------------------------
# the C side: compiled, read back from DWARF


@dataclass(frozen=True)
class Target:
    id: str
    compilers: tuple[str, ...]
    flags: tuple[str, ...]
    pointer_bytes: int


TARGETS = [
    pytest.param(Target("host", ("gcc", "cc"), (), 8), id="host", marks=pytest.mark.host),
    pytest.param(Target("cortex-m4", ("arm-none-eabi-gcc",),
                        ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft"), 4),
                 id="cortex-m4", marks=pytest.mark.cross),
]


@dataclass(frozen=True)
class Member:
    name: str
    offset: int
    size: int


@dataclass(frozen=True)
class CompiledStruct:
    name: str
    size: int
    members: tuple[Member, ...]


def _include_folder(root: Path) -> Path:
    """The headers as a generated folder lays them out: firmware/include/*.h and mf_limits.h at
    the top, the kernel headers under kernels/."""
    for header in INCLUDE_DIR.glob("*.h"):
        shutil.copyfile(header, root / header.name)
    (root / "mf_limits.h").write_text(render_limits_header(__version__))
    (root / "kernels").mkdir()
    for header in KERNELS_DIR.glob("*.h"):
        shutil.copyfile(header, root / "kernels" / header.name)
    return root


def _layout_source() -> str:
    lines = ["/* every params struct, for the DWARF layout test */"]
    lines += [f'#include "kernels/{h.name}"' for h in sorted(KERNELS_DIR.glob("*.h"))]
    lines += [f"{name} mf_layout_{name};" for name in sorted(STRUCTS)]
    return "\n".join(lines) + "\n"


def _attr(die, name: str):
    attr = die.attributes.get(name)
    return None if attr is None else attr.value


def _type_size(die) -> int:
    """sizeof the type ``die`` names, through typedefs, qualifiers and arrays."""
    if die.tag in ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type",
                   "DW_TAG_restrict_type"):
        return _type_size(die.get_DIE_from_attribute("DW_AT_type"))
    if die.tag == "DW_TAG_array_type":
        count = 1
        for sub in die.iter_children():
            if sub.tag != "DW_TAG_subrange_type":
                continue
            if "DW_AT_count" in sub.attributes:
                count *= _attr(sub, "DW_AT_count")
            else:
                count *= _attr(sub, "DW_AT_upper_bound") - (_attr(sub, "DW_AT_lower_bound") or 0) + 1
        return count * _type_size(die.get_DIE_from_attribute("DW_AT_type"))
    if die.tag == "DW_TAG_pointer_type" and "DW_AT_byte_size" not in die.attributes:
        return die.cu["address_size"]
    size = _attr(die, "DW_AT_byte_size")
    assert size is not None, f"no size for DWARF {die.tag} at {die.offset}"
    return size


def _member_offset(die) -> int:
    loc = _attr(die, "DW_AT_data_member_location")
    if isinstance(loc, int):
        return loc
    # DWARF 2/3 style: a location expression DW_OP_plus_uconst <offset>
    assert loc and loc[0] == 0x23, f"member location {loc!r}"
    value, shift = 0, 0
    for byte in loc[1:]:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value


def _read_structs(obj: Path, names: set[str]) -> tuple[dict[str, CompiledStruct], int]:
    """The structs behind the typedefs ``names`` in ``obj``'s DWARF, and its pointer size."""
    from elftools.elf.elffile import ELFFile

    found: dict[str, CompiledStruct] = {}
    pointer_sizes = set()
    with obj.open("rb") as f:
        elf = ELFFile(f)
        assert elf.has_dwarf_info(), f"{obj}: no DWARF"
        for cu in elf.get_dwarf_info().iter_CUs():
            pointer_sizes.add(cu["address_size"])
            for die in cu.iter_DIEs():
                if die.tag == "DW_TAG_pointer_type" and "DW_AT_byte_size" in die.attributes:
                    pointer_sizes.add(_attr(die, "DW_AT_byte_size"))
                if die.tag != "DW_TAG_typedef":
                    continue
                name = _attr(die, "DW_AT_name").decode()
                if name not in names:
                    continue
                struct = die.get_DIE_from_attribute("DW_AT_type")
                assert struct.tag == "DW_TAG_structure_type", f"{name} is a {struct.tag}"
                members = tuple(
                    Member(_attr(m, "DW_AT_name").decode(), _member_offset(m),
                           _type_size(m.get_DIE_from_attribute("DW_AT_type")))
                    for m in struct.iter_children() if m.tag == "DW_TAG_member")
                found[name] = CompiledStruct(name, _attr(struct, "DW_AT_byte_size"), members)
    assert len(pointer_sizes) == 1, f"{obj}: pointer sizes {pointer_sizes}"
    return found, pointer_sizes.pop()


@pytest.fixture(scope="module", params=TARGETS)
def compiled(request, tmp_path_factory) -> tuple[Target, dict[str, CompiledStruct]]:
    """Every params struct as ``target``'s compiler laid it out."""
    target: Target = request.param
    cc = require_tool(*target.compilers)
    require_module("elftools")
    root = _include_folder(tmp_path_factory.mktemp(f"layout-{target.id}"))
    source = root / "layout.c"
    source.write_text(_layout_source())
    obj = root / "layout.o"
    cmd = [cc, "-std=c99", "-g", "-O0", "-c", *target.flags, "-I", str(root), str(source),
           "-o", str(obj)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 0, f"{' '.join(cmd)} failed:\n{run.stderr}"
    structs, pointer_bytes = _read_structs(obj, set(STRUCTS))
    assert pointer_bytes == target.pointer_bytes, (
        f"{cc} {' '.join(target.flags)} has {pointer_bytes}-byte pointers; this target expects "
        f"{target.pointer_bytes}")
    return target, structs


def _explain(name: str, cls: type, pointer_bytes: int, compiled: CompiledStruct | None) -> str:
    python = params.c_layout(cls, pointer_bytes)
    c = [(m.name, m.size) for m in compiled.members] if compiled else []
    rows = [f"{name}: {cls.__module__}.{cls.__name__} vs the compiled C "
            f"({pointer_bytes}-byte pointers)",
            f"  {'Python field':<24}{'bytes':>6}    {'C member':<24}{'bytes':>6}{'offset':>8}"]
    for k in range(max(len(python), len(c))):
        left = f"{python[k][0]:<24}{python[k][1]:>6}" if k < len(python) else " " * 30
        if k < len(c):
            m = compiled.members[k]
            right = f"{m.name:<24}{m.size:>6}{m.offset:>8}"
        else:
            right = ""
        mark = "  " if k < len(python) and k < len(c) and python[k] == c[k] else "!!"
        rows.append(f"{mark}{left}    {right}")
    rows.append(f"  {'sizeof (struct_size)':<24}{params.struct_size(cls, pointer_bytes):>6}    "
                f"{'sizeof (DWARF)':<24}{compiled.size if compiled else '-':>6}")
    return "\n".join(rows)


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_struct_layout_matches_c(name: str, compiled):
    target, structs = compiled
    cls = STRUCTS[name]
    found = structs.get(name)
    explanation = _explain(name, cls, target.pointer_bytes, found)
    assert found is not None, f"{name}: no such typedef in the compiled headers\n{explanation}"
    c = [(m.name, m.size) for m in found.members]
    assert c == params.c_layout(cls, target.pointer_bytes), (
        f"fields differ ({target.id})\n{explanation}")
    assert found.size == params.struct_size(cls, target.pointer_bytes), (
        f"sizeof differs ({target.id})\n{explanation}")

"""Kernel parameters as typed dataclasses: the Python side of every C params struct.

Each kernel's params struct is declared in C (``firmware/kernels/<op>.h``, with its doc comment:
ranges, layouts, invariants) and mirrored here by a frozen dataclass whose fields are in the same
order with the same names. Lowerings return these dataclasses; codegen formats them as C
designated initializers (``render_initializer``); a test reads the compiled structs back from the
DWARF of an object file and compares names, order and sizes with ``c_layout`` (so the two sides
cannot drift).

A field's C type is given by its ``field(metadata=...)`` helper:

    i32()              int32_t
    i32_array(n)       int32_t name[n]         value: a sequence of at most n ints (rest 0)
    nested(Cls)        a nested struct          value: a Cls instance
    const_ptr(c_type)  const c_type *           value: a ConstArray of that type, or None (NULL)
    arena_ptr(c_type)  c_type * into the arena  value: an ArenaRef, placed by the planner

A pointer field whose C declaration drops the const (CMSIS-NN's quantization params do) says so
with ``const_ptr(c_type, cast=True)``: the initializer then casts the constant array.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..cformat import c_int
from .program import ArenaRef, ConstArray

_C = "c"   # metadata key


@dataclass(frozen=True)
class CField:
    """How one field is declared in C."""

    kind: str                 # "int32" | "array" | "struct" | "const_ptr" | "arena_ptr"
    c_type: str               # element type ("int32_t", "int8_t", or the nested struct's type)
    count: int = 1            # array length
    struct: type[CStruct] | None = None
    cast: bool = False        # const_ptr into a field declared without const

    def size(self, pointer_bytes: int) -> int:
        if self.kind in ("const_ptr", "arena_ptr"):
            return pointer_bytes
        if self.kind == "struct":
            assert self.struct is not None
            return struct_size(self.struct, pointer_bytes)
        return 4 * self.count


def i32() -> Any:
    return dataclasses.field(metadata={_C: CField("int32", "int32_t")})


def i32_array(count: int) -> Any:
    return dataclasses.field(metadata={_C: CField("array", "int32_t", count=count)})


def nested(struct: type[CStruct]) -> Any:
    return dataclasses.field(metadata={_C: CField("struct", struct.C_TYPE, struct=struct)})


def const_ptr(c_type: str, cast: bool = False) -> Any:
    return dataclasses.field(metadata={_C: CField("const_ptr", c_type, cast=cast)})


def arena_ptr(c_type: str) -> Any:
    return dataclasses.field(metadata={_C: CField("arena_ptr", c_type)})


class CStruct:
    """Base of every dataclass that mirrors a C struct; ``C_TYPE`` is the C typedef name."""

    C_TYPE: ClassVar[str]


def c_fields(cls: type) -> list[tuple[str, CField]]:
    """(name, C declaration) of each field, in declaration (= C) order."""
    out = []
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(_C)
        if spec is None:
            raise TypeError(f"{cls.__name__}.{f.name} has no C type (use i32(), nested(), ...)")
        out.append((f.name, spec))
    return out


def struct_size(cls: type, pointer_bytes: int) -> int:
    """sizeof the C struct on a target with ``pointer_bytes`` pointers: every field is 4-byte
    int32 data or a pointer, so the only padding is to the pointer alignment."""
    offset = 0
    for _, spec in c_fields(cls):
        align = pointer_bytes if spec.kind in ("const_ptr", "arena_ptr") or (
            spec.kind == "struct" and _has_pointer(spec.struct)) else 4
        offset = (offset + align - 1) // align * align + spec.size(pointer_bytes)
    align = pointer_bytes if _has_pointer(cls) else 4
    return (offset + align - 1) // align * align


def _has_pointer(cls: type | None) -> bool:
    assert cls is not None
    return any(s.kind in ("const_ptr", "arena_ptr") or (s.kind == "struct" and _has_pointer(s.struct))
               for _, s in c_fields(cls))


def c_layout(cls: type, pointer_bytes: int) -> list[tuple[str, int]]:
    """(field name, size in bytes) in order: what the DWARF test compares with the compiled C."""
    return [(name, spec.size(pointer_bytes)) for name, spec in c_fields(cls)]


def constants_of(params: CStruct) -> list[ConstArray]:
    """Every ConstArray a params value points to, nested structs included, in field order."""
    found: list[ConstArray] = []
    for name, spec in c_fields(type(params)):
        value = getattr(params, name)
        if spec.kind == "const_ptr" and value is not None:
            found.append(value)
        elif spec.kind == "struct":
            found.extend(constants_of(value))
    return found


def render_initializer(params: CStruct, arena_address: Callable[[ArenaRef], str],
                       indent: str = "    ") -> list[str]:
    """The lines of a designated initializer's body (``.field = value,``) for ``params``;
    ``arena_address`` spells an ArenaRef (e.g. ``arena + 1024``) once the planner placed it."""
    lines = []
    for name, spec in c_fields(type(params)):
        value = getattr(params, name)
        if spec.kind == "struct" and all(f.kind == "int32" for _, f in c_fields(type(value))):
            inline = ", ".join(f".{n} = {c_int(getattr(value, n))}" for n, _ in c_fields(type(value)))
            lines.append(f"{indent}.{name} = {{{inline}}},")
        elif spec.kind == "struct":
            lines.append(f"{indent}.{name} = {{")
            lines.extend(render_initializer(value, arena_address, indent + "    "))
            lines.append(f"{indent}}},")
        else:
            lines.append(f"{indent}.{name} = {_scalar(spec, value, arena_address, name)},")
    return lines


def _scalar(spec: CField, value: Any, arena_address: Callable[[ArenaRef], str], name: str) -> str:
    if spec.kind == "int32":
        return c_int(value)
    if spec.kind == "array":
        values = list(value)
        if len(values) > spec.count:
            raise ValueError(f"{name}: {len(values)} values for int32_t[{spec.count}]")
        return "{" + ", ".join(c_int(v) for v in values) + "}" if values else "{0}"
    if spec.kind == "const_ptr":
        if value is None:
            return "NULL"
        if value.c_type != spec.c_type:
            raise TypeError(f"{name}: a {value.c_type} array for a const {spec.c_type} * field")
        return f"({spec.c_type} *){value.name}" if spec.cast else value.name
    if spec.kind == "arena_ptr":
        if not isinstance(value, ArenaRef):
            raise TypeError(f"{name}: an arena pointer needs an ArenaRef, got {value!r}")
        return arena_address(value)
    raise AssertionError(spec.kind)


def check_values(params: CStruct) -> None:
    """Fails (TypeError/ValueError) when a value does not fit its C field: wrong kind, an array
    too long, an int outside int32. Codegen calls it for every call before rendering."""
    for name, spec in c_fields(type(params)):
        value = getattr(params, name)
        if spec.kind == "int32":
            _check_int32(name, value)
        elif spec.kind == "array":
            if not isinstance(value, Sequence) or len(value) > spec.count:
                raise ValueError(f"{type(params).__name__}.{name}: not a sequence of at most "
                                 f"{spec.count} ints: {value!r}")
            for v in value:
                _check_int32(name, v)
        elif spec.kind == "struct":
            assert spec.struct is not None   # nested() always sets it
            if not isinstance(value, spec.struct):
                raise TypeError(f"{type(params).__name__}.{name}: expected {spec.c_type}")
            check_values(value)


def _check_int32(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not -2**31 <= value < 2**31:
        raise ValueError(f"{name}: {value!r} is not an int32 value")


# ---- structs shared by many kernels (firmware/include/mcuforge_kernels.h) ----

@dataclass(frozen=True)
class Dims(CStruct):
    """mf_dims: extents of an NHWC tensor (or OHWI filter: n = output channels, c = input
    channels)."""

    C_TYPE: ClassVar[str] = "mf_dims"
    n: int = i32()
    h: int = i32()
    w: int = i32()
    c: int = i32()

    @classmethod
    def of(cls, shape: Sequence[int]) -> Dims:
        n, h, w, c = (int(d) for d in shape)
        return cls(n, h, w, c)

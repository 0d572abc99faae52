"""A minimal, bounds-checked FlatBuffers reader (just what reading a .tflite needs).

FlatBuffers layout, as far as it matters here (all integers little-endian):

- byte 0: ``uoffset`` (u32) to the root table; bytes 4-7: the optional file identifier;
- a table at position ``t`` starts with an ``soffset`` (i32); its vtable is at ``t - soffset``;
- a vtable is ``u16 vtable_bytes, u16 table_bytes, u16 field_offset[n]``: field ``i`` lives at
  ``t + field_offset[i]``, or is absent (schema default) when the entry is 0 or beyond ``n``;
- fields referring to tables, vectors and strings hold a ``uoffset`` relative to the field itself;
- a vector is ``u32 length`` followed by its elements (tables are stored as uoffsets relative to
  each element); a string is a byte vector followed by a NUL;
- a union is two fields: a u8 type tag at id ``i`` and the table offset at id ``i + 1``.

Every position, length and size is checked against the buffer before use, with the alignment the
official FlatBuffers verifier requires (4 for tables, offsets and vector lengths, 2 for vtables).
Any violation raises ``ModelFileError`` with a message naming the file and the object being read,
so a truncated or corrupted file never surfaces as ``IndexError`` or ``struct.error``.
"""

from __future__ import annotations

import struct

import numpy as np

from ..errors import ModelFileError

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")

# struct format per numpy-style scalar code used by Table.scalar
_SCALARS = {
    "b": struct.Struct("<b"), "B": struct.Struct("<B"), "?": struct.Struct("<?"),
    "h": struct.Struct("<h"), "H": struct.Struct("<H"),
    "i": struct.Struct("<i"), "I": struct.Struct("<I"),
    "q": struct.Struct("<q"), "Q": struct.Struct("<Q"),
    "f": struct.Struct("<f"), "d": struct.Struct("<d"),
}

_MAX_SOFFSET = 2**31 - 1


class FlatBuffer:
    """An immutable byte buffer with the name of the file it came from (for messages)."""

    __slots__ = ("data", "size", "name")

    def __init__(self, data: bytes, name: str):
        self.data = bytes(data)  # no copy for bytes; an immutable snapshot of anything else
        self.size = len(self.data)
        self.name = name

    # ---- errors ----

    def corrupt(self, message: str) -> ModelFileError:
        return ModelFileError(f"{self.name}: truncated or corrupt: {message}")

    def check_range(self, start: int, length: int, what: str) -> None:
        """Raise unless bytes [start, start + length) lie inside the buffer."""
        if start < 0 or length < 0:
            raise self.corrupt(f"{what} has a negative position or length")
        end = start + length
        if end > self.size:
            raise self.corrupt(f"{what} ends at byte {end}, file has {self.size} bytes")

    def check_align(self, pos: int, alignment: int, what: str) -> None:
        if pos % alignment:
            raise self.corrupt(f"{what} at byte {pos} is not {alignment}-byte aligned")

    # ---- raw reads (checked) ----

    def u32(self, pos: int, what: str) -> int:
        self.check_range(pos, 4, what)
        return _U32.unpack_from(self.data, pos)[0]

    def identifier(self) -> bytes:
        """The 4-byte file identifier (bytes 4-7), or fewer bytes if the buffer is that short."""
        return self.data[4:8]

    def root(self, what: str = "root table") -> Table:
        offset = self.u32(0, "root table offset")
        return Table(self, self.follow(0, offset, what), what)

    def follow(self, pos: int, offset: int, what: str) -> int:
        """Target of the uoffset ``offset`` stored at ``pos``, checked to lie inside the buffer."""
        if offset == 0 or offset > _MAX_SOFFSET:
            raise self.corrupt(f"{what}: invalid offset {offset} at byte {pos}")
        target = pos + offset
        if target >= self.size:
            raise self.corrupt(f"{what} starts at byte {target}, file has {self.size} bytes")
        return target


class Table:
    """A table at a known position whose vtable has been checked.

    ``what`` names the table in messages ("tensor 7", "operator 3's builtin options").
    Field ids are the 0-based declaration order in the schema (unions take two ids).
    """

    __slots__ = ("fb", "pos", "what", "_vt", "_nfields", "_tsize")

    def __init__(self, fb: FlatBuffer, pos: int, what: str):
        self.fb = fb
        self.pos = pos
        self.what = what
        fb.check_align(pos, 4, what)
        fb.check_range(pos, 4, what)
        soffset = _I32.unpack_from(fb.data, pos)[0]
        vt = pos - soffset
        vwhat = f"{what}'s vtable"
        if vt < 0:
            raise fb.corrupt(f"{vwhat} would start at byte {vt}, before the start of the file")
        fb.check_align(vt, 2, vwhat)
        fb.check_range(vt, 4, vwhat)
        vt_size, t_size = struct.unpack_from("<HH", fb.data, vt)
        if vt_size < 4 or vt_size % 2:
            raise fb.corrupt(f"{vwhat} at byte {vt} has an invalid size of {vt_size} bytes")
        fb.check_range(vt, vt_size, vwhat)
        if t_size < 4:
            raise fb.corrupt(f"{what} at byte {pos} has an invalid size of {t_size} bytes")
        fb.check_range(pos, t_size, what)
        self._vt = vt
        self._nfields = (vt_size - 4) // 2
        self._tsize = t_size

    # ---- fields ----

    def _field(self, field_id: int, size: int, name: str) -> int:
        """Absolute position of a present field of ``size`` bytes, or 0 if it is absent."""
        if field_id >= self._nfields:
            return 0
        rel = _U16.unpack_from(self.fb.data, self._vt + 4 + 2 * field_id)[0]
        if rel == 0:
            return 0
        if rel < 4 or rel + size > self._tsize:
            raise self.fb.corrupt(
                f"{self.what}'s field '{name}' at offset {rel} lies outside the table "
                f"({self._tsize} bytes)")
        return self.pos + rel

    def has(self, field_id: int) -> bool:
        if field_id >= self._nfields:
            return False
        return _U16.unpack_from(self.fb.data, self._vt + 4 + 2 * field_id)[0] != 0

    def scalar(self, field_id: int, code: str, default, name: str):
        """A scalar field; ``code`` is a struct code: b B ? h H i I q Q f d."""
        st = _SCALARS[code]
        pos = self._field(field_id, st.size, name)
        if not pos:
            return default
        return st.unpack_from(self.fb.data, pos)[0]

    def _offset_target(self, field_id: int, name: str, kind: str) -> int:
        pos = self._field(field_id, 4, name)
        if not pos:
            return 0
        what = f"{self.what}'s {name} {kind}"
        self.fb.check_align(pos, 4, f"{self.what}'s offset to {name}")
        return self.fb.follow(pos, _U32.unpack_from(self.fb.data, pos)[0], what)

    def table(self, field_id: int, name: str, what: str | None = None) -> Table | None:
        """A sub-table, or None if the field is absent."""
        target = self._offset_target(field_id, name, "table")
        if not target:
            return None
        return Table(self.fb, target, what or f"{self.what}'s {name}")

    def _vector_header(self, field_id: int, name: str, kind: str) -> tuple[int, int] | None:
        """(position of the first element, length) of a vector field, or None if absent."""
        target = self._offset_target(field_id, name, kind)
        if not target:
            return None
        what = f"{self.what}'s {name} {kind}"
        self.fb.check_align(target, 4, what)
        self.fb.check_range(target, 4, what)
        return target + 4, _U32.unpack_from(self.fb.data, target)[0]

    def vector(self, field_id: int, dtype: str, name: str) -> np.ndarray | None:
        """A vector of scalars as a read-only numpy view (``dtype`` like "<i4"), None if absent."""
        header = self._vector_header(field_id, name, "vector")
        if header is None:
            return None
        start, length = header
        dt = np.dtype(dtype)
        self.fb.check_range(start, length * dt.itemsize, f"{self.what}'s {name} vector")
        return np.frombuffer(self.fb.data, dtype=dt, count=length, offset=start)

    def byte_span(self, field_id: int, name: str) -> tuple[int, int] | None:
        """(start, length) of a [ubyte] vector, checked, without making a view; None if absent."""
        header = self._vector_header(field_id, name, "vector")
        if header is None:
            return None
        start, length = header
        self.fb.check_range(start, length, f"{self.what}'s {name} vector")
        return start, length

    def string(self, field_id: int, name: str) -> str | None:
        """A UTF-8 string field, or None if absent."""
        header = self._vector_header(field_id, name, "string")
        if header is None:
            return None
        start, length = header
        what = f"{self.what}'s {name} string"
        self.fb.check_range(start, length + 1, what)  # + the terminating NUL
        if self.fb.data[start + length] != 0:
            raise self.fb.corrupt(f"{what} at byte {start - 4} is not NUL-terminated")
        try:
            return self.fb.data[start:start + length].decode("utf-8")
        except UnicodeDecodeError:
            raise self.fb.corrupt(f"{what} at byte {start - 4} is not valid UTF-8") from None

    def tables(self, field_id: int, name: str, item: str) -> list[Table] | None:
        """A vector of tables, or None if absent. ``item`` names one element, e.g. "tensor {}"."""
        header = self._vector_header(field_id, name, "vector")
        if header is None:
            return None
        start, length = header
        self.fb.check_range(start, 4 * length, f"{self.what}'s {name} vector")
        offsets = np.frombuffer(self.fb.data, dtype="<u4", count=length, offset=start).tolist()
        result = []
        for i, off in enumerate(offsets):
            what = item.format(i)
            pos = start + 4 * i
            result.append(Table(self.fb, self.fb.follow(pos, off, what), what))
        return result

    def union(self, type_field_id: int, name: str,
              what: str | None = None) -> tuple[int, Table | None]:
        """(type tag, table) of a union whose tag has id ``type_field_id``; (0, None) if absent."""
        tag = self.scalar(type_field_id, "B", 0, f"{name}_type")
        if tag == 0:
            return 0, None
        return tag, self.table(type_field_id + 1, name, what)

"""Options of the ops of shape arithmetic (what ``compile.fold`` evaluates at generation time)
that no other module parses: SHAPE, CAST, DIV and REDUCE_PROD. (STRIDED_SLICE, PACK, UNPACK,
GATHER and SQUEEZE are parsed by ``movement``, MUL and SUB by ``binary``; FLOOR_DIV, FILL, RANGE,
SLICE, TRANSPOSE and EXPAND_DIMS have empty options tables.)

These are *fallback* parsers: the module deliberately declares no ``PARSERS``, so it never
competes with a module that lowers one of these ops as a kernel and parses its options (the
registry in ``options/__init__`` refuses two parsers for one op). The reader uses
``FALLBACK_PARSERS[op]`` only for an op that no ``PARSERS`` entry covers; ``compile.fold`` reads
the option values by their schema field names (``keep_dims``, ``activation``, ...), so it works
with whichever module's dataclasses the reader produced.

Field ids and union tags are those of the TFLite schema (schema.fbs: ``table ShapeOptions`` etc.
and their places in ``union BuiltinOptions``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ModelFileError
from ..graph import Activation, DType, ReducerOptions
from . import activation


@dataclass(frozen=True)
class ShapeOptions:
    out_type: DType = DType.INT32


@dataclass(frozen=True)
class CastOptions:
    in_data_type: DType | None = None    # None: not written (the tensors' types decide)
    out_data_type: DType | None = None


@dataclass(frozen=True)
class DivOptions:
    activation: Activation = Activation.NONE


_DTYPES = {d.value: d for d in DType}


def _dtype(code: int, field: str, where: str, file: str) -> DType:
    dtype = _DTYPES.get(code)
    if dtype is None:
        raise ModelFileError(f"{file}: {where}: {field} is tensor type {code}, which is not a "
                             "type mcuforge knows")
    return dtype


def _shape(t, where: str, file: str) -> ShapeOptions:
    # out_type
    return ShapeOptions(out_type=_dtype(t.scalar(0, "b", DType.INT32.value, "out_type"),
                                        "out_type", where, file))


def _cast(t, where: str, file: str) -> CastOptions:
    # in_data_type, out_data_type (absent in files from older converters)
    in_code = t.scalar(0, "b", None, "in_data_type")
    out_code = t.scalar(1, "b", None, "out_data_type")
    return CastOptions(
        in_data_type=None if in_code is None else _dtype(in_code, "in_data_type", where, file),
        out_data_type=None if out_code is None else _dtype(out_code, "out_data_type", where,
                                                           file))


def _div(t, where: str, file: str) -> DivOptions:
    # fused_activation_function
    return DivOptions(
        activation=activation(t.scalar(0, "b", 0, "fused_activation_function"), where, file))


def _reducer(t, where: str, file: str) -> ReducerOptions:
    # keep_dims
    return ReducerOptions(keep_dims=bool(t.scalar(0, "?", False, "keep_dims")))


# op name -> (BuiltinOptions union tag, options table name, parser, options table required),
# used by the reader for ops without a PARSERS entry (see the module docstring)
FALLBACK_PARSERS = {
    "SHAPE": (55, "ShapeOptions", _shape, False),
    "CAST": (37, "CastOptions", _cast, False),
    "DIV": (29, "DivOptions", _div, False),
    "REDUCE_PROD": (27, "ReducerOptions", _reducer, False),
}

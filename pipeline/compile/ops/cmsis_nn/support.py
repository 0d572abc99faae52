"""Helpers shared by the cmsis-nn adapters (no OPCODES: not an adapter)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from ....cmsis import BufferSizes, buffer_sizes, find_cmsis
from ...backends import Target
from ...params import CStruct, constants_of
from ...program import SCRATCH, ConstArray, KernelCall
from .types import NnContext, no_context

BACKEND = "cmsis_nn"        # KernelCall.backend: the folder firmware/kernels/cmsis_nn/
UINT16_MAX = 65535          # CMSIS-NN keeps many extents, strides and paddings in uint16_t


def sizes(target: Target) -> BufferSizes:
    """CMSIS-NN's buffer-size functions of the target's tree (from the target, else from
    $MCUFORGE_CMSIS_NN / $MCUFORGE_CMSIS_CORE)."""
    return buffer_sizes(find_cmsis(target.cmsis_nn, target.cmsis_core))


def scratch_context(size: int) -> NnContext:
    """The call's scratch slot as CMSIS-NN's context, or NULL, 0 when it needs none."""
    return NnContext(buf=SCRATCH, size=size) if size > 0 else no_context()


def above_uint16(values: Iterable[int]) -> int | None:
    """The first value CMSIS-NN's 16-bit fields cannot hold, else None."""
    for v in values:
        if not 0 <= int(v) <= UINT16_MAX:
            return int(v)
    return None


def const(call: KernelCall, what: str, c_type: str, values) -> ConstArray:
    """A new constant array of this call, ``op<index>_<what>``."""
    dtype = {"int8_t": np.int8, "int16_t": np.int16, "int32_t": np.int32}[c_type]
    return ConstArray(name=f"op{call.op_index}_{what}", c_type=c_type,
                      values=np.ascontiguousarray(values, dtype=dtype).reshape(-1))


def adapted(call: KernelCall, kernel: str, function: str, params: CStruct,
            scratch_bytes: int = 0) -> KernelCall:
    """The portable ``call`` turned into a call of the cmsis-nn wrapper ``function``."""
    return dataclasses.replace(call, kernel=kernel, function=function, params=params,
                               backend=BACKEND, constants=tuple(constants_of(params)),
                               scratch_bytes=int(scratch_bytes), note="")

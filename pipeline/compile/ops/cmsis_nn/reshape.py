"""RESHAPE -> mf_cmsis_copy_s8 (firmware/kernels/cmsis_nn/copy.c): arm_reshape_s8, a byte copy
between two separate arena slots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...params import CStruct, i32
from ...program import KernelCall
from ..reshape import CopyParams
from .support import adapted

OPCODES = ("RESHAPE",)


@dataclass(frozen=True)
class CmsisCopyParams(CStruct):
    """mf_cmsis_copy_params (firmware/kernels/cmsis_nn/copy.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_copy_params"
    size: int = i32()


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, CopyParams)
    return adapted(call, "copy", "mf_cmsis_copy_s8", CmsisCopyParams(size=p.size))

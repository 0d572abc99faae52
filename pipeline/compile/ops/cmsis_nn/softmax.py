"""SOFTMAX -> mf_cmsis_softmax_s8 (firmware/kernels/cmsis_nn/softmax.c): arm_softmax_s8, which
CMSIS-NN documents as bit-accurate with TFLite-Micro, with the portable lowering's multiplier,
shift and diff_min. Everything the portable lowering accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...params import CStruct, i32
from ...program import KernelCall
from ..softmax import SoftmaxParams
from .support import adapted

OPCODES = ("SOFTMAX",)


@dataclass(frozen=True)
class CmsisSoftmaxParams(CStruct):
    """mf_cmsis_softmax_params (firmware/kernels/cmsis_nn/softmax.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_softmax_params"
    num_rows: int = i32()
    row_size: int = i32()
    mult: int = i32()
    shift: int = i32()
    diff_min: int = i32()


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, SoftmaxParams)
    params = CmsisSoftmaxParams(num_rows=p.rows, row_size=p.depth, mult=p.input_multiplier,
                                shift=p.input_left_shift, diff_min=p.diff_min)
    return adapted(call, "softmax", "mf_cmsis_softmax_s8", params)

"""ADD -> mf_cmsis_add_s8 (firmware/kernels/cmsis_nn/add.c): arm_elementwise_add_s8.

Same-shape inputs only: arm_elementwise_add_s8 walks both inputs and the output as one vector,
so a broadcasting ADD keeps the portable kernel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...params import CStruct, i32
from ...program import KernelCall
from ..add import AddParams
from .support import adapted

OPCODES = ("ADD",)


@dataclass(frozen=True)
class CmsisAddParams(CStruct):
    """mf_cmsis_add_params (firmware/kernels/cmsis_nn/add.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_add_params"
    block_size: int = i32()
    input_1_offset: int = i32()
    input_1_mult: int = i32()
    input_1_shift: int = i32()
    input_2_offset: int = i32()
    input_2_mult: int = i32()
    input_2_shift: int = i32()
    left_shift: int = i32()
    out_offset: int = i32()
    out_mult: int = i32()
    out_shift: int = i32()
    out_activation_min: int = i32()
    out_activation_max: int = i32()


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, AddParams)
    # the lowering merged the dimensions: same-shape inputs leave one, read with stride 1
    if p.rank != 1 or p.input1_strides[0] != 1 or p.input2_strides[0] != 1:
        return Fallback("broadcasting ADD: arm_elementwise_add_s8 adds same-shape inputs only")
    if p.left_shift != 20:
        return Fallback(f"left shift {p.left_shift}: mf_cmsis_add_s8 takes TFLite's 20")
    params = CmsisAddParams(
        block_size=p.output_dims[0],
        input_1_offset=p.input1_offset, input_1_mult=p.input1_multiplier,
        input_1_shift=p.input1_shift,
        input_2_offset=p.input2_offset, input_2_mult=p.input2_multiplier,
        input_2_shift=p.input2_shift,
        left_shift=p.left_shift, out_offset=p.output_offset, out_mult=p.output_multiplier,
        out_shift=p.output_shift, out_activation_min=p.act_min, out_activation_max=p.act_max)
    return adapted(call, "add", "mf_cmsis_add_s8", params)

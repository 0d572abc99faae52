"""ADD -> mf_opt_add_dsp_s8 (firmware/kernels/optimized/add_dsp.c) on the DSP extension,
mf_opt_add_mve_s8 (add_mve.c) on Helium: element by element, both inputs of the output's shape
(after the portable lowering merged the dimensions into one). Broadcasting stays portable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

from ...backends import Fallback, Target
from ...params import CStruct, i32
from ...program import KernelCall
from ..add import AddParams
from . import common as cm

OPCODES = ("ADD",)


@dataclass(frozen=True)
class _AddFields(CStruct):
    size: int = i32()
    input1_offset: int = i32()
    input2_offset: int = i32()
    left_shift: int = i32()
    input1_multiplier: int = i32()
    input1_shift: int = i32()
    input2_multiplier: int = i32()
    input2_shift: int = i32()
    output_multiplier: int = i32()
    output_shift: int = i32()
    output_offset: int = i32()
    act_min: int = i32()
    act_max: int = i32()


@dataclass(frozen=True)
class OptAddDspParams(_AddFields):
    """mf_opt_add_dsp_params (firmware/kernels/optimized/add_dsp.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_add_dsp_params"


@dataclass(frozen=True)
class OptAddMveParams(_AddFields):
    """mf_opt_add_mve_params (firmware/kernels/optimized/add_mve.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_add_mve_params"


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    reason = cm.no_simd(target)
    if reason is not None:
        return reason
    p = cast(AddParams, call.params)   # the adapter of AddParams's opcodes
    if p.rank != 1 or p.input1_strides[0] != 1 or p.input2_strides[0] != 1:
        return Fallback("broadcasting ADD: the optimized ADD takes two inputs of the output's "
                        "shape")
    if max(p.input1_shift, p.input2_shift, p.output_shift) > 0 or not 0 <= p.left_shift <= 20:
        return Fallback("ADD rescaling with a left shift: the optimized ADD takes shifts <= 0")
    cls, kernel = (OptAddMveParams, "add_mve") if target.isa == "mve" else (OptAddDspParams,
                                                                           "add_dsp")
    params = cls(size=p.output_dims[0], input1_offset=p.input1_offset,
                 input2_offset=p.input2_offset, left_shift=p.left_shift,
                 input1_multiplier=p.input1_multiplier, input1_shift=p.input1_shift,
                 input2_multiplier=p.input2_multiplier, input2_shift=p.input2_shift,
                 output_multiplier=p.output_multiplier, output_shift=p.output_shift,
                 output_offset=p.output_offset, act_min=p.act_min, act_max=p.act_max)
    return cm.adapted(call, kernel, f"mf_opt_{kernel}_s8", params)

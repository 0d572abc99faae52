"""CONCATENATION -> mf_cmsis_concatenation_s8 (firmware/kernels/cmsis_nn/concatenation.c):
arm_concatenation_s8_x once per input, the concatenation seen as rows (the extents before the
axis) of the inputs' runs (the axis and what follows it).

CMSIS-NN takes the row count and the row lengths as uint16_t: more than 65,535 rows, or output
rows longer than 65,535 values, keep the portable kernel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...limits import CONCATENATION_MAX_INPUTS
from ...params import CStruct, i32, i32_array
from ...program import KernelCall
from ..concatenation import ConcatenationParams
from .support import UINT16_MAX, adapted

OPCODES = ("CONCATENATION",)


@dataclass(frozen=True)
class CmsisConcatenationParams(CStruct):
    """mf_cmsis_concatenation_params (firmware/kernels/cmsis_nn/concatenation.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_concatenation_params"
    num_inputs: int = i32()
    rows: int = i32()
    output_row: int = i32()
    input_rows: tuple[int, ...] = i32_array(CONCATENATION_MAX_INPUTS)


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, ConcatenationParams)
    sizes = tuple(p.input_sizes[:p.num_inputs])
    row = sum(sizes)
    if p.outer > UINT16_MAX:
        return Fallback(f"{p.outer:,} rows: arm_concatenation_s8_x counts them in 16 bits")
    if row > UINT16_MAX:
        return Fallback(f"output rows of {row:,} values: arm_concatenation_s8_x counts them in "
                        f"16 bits")
    params = CmsisConcatenationParams(num_inputs=p.num_inputs, rows=p.outer, output_row=row,
                                      input_rows=sizes)
    return adapted(call, "concatenation", "mf_cmsis_concatenation_s8", params)

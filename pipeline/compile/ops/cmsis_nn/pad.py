"""PAD and PADV2 -> mf_cmsis_pad_s8 (firmware/kernels/cmsis_nn/pad.c): arm_pad_s8.

arm_pad_s8 pads a 4-D tensor; the portable lowering has already merged the dimensions that are
not padded, so a PAD keeps the portable kernel only when more than 4 remain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...params import CStruct, i32, nested
from ...program import KernelCall
from ..pad import PadParams
from .support import adapted
from .types import NnDims, dims

OPCODES = ("PAD", "PADV2")


@dataclass(frozen=True)
class CmsisPadParams(CStruct):
    """mf_cmsis_pad_params (firmware/kernels/cmsis_nn/pad.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_pad_params"
    input_size: NnDims = nested(NnDims)
    pre_pad: NnDims = nested(NnDims)
    post_pad: NnDims = nested(NnDims)
    pad_value: int = i32()


def _nhwc(values, fill: int) -> NnDims:
    return dims(*([fill] * (4 - len(values)) + list(values)))


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, PadParams)
    if p.rank > 4:
        return Fallback(f"{p.rank} padded dimensions: arm_pad_s8 pads at most 4")
    params = CmsisPadParams(input_size=_nhwc(p.input_dims[:p.rank], 1),
                            pre_pad=_nhwc(p.pad_before[:p.rank], 0),
                            post_pad=_nhwc(p.pad_after[:p.rank], 0), pad_value=p.pad_value)
    return adapted(call, "pad", "mf_cmsis_pad_s8", params)

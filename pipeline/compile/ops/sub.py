"""SUB -> mf_sub_s8 / mf_sub_const_s8 (firmware/kernels/sub.c): int8 with TFLite's two-input
rescaling (the constants of ADD), numpy broadcasting, either input possibly a constant, fused
activations; int16 (16x8 models, both inputs computed) -> mf_sub_s16 (same file), inputs scaled
by 2^15 instead of 2^20."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.binary import SubOptions
from .. import quant
from ..params import CStruct, i32, nested
from ..program import KernelCall
from .binary import BroadcastParams, binary_operands
from .context import OpContext

OPCODES = ("SUB",)


@dataclass(frozen=True)
class SubParams(CStruct):
    """mf_sub_params (firmware/kernels/sub.h)."""

    C_TYPE: ClassVar[str] = "mf_sub_params"
    broadcast: BroadcastParams = nested(BroadcastParams)
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


def sub_rescale(input1_scale: float, input2_scale: float, output_scale: float,
                s16: bool = False) -> quant.AddRescale:
    """The fixed-point constants of an int8 SUB (CalculateOpDataSub): those of ADD, in double.

    TFLite-Micro's sources up to August 2026 took these ratios in float32 (twice_max a float,
    float32 divisions widened to double afterwards); the tflite-micro package mcuforge is
    checked against (0.dev20261023, g8f6596d) computes them in double, exactly as ADD does
    (all 65,536 input pairs agree with this, and a float32 model misses some). The case
    ``double_rescaling`` of tests/kernels/test_sub.py tells the two apart, so a package that
    goes back to float32 fails it. int16 (``s16``) scales the inputs by 2^15 instead of 2^20."""
    return quant.add_rescale(input1_scale, input2_scale, output_scale,
                             quant.ADD_INT16_LEFT_SHIFT if s16 else quant.ADD_INT8_LEFT_SHIFT)


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(SubOptions, SubOptions())
    b = binary_operands(o, int16=True)
    in1, in2, out = b.input1, b.input2, b.output
    try:
        r = sub_rescale(in1.scale, in2.scale, out.scale, b.s16)
    except quant.QuantError as err:
        o.unsupported(str(err))
    act = o.activation_range(options.activation, out.scale, out.zero_point,
                             out.tensor.dtype)
    params = SubParams(
        broadcast=b.broadcast, input1_offset=-in1.zero_point, input2_offset=-in2.zero_point,
        left_shift=r.left_shift,
        input1_multiplier=r.input1_multiplier, input1_shift=r.input1_shift,
        input2_multiplier=r.input2_multiplier, input2_shift=r.input2_shift,
        output_multiplier=r.output_multiplier, output_shift=r.output_shift,
        output_offset=out.zero_point, act_min=act[0], act_max=act[1],
    )
    return b.call(op, "sub", "mf_sub", params)

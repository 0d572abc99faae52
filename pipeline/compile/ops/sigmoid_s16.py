"""int16 LOGISTIC and TANH (16x8 models) -> mf_logistic_s16 / mf_tanh_s16
(firmware/kernels/sigmoid_s16.c), TFLite-Micro's int16 table method; lut.py (which registers
LOGISTIC and TANH) sends the int16 ones here.

TFLite-Micro's prepare (logistic_common.cc, tanh.cc), reproduced: input and output zero points 0,
the output scale 2^-15 (CheckedLog2). The input is brought to units of 1 / (3 * 4096):

- power of two: input scale 2^(p - 12) with p = 0 (LOGISTIC) or p in {0, 1} (TANH), by CheckedLog2
  (log2 within 1e-3 of an integer): v = x * (3 << p), exactly;
- any other scale: m = double(scale) * 4096 * 3, doubled (right_shift += 1) while m <= 32767 / 2
  and right_shift <= 30, multiplier = trunc(m): v = (x * multiplier + round) >> right_shift.

The kernels then interpolate the 256 sigmoid nodes that TFLite-Micro reads. Those are its tuned
data, which mcuforge may not copy and no formula of ours reproduces: ``compile.sigmoid_table``
reads them back from the installed tflite-micro interpreter (measured once, cached, checked to
reproduce all 65536 outputs of both ops); if that fails, so does the lowering, in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Operator
from .. import quant
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from ..sigmoid_table import SigmoidTableError, sigmoid_nodes
from .context import OpContext

# LOGISTIC and TANH are registered by lut.py, which sends their int16 form to lower_s16; the
# empty tuple marks this as a lowering module (its params struct is checked against the C).
OPCODES: tuple[str, ...] = ()
OUTPUT_SCALE_LOG2 = -15
# LOGISTIC: log2(input scale) + 12 for which TFLite-Micro takes the power-of-two path
POWER_OF_TWO_SHIFTS = {"LOGISTIC": (0,), "TANH": (0, 1)}
# x * multiplier must stay inside int32 (and |v| below 2^31) for every int16 x
MAX_MULTIPLIER = 65535


@dataclass(frozen=True)
class SigmoidS16Params(CStruct):
    """mf_sigmoid_s16_params (firmware/kernels/sigmoid_s16.h)."""

    C_TYPE: ClassVar[str] = "mf_sigmoid_s16_params"
    size: int = i32()                               # elements
    multiplier: int = i32()                         # [1, 65535]
    right_shift: int = i32()                        # [0, 31]
    table: ConstArray = const_ptr("uint16_t")       # the 256 sigmoid nodes


def input_scaling(opcode: str, input_scale: float) -> tuple[int, int]:
    """(multiplier, right_shift) of TFLite-Micro's prepare for this input scale (module doc)."""
    power, frac = quant.checked_log2(input_scale)
    left = 12 + power
    if abs(frac) < 1e-3 and left in POWER_OF_TWO_SHIFTS[opcode]:
        return 3 << left, 0
    m = float(np.float32(input_scale)) * 4096.0 * 3.0
    shift = 0
    while m <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        m *= 2.0
    return int(m), shift


def nodes_array(o: OpContext) -> ConstArray:
    """This op's copy of the sigmoid nodes, or the one-line reason they are not available."""
    try:
        nodes = sigmoid_nodes()
    except SigmoidTableError as err:
        o.unsupported(f"TFLite-Micro's int16 sigmoid/tanh nodes could not be read back from "
                      f"the tflite-micro interpreter: {err}")
    return ConstArray(o.name("sigmoid_table"), "uint16_t",
                      np.ascontiguousarray(nodes, dtype=np.uint16))


def lower_s16(o: OpContext, op: Operator) -> KernelCall:
    inp, out = o.required_input(0, "input"), o.output()
    in_scale, in_zp = o.activation(inp, "input", dtype=DType.INT16)
    out_scale, out_zp = o.activation(out, "output", dtype=DType.INT16)
    if tuple(out.shape) != tuple(inp.shape):
        o.bad_file(f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}")
    if in_zp != 0 or out_zp != 0:
        o.unsupported(f"int16 zero points {in_zp} (input) and {out_zp} (output); TFLite-Micro "
                      f"requires 0 for both")
    power, frac = quant.checked_log2(out_scale)
    if abs(frac) >= 1e-3 or power != OUTPUT_SCALE_LOG2:
        o.unsupported(f"output scale {out_scale:.6g}; TFLite-Micro's int16 {op.opcode} "
                      f"requires 2^-15")
    multiplier, right_shift = input_scaling(op.opcode, in_scale)
    if not 1 <= multiplier <= MAX_MULTIPLIER:
        o.unsupported(f"input scale {in_scale:.6g} is outside what TFLite-Micro's int16 "
                      f"{op.opcode} scales without overflow (multiplier {multiplier}, at most "
                      f"{MAX_MULTIPLIER})")
    params = SigmoidS16Params(size=inp.num_elements, multiplier=multiplier,
                              right_shift=right_shift, table=nodes_array(o))
    function = "mf_logistic_s16" if op.opcode == "LOGISTIC" else "mf_tanh_s16"
    return KernelCall.of(op, "sigmoid_s16", function, params, (inp.index,), (out.index,),
                         arg_types=("int16_t", "int16_t"))

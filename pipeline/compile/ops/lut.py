"""LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, ELU, RELU, RELU6, QUANTIZE (int8 -> int8) and
MF_FLOAT_TABLE (a float island, compile.fuse_float) -> mf_lut_s8 (firmware/kernels/lut.c): each
output element is a function of its input element alone, so the generator computes that function
for the 256 int8 values, reproducing the op's TFLite-Micro kernel (``lut_tables``, one module
per op), and the kernel looks every element up.

QUANTIZE with int16 on either side (int8 <-> int16, int16 -> int16: the ends of a "16x8" model
with int8 input or output) -> mf_quantize_s8_s16 / _s16_s8 / _s16_s16
(firmware/kernels/quantize_s16.c), TFLite-Micro's reference_ops::Requantize element by element.

int16 LOGISTIC and TANH (16x8) -> mf_logistic_s16 / mf_tanh_s16 (sigmoid_s16.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Graph, Operator
from .. import quant
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext
from .lut_tables import TABLES
from .sigmoid_s16 import lower_s16 as lower_sigmoid_s16

# MF_FLOAT_TABLE: mcuforge's own op (compile.fuse_float: a DEQUANTIZE -> float ops -> QUANTIZE
# island, never in a file), whose table comes as its second input, computed at generation time.
FLOAT_TABLE = "MF_FLOAT_TABLE"
OPCODES = (*sorted(TABLES), FLOAT_TABLE)
TABLE_SIZE = 256


@dataclass(frozen=True)
class LutParams(CStruct):
    """mf_lut_params (firmware/kernels/lut.h)."""

    C_TYPE: ClassVar[str] = "mf_lut_params"
    size: int = i32()                             # elements
    table: ConstArray = const_ptr("int8_t")       # 256 outputs; entry k for the input k - 128


@dataclass(frozen=True)
class QuantizeS16Params(CStruct):
    """mf_quantize_s16_params (firmware/kernels/quantize_s16.h)."""

    C_TYPE: ClassVar[str] = "mf_quantize_s16_params"
    size: int = i32()              # elements
    input_offset: int = i32()      # -input zero point
    output_offset: int = i32()     # +output zero point
    multiplier: int = i32()
    shift: int = i32()


_S16_TYPES = {DType.INT8: "s8", DType.INT16: "s16"}


def _lower_quantize_s16(o: OpContext, op: Operator, inp, out) -> KernelCall:
    """QUANTIZE with int16 on one side or both: input_scale / output_scale (the double quotient
    of the float32 scales) as one multiplier and shift, as TFLite-Micro's quantize prepare."""
    in_scale, in_zp = o.activation(inp, "input", dtype=inp.dtype)
    out_scale, out_zp = o.activation(out, "output", dtype=out.dtype)
    if tuple(out.shape) != tuple(inp.shape):
        o.bad_file(f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}")
    real = in_scale / out_scale
    multiplier, shift = quant.quantize_multiplier(real)
    if shift > 30:
        o.unsupported(f"input scale / output scale = {real:.6g} is 2^30 or more: TFLite-Micro's "
                      f"requantization shift would be undefined")
    params = QuantizeS16Params(size=inp.num_elements, input_offset=-in_zp, output_offset=out_zp,
                               multiplier=multiplier, shift=shift)
    function = f"mf_quantize_{_S16_TYPES[inp.dtype]}_{_S16_TYPES[out.dtype]}"
    return KernelCall.of(op, "quantize_s16", function, params, (inp.index,), (out.index,),
                         arg_types=(inp.dtype.c_type, out.dtype.c_type))


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    takes = 2 if op.opcode == FLOAT_TABLE else 1        # the input (and the table)
    if len(op.inputs) != takes:
        o.bad_file(f"has {len(op.inputs)} inputs; {op.opcode} takes {takes}")
    inp = o.required_input(0, "input")
    out = o.output()
    if (op.opcode == "QUANTIZE" and DType.INT16 in (inp.dtype, out.dtype)
            and {inp.dtype, out.dtype} <= set(_S16_TYPES)):
        return _lower_quantize_s16(o, op, inp, out)
    if op.opcode in ("LOGISTIC", "TANH") and inp.dtype is DType.INT16:
        return lower_sigmoid_s16(o, op)
    input_q = o.activation(inp, "input")
    output_q = o.activation(out, "output")
    if tuple(out.shape) != tuple(inp.shape):
        o.bad_file(f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}")
    if op.opcode == FLOAT_TABLE:
        data = o.required_input(1, "table").data
        assert data is not None and data.shape == (TABLE_SIZE,)
        table = [int(v) for v in data]
    else:
        table = TABLES[op.opcode](o, input_q, output_q)
    assert len(table) == TABLE_SIZE and all(-128 <= v <= 127 for v in table), op.opcode
    params = LutParams(size=inp.num_elements, table=o.const("table", "int8_t", np.asarray(table)))
    return KernelCall.of(op, "lut", "mf_lut_s8", params, (inp.index,), (out.index,))

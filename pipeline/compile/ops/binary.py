"""The operands of the broadcasting int8 binary ops (mul.py, sub.py, maximum_minimum.py,
squared_difference.py): both inputs checked, the numpy broadcast merged into the fewest
dimensions (``shapes``), and an operand that is a constant of the model.

Every one of those kernels nests ``mf_broadcast_params`` (firmware/kernels/mf_broadcast.h),
mirrored here by ``BroadcastParams``, and has two entry points: ``mf_<op>_s8(p, input1, input2,
output)`` when both operands are computed, ``mf_<op>_const_s8(p, input, output)`` when one is a
constant (TFLite-Micro reads either input from a constant tensor as well as from the arena; the
constant is emitted as an int8 ConstArray that the params point to).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Operator, Tensor
from .. import quant
from ..limits import MAX_DIMS
from ..params import CStruct, const_ptr, i32, i32_array
from ..program import ConstArray, KernelCall
from .context import OpContext
from .shapes import broadcast_strides, merge_dims


@dataclass(frozen=True)
class BroadcastParams(CStruct):
    """mf_broadcast_params (firmware/kernels/mf_broadcast.h)."""

    C_TYPE: ClassVar[str] = "mf_broadcast_params"
    rank: int = i32()
    output_dims: tuple[int, ...] = i32_array(MAX_DIMS)
    input1_strides: tuple[int, ...] = i32_array(MAX_DIMS)
    input2_strides: tuple[int, ...] = i32_array(MAX_DIMS)
    constant_input: int = i32()                          # 0: none; 1 or 2: that input
    constant: ConstArray | None = const_ptr("int8_t")


@dataclass(frozen=True)
class Operand:
    """One input of the op (or its output): the tensor and its per-tensor quantization."""

    tensor: Tensor
    scale: float
    zero_point: int

    @property
    def max_abs_offset_value(self) -> int:
        """The largest |q - zero_point| over every q of the tensor's type (int8 or int16):
        what ``q + offset`` can reach."""
        lo, hi = quant.INT_RANGES[self.tensor.dtype.name.lower()]
        return max(hi - self.zero_point, self.zero_point - lo)


@dataclass(frozen=True)
class BinaryOperands:
    input1: Operand
    input2: Operand
    output: Operand
    broadcast: BroadcastParams
    arena_inputs: tuple[int, ...]      # the computed inputs' tensor indices, in argument order

    @property
    def s16(self) -> bool:
        """int16 operands (a 16x8 model): the kernel's ``_s16`` function."""
        return self.output.tensor.dtype is DType.INT16

    def call(self, op: Operator, kernel: str, name: str, params: CStruct, **extra) -> KernelCall:
        """The KernelCall of ``name``'s two-input function, or of its ``_const`` function when an
        operand is a constant (``name`` "mf_mul" -> "mf_mul_s8" / "mf_mul_const_s8"); for int16
        operands "mf_mul_s16"."""
        if self.s16:
            return KernelCall.of(op, kernel, f"{name}_s16", params, self.arena_inputs,
                                 (self.output.tensor.index,), arg_types=("int16_t",) * 3, **extra)
        function = f"{name}_const_s8" if self.broadcast.constant_input else f"{name}_s8"
        return KernelCall.of(op, kernel, function, params, self.arena_inputs,
                             (self.output.tensor.index,), **extra)


def _constant_operand(o: OpContext, t: Tensor, role: str) -> Operand:
    label = f"{role} tensor '{t.name}'"
    if t.dtype is not DType.INT8:
        o.unsupported(f"{label} is a {t.dtype.name.lower()} constant; only int8 is supported")
    if t.quant is None:
        o.unsupported(f"{label} has no quantization parameters")
    if t.quant.per_channel:
        o.unsupported(f"{label} is quantized per channel; {o.op.opcode} needs per-tensor "
                      f"quantization")
    if any(d <= 0 for d in t.shape):
        o.unsupported(f"{label} has an empty shape {list(t.shape)}")
    return Operand(t, t.quant.scale[0], t.quant.zero_point[0])


def _operand(o: OpContext, k: int, dtype: DType) -> Operand:
    role = f"input {k + 1}"
    t = o.required_input(k, role)
    if t.is_constant and dtype is DType.INT16:
        o.unsupported(f"{role} tensor '{t.name}' is a constant; int16 {o.op.opcode} takes "
                      f"computed operands only")
    if t.is_constant:
        return _constant_operand(o, t, role)
    scale, zero_point = o.activation(t, role, dtype=dtype)
    if dtype is DType.INT16:
        o.symmetric(t, role, zero_point)
    return Operand(t, scale, zero_point)


def binary_operands(o: OpContext, int16: bool = False) -> BinaryOperands:
    """Checks the two inputs and the output of a broadcasting binary op and lays them out. With
    ``int16`` (the op has int16 kernels), an int16 output makes it an int16 op (16x8 models):
    both inputs int16 too, symmetric (zero point 0, as the converter writes them and
    TFLite-Micro's int16 MUL requires), computed."""
    op = o.op
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; {op.opcode} takes 2")
    out_t = o.output()
    dtype = DType.INT16 if int16 and out_t.dtype is DType.INT16 else DType.INT8
    in1, in2 = _operand(o, 0, dtype), _operand(o, 1, dtype)
    out = Operand(out_t, *o.activation(out_t, "output", dtype=dtype))
    if dtype is DType.INT16:
        o.symmetric(out_t, "output", out.zero_point)
    t1, t2 = in1.tensor, in2.tensor
    if t1.is_constant and t2.is_constant:
        o.unsupported(f"both inputs ('{t1.name}', '{t2.name}') are constants; the op computes "
                      f"nothing at run time (fold it into a constant)")
    try:
        shape = tuple(int(d) for d in np.broadcast_shapes(t1.shape, t2.shape))
    except ValueError:
        o.bad_file(f"input shapes {list(t1.shape)} and {list(t2.shape)} do not broadcast")
    if shape != tuple(out_t.shape):
        o.bad_file(f"output tensor '{out_t.name}' has shape {list(out_t.shape)}, but "
                   f"broadcasting {list(t1.shape)} with {list(t2.shape)} gives {list(shape)}")
    if len(shape) > MAX_DIMS:
        o.unsupported(f"{len(shape)}-dimensional tensors; at most {MAX_DIMS} are supported")

    dims, (st1, st2) = merge_dims(list(shape), [broadcast_strides(shape, t1.shape),
                                                broadcast_strides(shape, t2.shape)])
    constant_input, constant = 0, None
    for k, t in ((1, t1), (2, t2)):
        if t.is_constant:
            constant_input = k
            constant = o.const(f"input{k}", "int8_t", np.asarray(t.data))
    broadcast = BroadcastParams(rank=len(dims), output_dims=tuple(dims),
                                input1_strides=tuple(st1), input2_strides=tuple(st2),
                                constant_input=constant_input, constant=constant)
    arena = tuple(t.index for t in (t1, t2) if not t.is_constant)
    return BinaryOperands(in1, in2, out, broadcast, arena)

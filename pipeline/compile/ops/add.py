"""ADD -> mf_add_s8 (firmware/kernels/add.c): int8 with TFLite's two-input rescaling and
numpy broadcasting; int16 (16x8 models) -> mf_add_s16 (same file), the same arithmetic with
inputs scaled by 2^15 instead of 2^20."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import AddOptions, DType, Graph, Operator
from .. import quant
from ..limits import MAX_DIMS
from ..params import CStruct, i32, i32_array
from ..program import KernelCall
from .context import OpContext
from .shapes import broadcast_strides, merge_dims

OPCODES = ("ADD",)


@dataclass(frozen=True)
class AddParams(CStruct):
    """mf_add_params (firmware/kernels/add.h)."""

    C_TYPE: ClassVar[str] = "mf_add_params"
    rank: int = i32()
    output_dims: tuple[int, ...] = i32_array(MAX_DIMS)
    input1_strides: tuple[int, ...] = i32_array(MAX_DIMS)
    input2_strides: tuple[int, ...] = i32_array(MAX_DIMS)
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


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(AddOptions, AddOptions())
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; ADD takes 2")
    in1, in2 = o.required_input(0, "input 1"), o.required_input(1, "input 2")
    out = o.output()
    s16 = out.dtype is DType.INT16
    act_type = DType.INT16 if s16 else DType.INT8
    s1, zp1 = o.activation(in1, "input 1", dtype=act_type)
    s2, zp2 = o.activation(in2, "input 2", dtype=act_type)
    so, zpo = o.activation(out, "output", dtype=act_type)
    if s16:
        for t, role, zp in ((in1, "input 1", zp1), (in2, "input 2", zp2), (out, "output", zpo)):
            o.symmetric(t, role, zp)
    try:
        shape = tuple(int(d) for d in np.broadcast_shapes(in1.shape, in2.shape))
    except ValueError:
        o.bad_file(f"input shapes {list(in1.shape)} and {list(in2.shape)} do not broadcast")
    if shape != tuple(out.shape):
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)}, but broadcasting "
                   f"{list(in1.shape)} with {list(in2.shape)} gives {list(shape)}")
    if len(shape) > MAX_DIMS:
        o.unsupported(f"{len(shape)}-dimensional tensors; at most {MAX_DIMS} are supported")

    dims, (st1, st2) = merge_dims(list(shape), [broadcast_strides(shape, in1.shape),
                                                broadcast_strides(shape, in2.shape)])
    try:
        r = quant.add_rescale(s1, s2, so, quant.ADD_INT16_LEFT_SHIFT if s16
                              else quant.ADD_INT8_LEFT_SHIFT)
    except quant.QuantError as err:
        o.unsupported(str(err))
    act = o.activation_range(options.activation, so, zpo, act_type)
    params = AddParams(
        rank=len(dims), output_dims=tuple(dims),
        input1_strides=tuple(st1), input2_strides=tuple(st2),
        input1_offset=-zp1, input2_offset=-zp2, left_shift=r.left_shift,
        input1_multiplier=r.input1_multiplier, input1_shift=r.input1_shift,
        input2_multiplier=r.input2_multiplier, input2_shift=r.input2_shift,
        output_multiplier=r.output_multiplier, output_shift=r.output_shift,
        output_offset=zpo, act_min=act[0], act_max=act[1],
    )
    if s16:
        return KernelCall.of(op, "add", "mf_add_s16", params, (in1.index, in2.index),
                             (out.index,), arg_types=("int16_t",) * 3)
    return KernelCall.of(op, "add", "mf_add_s8", params, (in1.index, in2.index), (out.index,))

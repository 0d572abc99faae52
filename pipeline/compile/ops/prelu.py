"""PRELU -> mf_prelu_s8 (firmware/kernels/prelu.c): int8, with a constant int8 alpha broadcast
against the input by numpy's rules (typically one slope per channel), as TFLite-Micro's
reference kernel computes it (prelu_common.cc, reference_ops::BroadcastPrelu4DSlow)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Graph, Operator
from .. import quant
from ..limits import MAX_DIMS
from ..params import CStruct, const_ptr, i32, i32_array
from ..program import ConstArray, KernelCall
from .context import OpContext
from .shapes import broadcast_strides, merge_dims

OPCODES = ("PRELU",)


@dataclass(frozen=True)
class PreluParams(CStruct):
    """mf_prelu_params (firmware/kernels/prelu.h)."""

    C_TYPE: ClassVar[str] = "mf_prelu_params"
    rank: int = i32()
    output_dims: tuple[int, ...] = i32_array(MAX_DIMS)
    input_strides: tuple[int, ...] = i32_array(MAX_DIMS)
    alpha_strides: tuple[int, ...] = i32_array(MAX_DIMS)
    input_offset: int = i32()            # -input zero point
    alpha_offset: int = i32()            # -alpha zero point
    output_offset: int = i32()           # +output zero point
    positive_multiplier: int = i32()     # input_scale / output_scale
    positive_shift: int = i32()
    negative_multiplier: int = i32()     # input_scale * alpha_scale / output_scale
    negative_shift: int = i32()
    alpha: ConstArray = const_ptr("int8_t")   # the alpha tensor's values, row-major


def _multiplier(o: OpContext, real: float, what: str) -> tuple[int, int]:
    multiplier, shift = quant.quantize_multiplier(real)
    if shift > 30:
        o.unsupported(f"{what} = {real:.6g} is 2^30 or more: too large for a 32-bit "
                      f"requantization (TFLite-Micro's shift would be undefined)")
    return multiplier, shift


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; PRELU takes an input and alpha")
    inp = o.required_input(0, "input")
    alpha = o.required_input(1, "alpha")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input")
    out_scale, out_zp = o.activation(out, "output")
    label = f"alpha tensor '{alpha.name}'"
    if alpha.dtype is not DType.INT8:
        o.unsupported(f"{label} is {alpha.dtype.name.lower()}; only int8 alpha is supported")
    if not alpha.is_constant:
        o.unsupported(f"{label} is computed at run time; only a constant alpha is supported")
    if alpha.quant is None:
        o.unsupported(f"{label} has no quantization parameters")
    if alpha.quant.per_channel:
        o.unsupported(f"{label} is quantized per channel; TFLite-Micro reads one scale and zero "
                      f"point for alpha")
    alpha_scale, alpha_zp = alpha.quant.scale[0], alpha.quant.zero_point[0]
    try:
        shape = tuple(int(d) for d in np.broadcast_shapes(inp.shape, alpha.shape))
    except ValueError:
        o.bad_file(f"input shape {list(inp.shape)} and alpha shape {list(alpha.shape)} do not "
                   f"broadcast")
    o.expect_shape(out, shape, f"broadcasting input {list(inp.shape)} with alpha "
                               f"{list(alpha.shape)}")
    dims, (input_strides, alpha_strides) = merge_dims(
        list(shape), [broadcast_strides(shape, inp.shape), broadcast_strides(shape, alpha.shape)])
    if len(dims) > MAX_DIMS:
        o.unsupported(f"the broadcast needs {len(dims)} dimensions; at most {MAX_DIMS} are "
                      f"supported")
    # both in double, from the float32 scales, as TFLite-Micro's CalculatePreluParams
    pos_m, pos_s = _multiplier(o, in_scale / out_scale, "input scale / output scale")
    neg_m, neg_s = _multiplier(o, in_scale * alpha_scale / out_scale,
                               "input scale * alpha scale / output scale")
    params = PreluParams(
        rank=len(dims), output_dims=tuple(dims), input_strides=tuple(input_strides),
        alpha_strides=tuple(alpha_strides), input_offset=-in_zp, alpha_offset=-alpha_zp,
        output_offset=out_zp, positive_multiplier=pos_m, positive_shift=pos_s,
        negative_multiplier=neg_m, negative_shift=neg_s,
        alpha=o.const("alpha", "int8_t", np.asarray(alpha.data)),
    )
    return KernelCall.of(op, "prelu", "mf_prelu_s8", params, (inp.index,), (out.index,))

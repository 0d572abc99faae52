"""TRANSPOSE_CONV -> mf_transpose_conv_s8 (firmware/kernels/transpose_conv.c): per-channel int8.

TFLite-Micro's reference kernel scatters every input pixel into an int32 buffer the size of the
output, then requantizes. The C kernel gathers instead: each output value sums exactly the same
products (x + input_offset) * w; integer addition in any order gives the same int32 (the
accumulator bound below keeps every partial sum inside int32), so no scratch buffer is needed.

What TFLite-Micro does, and so what this lowering does:
- inputs: 0 output_shape (TFLite-Micro ignores it and takes the output tensor's shape; here it
  must be a constant equal to that shape), 1 filter OHWI, 2 input, 3 bias (optional, int32);
- padding from ComputePaddingHeightWidth with the *output* height/width as the "input" of the
  forward convolution (dilation 1), the leading half being used; the input size is not checked
  against the output size (any combination is computed the same way);
- requantization as CONV_2D (PopulateConvolutionQuantizationParams), fused activation included;
  the filter zero point is not used by TFLite-Micro: it must be 0 here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator, Padding
from ...tflite.options.transpose_conv import TransposeConvOptions
from ..params import CStruct, Dims, const_ptr, i32, nested
from ..program import ConstArray, KernelCall
from .context import OpContext

OPCODES = ("TRANSPOSE_CONV",)


@dataclass(frozen=True)
class TransposeConvParams(CStruct):
    """mf_transpose_conv_params (firmware/kernels/transpose_conv.h)."""

    C_TYPE: ClassVar[str] = "mf_transpose_conv_params"
    input: Dims = nested(Dims)
    filter: Dims = nested(Dims)
    output: Dims = nested(Dims)
    stride_h: int = i32()
    stride_w: int = i32()
    pad_h: int = i32()           # input pixel (iy, ix) lands on output (iy*sh - pad_h + ky, ...)
    pad_w: int = i32()
    input_offset: int = i32()    # -input zero point
    output_offset: int = i32()   # +output zero point
    act_min: int = i32()
    act_max: int = i32()
    filter_data: ConstArray = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int32_t")
    multiplier: ConstArray = const_ptr("int32_t")
    shift: ConstArray = const_ptr("int32_t")


def _c_div(a: int, b: int) -> int:
    """C/C++ integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def tflm_padding(padding: Padding, size: int, filter_size: int, stride: int) -> int | None:
    """The leading padding TFLite-Micro's ComputePaddingHeightWidth gives for an image of
    ``size`` (for TRANSPOSE_CONV: the output's height or width), dilation 1; None when its
    checked output-size computation fails (a VALID window that leaves a negative count), in which
    case TFLite-Micro keeps both paddings at 0."""
    if padding is Padding.SAME:
        out = _c_div(size + stride - 1, stride)
    else:
        out = _c_div(size + stride - filter_size, stride)
    if out < 0:
        return None
    total = max((out - 1) * stride + filter_size - size, 0)
    return total // 2


def _taps(out_size: int, in_size: int, k: int, stride: int, pad: int) -> int:
    """How many (output index, filter index) pairs read an input index inside [0, in_size)."""
    count = 0
    for o in range(out_size):
        for f in range(k):
            num = o + pad - f
            if num >= 0 and num % stride == 0 and num // stride < in_size:
                count += 1
    return count


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(TransposeConvOptions)
    if len(op.inputs) not in (3, 4):
        o.bad_file(f"has {len(op.inputs)} inputs; TRANSPOSE_CONV takes output_shape, filter, "
                   f"input and an optional bias")
    filt = o.required_input(1, "filter")
    inp = o.required_input(2, "input")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input", rank=4)
    out_scale, out_zp = o.activation(out, "output", rank=4)
    if len(filt.shape) != 4:
        o.bad_file(f"filter tensor '{filt.name}' has shape {list(filt.shape)}; expected OHWI")
    out_c, k_h, k_w, k_c = filt.shape
    if min(filt.shape) < 1:
        o.bad_file(f"filter tensor '{filt.name}' has an empty shape {list(filt.shape)}")
    filter_scales, _ = o.weights(filt, "filter", out_c, axis=0, rank=4)
    bias = o.bias(o.input(3, "bias", optional=True), out_c)

    output_shape = o.int32_constant(0, "output_shape")
    if output_shape.tolist() != list(out.shape):
        o.bad_file(f"output_shape {output_shape.tolist()} differs from the shape "
                   f"{list(out.shape)} of output tensor '{out.name}'")
    n, in_h, in_w, in_c = inp.shape
    if k_c != in_c:
        o.bad_file(f"filter tensor '{filt.name}' has {k_c} input channels for an input with "
                   f"{in_c} channels")
    if out.shape[0] != n or out.shape[3] != out_c:
        o.bad_file(f"output tensor '{out.name}' has shape {list(out.shape)} for {n} batches and "
                   f"{out_c} filters")
    out_h, out_w = out.shape[1], out.shape[2]
    pad_h = tflm_padding(options.padding, out_h, k_h, options.stride_h)
    pad_w = tflm_padding(options.padding, out_w, k_w, options.stride_w)
    if pad_h is None or pad_w is None:
        pad_h = pad_w = 0

    weights = np.asarray(filt.data, dtype=np.int8)
    o.accumulator_fits(np.abs(weights.astype(np.int64)).reshape(out_c, -1).sum(axis=1), in_zp, bias)
    mults, shifts = o.multipliers(in_scale, filter_scales, out_scale, out_c)
    act = o.activation_range(options.activation, out_scale, out_zp)

    params = TransposeConvParams(
        input=Dims.of(inp.shape), filter=Dims(out_c, k_h, k_w, k_c), output=Dims.of(out.shape),
        stride_h=options.stride_h, stride_w=options.stride_w, pad_h=pad_h, pad_w=pad_w,
        input_offset=-in_zp, output_offset=out_zp, act_min=act[0], act_max=act[1],
        filter_data=o.const("filter", "int8_t", weights),
        bias=o.const("bias", "int32_t", bias) if bias is not None else None,
        multiplier=o.const("multiplier", "int32_t", mults),
        shift=o.const("shift", "int32_t", shifts),
    )
    macs = (n * _taps(out_h, in_h, k_h, options.stride_h, pad_h)
            * _taps(out_w, in_w, k_w, options.stride_w, pad_w) * in_c * out_c)
    return KernelCall.of(op, "transpose_conv", "mf_transpose_conv_s8", params, (inp.index,),
                         (out.index,), macs=int(macs))

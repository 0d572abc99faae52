"""RESIZE_BILINEAR -> mf_resize_bilinear_s8 (firmware/kernels/resize_bilinear.c): NHWC,
constant size, align_corners or half_pixel_centers, TFLite-Micro's integer arithmetic for int8
(ResizeBilinearInteger: 10 fractional bits per axis, one rounding half away from zero).

The rows and columns each output pixel blends, and their weights, are computed here exactly as
TFLite-Micro computes them (C integer division, which truncates towards zero), once per output
row and column; the kernel only multiplies and rounds. TFLite-Micro refuses align_corners with
half_pixel_centers. For extreme upscaling (e.g. 1 row to more than 2048) its first source row
can lie past the input, which it would read; such sizes are rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import ResizeBilinearOptions
from ..params import CStruct, const_ptr, i32
from ..program import ConstArray, KernelCall
from .context import OpContext
from .movement import int_vector

OPCODES = ("RESIZE_BILINEAR",)

ONE = 1 << 10                      # 1.0 in the weights' fixed point
_INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class ResizeBilinearParams(CStruct):
    """mf_resize_bilinear_params (firmware/kernels/resize_bilinear.h)."""

    C_TYPE: ClassVar[str] = "mf_resize_bilinear_params"
    batches: int = i32()
    output_height: int = i32()
    output_width: int = i32()
    depth: int = i32()
    input_batch_stride: int = i32()
    rows: ConstArray = const_ptr("int32_t")
    cols: ConstArray = const_ptr("int32_t")


def _c_div(a: int, b: int) -> int:
    """C's integer division (truncates towards zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def scale_10(in_size: int, out_size: int, align_corners: bool) -> int:
    """in / out (or (in - 1) / (out - 1) with align_corners) in 10 fractional bits, rounded."""
    if align_corners and out_size > 1:
        return (ONE * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    return (ONE * in_size + out_size // 2) // out_size


def interpolation(index: int, scale: int, half_pixel_centers: bool,
                  in_size: int) -> tuple[int, int, int]:
    """(lower source, upper source, weight of the upper one) of output ``index``
    (ComputeInterpolationValuesInteger); the weight is 1024 * (position - lower)."""
    if half_pixel_centers:
        scaled = index * scale + scale // 2 - (1 << 9)
    else:
        scaled = index * scale
    lower = max(_c_div(scaled, ONE), 0)
    upper = min(_c_div(scaled + ONE - 1, ONE), in_size - 1)
    return lower, upper, scaled - ONE * lower


def _table(o: OpContext, axis: str, in_size: int, out_size: int, step: int,
           options: ResizeBilinearOptions) -> list[int]:
    scale = scale_10(in_size, out_size, options.align_corners)
    if (out_size + 1) * scale + ONE > _INT32_MAX:
        o.unsupported(f"{axis} {in_size} -> {out_size} overflows TFLite-Micro's 32-bit "
                      f"source positions")
    table = []
    for i in range(out_size):
        lower, upper, weight = interpolation(i, scale, options.half_pixel_centers, in_size)
        if lower > in_size - 1:
            o.unsupported(f"{axis} {in_size} -> {out_size}: TFLite-Micro's source {axis} for "
                          f"output {i} is {lower}, outside the input (it would read past it)")
        assert -(ONE // 2) <= weight < ONE and (weight >= 0 or lower == upper), (i, weight)
        table += [lower * step, upper * step, weight]
    return table


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(ResizeBilinearOptions, ResizeBilinearOptions())
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; RESIZE_BILINEAR takes an input and the size")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input", rank=4)
    o.activation(out, "output")
    if options.align_corners and options.half_pixel_centers:
        o.unsupported("align_corners with half_pixel_centers (TFLite-Micro refuses the pair)")
    size_t = o.required_input(1, "size")
    size = int_vector(o, 1, "size").tolist()
    if len(size_t.shape) != 1 or len(size) != 2:
        o.bad_file(f"size tensor '{size_t.name}' has shape {list(size_t.shape)}; TFLite-Micro "
                   f"needs [2] (height, width)")
    n, h, w, c = inp.shape
    out_h, out_w = size
    o.expect_shape(out, (n, out_h, out_w, c), f"resizing {list(inp.shape)} to {size}")
    rows = _table(o, "row", h, out_h, w * c, options)
    cols = _table(o, "column", w, out_w, c, options)
    params = ResizeBilinearParams(
        batches=n, output_height=out_h, output_width=out_w, depth=c,
        input_batch_stride=h * w * c,
        rows=o.const("rows", "int32_t", np.array(rows, dtype=np.int32)),
        cols=o.const("cols", "int32_t", np.array(cols, dtype=np.int32)))
    return KernelCall.of(op, "resize_bilinear", "mf_resize_bilinear_s8", params, (inp.index,),
                         (out.index,))

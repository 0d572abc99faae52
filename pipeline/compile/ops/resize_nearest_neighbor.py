"""RESIZE_NEAREST_NEIGHBOR -> mf_resize_nearest_neighbor_s8
(firmware/kernels/resize_nearest_neighbor.c, a pixel gather: firmware/kernels/pixel_gather.c):
NHWC, constant size, align_corners and half_pixel_centers, values copied.

The source row and column of every output pixel are chosen here as TFLite-Micro's reference
kernel chooses them, in float32: scale = in / out (or (in - 1) / (out - 1) with
align_corners), source = (index + 0.5 if half_pixel_centers) * scale, rounded half away from
zero with align_corners and floored without, at most in - 1 (and at least 0 with
half_pixel_centers). TFLite-Micro accepts both options at once; so does mcuforge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import ResizeNearestNeighborOptions
from .. import quant
from ..params import CStruct, nested
from ..program import KernelCall
from .context import OpContext
from .movement import int_vector
from .pixel_gather import PixelGatherParams, pixel_gather

OPCODES = ("RESIZE_NEAREST_NEIGHBOR",)


@dataclass(frozen=True)
class ResizeNearestNeighborParams(CStruct):
    """mf_resize_nearest_neighbor_params (firmware/kernels/resize_nearest_neighbor.h)."""

    C_TYPE: ClassVar[str] = "mf_resize_nearest_neighbor_params"
    gather: PixelGatherParams = nested(PixelGatherParams)


def nearest_source(index: int, in_size: int, out_size: int, align_corners: bool,
                   half_pixel_centers: bool) -> int:
    """TFLite's GetNearestNeighbor, in float32 arithmetic."""
    f32 = np.float32
    if align_corners and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    value = float((f32(index) + offset) * scale)     # float32 sum and product
    source = int(quant.round_half_away(value)) if align_corners else math.floor(value)
    source = min(source, in_size - 1)
    return max(source, 0) if half_pixel_centers else source


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(ResizeNearestNeighborOptions, ResizeNearestNeighborOptions())
    if len(op.inputs) != 2:
        o.bad_file(f"has {len(op.inputs)} inputs; RESIZE_NEAREST_NEIGHBOR takes an input and "
                   f"the size")
    inp = o.required_input(0, "input")
    out = o.output()
    o.activation(inp, "input", rank=4)
    o.activation(out, "output")
    size_t = o.required_input(1, "size")
    size = int_vector(o, 1, "size").tolist()
    if len(size_t.shape) != 1 or len(size) != 2:
        o.bad_file(f"size tensor '{size_t.name}' has shape {list(size_t.shape)}; TFLite-Micro "
                   f"needs [2] (height, width)")
    n, h, w, c = inp.shape
    out_h, out_w = size
    o.expect_shape(out, (n, out_h, out_w, c), f"resizing {list(inp.shape)} to {size}")
    args = (options.align_corners, options.half_pixel_centers)
    rows = [nearest_source(y, h, out_h, *args) * w * c for y in range(out_h)]
    cols = [nearest_source(x, w, out_w, *args) * c for x in range(out_w)]
    gather = pixel_gather(o, inp.num_elements, n, h * w * c, c, rows, cols)
    return KernelCall.of(op, "resize_nearest_neighbor", "mf_resize_nearest_neighbor_s8",
                         ResizeNearestNeighborParams(gather=gather), (inp.index,), (out.index,))

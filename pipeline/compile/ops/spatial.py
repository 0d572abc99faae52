"""Output size and padding of a windowed op (convolutions, pooling), as TFLite computes them."""

from __future__ import annotations

from ...tflite.graph import Padding
from .context import OpContext


def output_and_padding(padding: Padding, size: int, filter_size: int, stride: int,
                       dilation: int) -> tuple[int, int]:
    """(output size, leading padding) as TFLite's ComputeOutSize and ComputePaddingHeightWidth:
    SAME gives ceil(size / stride) outputs and pads total = (out - 1) * stride +
    effective_filter - size, top/left getting total // 2 (the extra odd pixel goes to the
    bottom/right); VALID pads nothing."""
    effective = (filter_size - 1) * dilation + 1
    if padding is Padding.SAME:
        out = (size + stride - 1) // stride
    else:
        out = (size + stride - effective) // stride
    total = (out - 1) * stride + effective - size
    return out, max(total, 0) // 2


def check_spatial(o: OpContext, options, in_h: int, in_w: int, k_h: int, k_w: int,
                  out_h: int, out_w: int) -> tuple[int, int]:
    """Recomputes the output height/width from the options, compares them with the file and
    returns (pad_h, pad_w)."""
    dil_h = getattr(options, "dilation_h", 1)
    dil_w = getattr(options, "dilation_w", 1)
    oh, pad_h = output_and_padding(options.padding, in_h, k_h, options.stride_h, dil_h)
    ow, pad_w = output_and_padding(options.padding, in_w, k_w, options.stride_w, dil_w)
    if oh < 1 or ow < 1:
        o.bad_file(f"{options.padding.name} padding of a {in_h}x{in_w} input with a {k_h}x{k_w} "
                   f"window (dilation {dil_h}x{dil_w}) leaves no output")
    if (oh, ow) != (out_h, out_w):
        o.bad_file(f"output is {out_h}x{out_w}, but {options.padding.name} padding with stride "
                   f"{options.stride_h}x{options.stride_w}, dilation {dil_h}x{dil_w} and a "
                   f"{k_h}x{k_w} window over {in_h}x{in_w} gives {oh}x{ow}")
    return pad_h, pad_w

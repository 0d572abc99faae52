"""CONV_2D -> mf_cmsis_conv2d_s8 (firmware/kernels/cmsis_nn/conv2d.c): arm_convolve_wrapper_s8.

CMSIS-NN covers everything the portable lowering accepts (strides, dilations, padding, batches,
grouped filters, per-channel requantization with double rounding, an absent bias) except:
extents, strides or paddings above 65,535 (CMSIS-NN keeps them in 16 bits), and, on Helium, the
1xN convolutions (input and filter height 1, stride_w * channels a multiple of 4) whose windows
CMSIS-NN's Helium 1xN kernel gets wrong: it assumes the last window overhangs the input by one
column, so e.g. a VALID walk that leaves columns unread, or a SAME one whose last window
overhangs by two, would read padding or bytes past the input (``mve_1xn_problem`` replays its
index arithmetic; the DSP and portable paths run these through arm_convolve_s8, correctly).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...backends import Fallback, Target
from ...params import CStruct, const_ptr, nested
from ...program import ConstArray, KernelCall
from ..conv2d import Conv2DParams
from .support import above_uint16, adapted, scratch_context, sizes
from .types import NnContext, NnConvParams, NnDims, NnPerChannelQuantParams, activation, dims, tile

OPCODES = ("CONV_2D",)


@dataclass(frozen=True)
class CmsisConv2DParams(CStruct):
    """mf_cmsis_conv2d_params (firmware/kernels/cmsis_nn/conv2d.h)."""

    C_TYPE: ClassVar[str] = "mf_cmsis_conv2d_params"
    ctx: NnContext = nested(NnContext)
    conv_params: NnConvParams = nested(NnConvParams)
    quant_params: NnPerChannelQuantParams = nested(NnPerChannelQuantParams)
    input_dims: NnDims = nested(NnDims)
    filter_dims: NnDims = nested(NnDims)
    bias_dims: NnDims = nested(NnDims)
    output_dims: NnDims = nested(NnDims)
    filter_data: ConstArray = const_ptr("int8_t")
    bias_data: ConstArray | None = const_ptr("int32_t")


def _is_1x1(conv: NnConvParams, inp: NnDims, flt: NnDims) -> bool:
    """arm_convolve_wrapper_s8's test for its 1x1 kernels."""
    return (conv.padding.w == 0 and conv.padding.h == 0 and flt.w == 1 and flt.h == 1 and
            conv.dilation.w == 1 and conv.dilation.h == 1 and inp.c == flt.c)


def _is_1xn(conv: NnConvParams, inp: NnDims, flt: NnDims) -> bool:
    """arm_convolve_wrapper_s8's test for its 1xN kernel (tried after the 1x1 ones)."""
    return (inp.h == 1 and conv.dilation.w == 1 and flt.h == 1 and
            (conv.stride.w * inp.c) % 4 == 0 and inp.c == flt.c)


def _c_div(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


_PAD, _GARBAGE = "padding", "past the input"


def mve_1xn_problem(conv: NnConvParams, inp: NnDims, flt: NnDims, out: NnDims) -> str | None:
    """What goes wrong when arm_convolve_wrapper_s8 sends this convolution to CMSIS-NN's Helium
    1xN kernel (arm_convolve_1_x_n_s8), or None when it does not, or gets every window right.

    That kernel splits the output row into windows that overlap the left padding (computed from
    a buffer: the padding, then the first filter-width input columns), windows inside the input
    (read in place) and windows overlapping the right padding (a buffer: the last filter-width - 1
    input columns, then padding). This replays its index arithmetic (C's truncating division
    included) and compares the column each filter tap reads with the one TFLite-Micro reads."""
    if _is_1x1(conv, inp, flt) or not _is_1xn(conv, inp, flt):
        return None
    in_w, k, s, pad, out_w = inp.w, flt.w, conv.stride.w, conv.padding.w, out.w
    total = (out_w - 1) * s + k - in_w
    asym = total - 2 * _c_div(total, 2)          # C's total % 2 (negative for a negative total)
    if pad * 2 + asym != total:
        return "rejects its padding (returns an error)"
    right_num = max(1, _c_div(pad + asym + s - 1, s)) if pad + asym != 0 else 0
    left_num = max(1, _c_div(pad + s - 1, s)) if pad != 0 else 0
    no_pad = max(out_w - (right_num + left_num), 0)
    if right_num + no_pad + left_num != out_w:
        return None                              # the kernel hands it to arm_convolve_s8

    def column(p: int) -> int | str:
        return p if 0 <= p < in_w else _GARBAGE

    read: dict[tuple[int, int], int | str] = {}
    for o in range(left_num):
        for t in range(k):
            q = o * s + t
            read[o, t] = _PAD if q < pad else column(q - pad) if q < pad + k else _GARBAGE
    start = s * left_num - pad
    if start < 0:
        return "rejects its padding (returns an error)"
    for j in range(no_pad):
        for t in range(k):
            read[left_num + j, t] = column(start + j * s + t)
    first_right = left_num + no_pad
    p0 = s * first_right - pad
    pad_right = right_num if asym else pad
    for r in range(out_w - first_right):
        for t in range(k):
            q = r * s + t
            read[first_right + r, t] = (column(p0 + q) if q < k - 1 else
                                        _PAD if q < k - 1 + pad_right else _GARBAGE)
    for (o, t), got in sorted(read.items()):
        p = o * s - pad + t
        if got != (p if 0 <= p < in_w else _PAD):
            return f"would read {got if isinstance(got, str) else 'an input column'} for output " \
                   f"column {o} (TFLite-Micro reads " \
                   f"{'padding' if not 0 <= p < in_w else f'input column {p}'})"
    return None


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    p = call.params
    assert isinstance(p, Conv2DParams)
    big = above_uint16([*(getattr(p.input, a) for a in "nhwc"), *(getattr(p.filter, a) for a in "nhwc"),
                        *(getattr(p.output, a) for a in "nhwc"), p.stride_h, p.stride_w,
                        p.pad_h, p.pad_w])
    if big is not None:
        return Fallback(f"a size of {big:,}: arm_convolve_s8 keeps extents, strides and paddings "
                        f"in 16 bits")
    conv = NnConvParams(
        input_offset=p.input_offset, output_offset=p.output_offset,
        stride=tile(p.stride_w, p.stride_h), padding=tile(p.pad_w, p.pad_h),
        dilation=tile(p.dilation_w, p.dilation_h), activation=activation(p.act_min, p.act_max))
    input_dims = dims(p.input.n, p.input.h, p.input.w, p.input.c)
    filter_dims = dims(p.filter.n, p.filter.h, p.filter.w, p.filter.c)
    output_dims = dims(p.output.n, p.output.h, p.output.w, p.output.c)
    if target.isa == "mve":
        problem = mve_1xn_problem(conv, input_dims, filter_dims, output_dims)
        if problem:
            return Fallback(f"1x{p.filter.w} convolution over {p.input.w} columns, stride "
                            f"{p.stride_w}, padding {p.pad_w}: CMSIS-NN's Helium 1xN kernel "
                            f"{problem}")
    scratch = sizes(target).convolve_wrapper_s8(target.isa, conv, input_dims, filter_dims,
                                                output_dims)
    params = CmsisConv2DParams(
        ctx=scratch_context(scratch), conv_params=conv,
        quant_params=NnPerChannelQuantParams(multiplier=p.multiplier, shift=p.shift),
        input_dims=input_dims, filter_dims=filter_dims, bias_dims=dims(1, 1, 1, p.output.c),
        output_dims=output_dims, filter_data=p.filter_data, bias_data=p.bias)
    return adapted(call, "conv2d", "mf_cmsis_conv2d_s8", params, scratch)

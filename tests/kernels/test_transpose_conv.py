"""TRANSPOSE_CONV: mcuforge.compile.ops.transpose_conv, its options
(mcuforge.tflite.options.transpose_conv) and firmware/kernels/transpose_conv.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case): the
inputs are output_shape (constant int32), the OHWI filter, the model input and an optional
int32 bias, as the converter writes them. The lowering tests check the typed params (padding as
TFLite-Micro computes it from the output size) and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU, RELU1, RELU6, SAME, VALID
from mcuforge.compile.ops.transpose_conv import tflm_padding
from mcuforge.compile.params import Dims
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import Activation, Padding

TAG, SLOTS = 49, 5   # TransposeConvOptions in union BuiltinOptions; its field count


def options(padding: Padding, stride: tuple[int, int], act: Activation = NONE,
            write_activation: bool = True) -> tb.RawOptions:
    fields = [(0, "int8", padding.value), (1, "int32", stride[1]), (2, "int32", stride[0])]
    if write_activation:
        fields.append((3, "int8", act.value))
    return tb.RawOptions(TAG, SLOTS, tuple(fields))


def transposed_size(padding: Padding, size: int, k: int, stride: int) -> int:
    """The output size the converter gives (TensorFlow's conv2d_transpose)."""
    return size * stride if padding is SAME else (size - 1) * stride + k


def transpose_conv_model(input_shape, filters: np.ndarray, bias: np.ndarray | None,
                         input_q: tuple[float, int], filter_scales, output_q: tuple[float, int],
                         opts: tb.RawOptions, output_shape=None, filter_zero_point: int = 0,
                         shape_values=None, three_inputs: bool = False,
                         bias_dtype: str = "int32") -> bytes:
    n, h, w, _ = input_shape
    out_c, kh, kw, _ = filters.shape
    if output_shape is None:
        padding = Padding(dict((s, v) for s, _, v in opts.fields)[0])
        stride_w = dict((s, v) for s, _, v in opts.fields)[1]
        stride_h = dict((s, v) for s, _, v in opts.fields)[2]
        output_shape = (n, transposed_size(padding, h, kh, stride_h),
                        transposed_size(padding, w, kw, stride_w), out_c)
    b = tb.ModelBuilder()
    shape = b.add_const(np.array(shape_values if shape_values is not None else output_shape,
                                 dtype=np.int32), name="output_shape")
    f = b.add_const(filters.astype(np.int8), scale=tuple(filter_scales),
                    zero_point=filter_zero_point, axis=0, name="filter")
    x = b.add_input(input_shape, *input_q)
    inputs = [shape, f, x]
    if bias is not None:
        scales = tuple(float(np.float32(input_q[0]) * np.float32(s)) for s in filter_scales)
        inputs.append(b.add_const(np.asarray(bias, dtype=bias_dtype), name="bias",
                                  scale=scales, zero_point=0, axis=0))
    elif not three_inputs:
        inputs.append(-1)
    y = b.add_output(output_shape, *output_q)
    b.add_operator("TRANSPOSE_CONV", inputs, (y,), opts)
    return b.build()


@dataclass(frozen=True)
class TCase:
    id: str
    input_shape: tuple[int, int, int, int]
    out_c: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.05, -3)
    out_zp: int = 4
    out_factor: float = 1.0
    per_channel: bool = True
    bias: bool = True
    bias_range: int = 3000
    weight_range: tuple[int, int] = (-127, 127)
    scales: tuple[float, ...] | None = None
    out_scale: float | None = None
    output_hw: tuple[int, int] | None = None    # an output size other than the converter's
    three_inputs: bool = False                  # no bias input at all (rather than -1)


CASES = [
    TCase("1x1_input_1x1_filter", (1, 1, 1, 1), 1, (1, 1)),
    TCase("3x3_same_stride1", (1, 5, 5, 2), 4, (3, 3)),
    TCase("3x3_valid_stride1", (1, 4, 5, 3), 5, (3, 3), padding=VALID),
    TCase("2x2_same_stride2", (1, 4, 4, 3), 4, (2, 2), stride=(2, 2)),
    TCase("3x3_same_stride2", (1, 4, 5, 3), 4, (3, 3), stride=(2, 2)),
    TCase("3x3_valid_stride2", (1, 4, 3, 2), 3, (3, 3), stride=(2, 2), padding=VALID),
    TCase("4x4_same_stride2_unet", (1, 3, 3, 8), 4, (4, 4), stride=(2, 2)),
    TCase("5x5_same_stride3", (1, 3, 4, 2), 3, (5, 5), stride=(3, 3)),
    TCase("stride_1x3_valid", (1, 4, 4, 2), 3, (2, 3), stride=(1, 3), padding=VALID),
    TCase("stride_gt_filter_same", (1, 3, 4, 2), 3, (2, 2), stride=(3, 4)),
    TCase("stride_gt_filter_valid", (1, 3, 3, 2), 2, (1, 2), stride=(3, 3), padding=VALID),
    TCase("1x1_filter_stride2", (1, 4, 4, 5), 3, (1, 1), stride=(2, 2)),
    TCase("wide_kernel_1x7", (1, 1, 6, 3), 4, (1, 7), stride=(1, 2)),
    TCase("tall_kernel_6x1_valid", (1, 5, 1, 3), 2, (6, 1), stride=(3, 1), padding=VALID),
    TCase("filter_larger_than_output_same", (1, 1, 2, 2), 3, (5, 5)),
    TCase("many_channels", (1, 3, 3, 32), 16, (3, 3), stride=(2, 2)),
    TCase("batch2", (2, 3, 4, 3), 4, (3, 3), stride=(2, 1)),
    TCase("per_tensor_filter_scale", (1, 4, 4, 3), 4, (3, 3), stride=(2, 2), per_channel=False),
    TCase("no_bias_minus1", (1, 4, 4, 3), 4, (3, 3), stride=(2, 2), bias=False),
    TCase("no_bias_three_inputs", (1, 4, 4, 3), 4, (3, 3), stride=(2, 2), bias=False,
          three_inputs=True),
    TCase("huge_bias", (1, 3, 3, 2), 3, (3, 3), bias_range=2_000_000, out_factor=30),
    TCase("relu", (1, 4, 4, 3), 4, (3, 3), stride=(2, 2), act=RELU, out_zp=-20),
    TCase("relu6", (1, 4, 4, 3), 4, (3, 3), act=RELU6, in_q=(0.1, 5), out_zp=-100,
          out_scale=0.03),
    TCase("relu_n1_to_1", (1, 4, 4, 3), 4, (3, 3), act=RELU1, out_zp=10, out_scale=0.011),
    TCase("relu6_zp127_clamps_all", (1, 3, 3, 2), 2, (3, 3), act=RELU6, out_zp=127),
    TCase("relu_zp_minus128", (1, 3, 3, 2), 2, (3, 3), act=RELU, out_zp=-128),
    TCase("input_zp_minus128", (1, 4, 4, 3), 4, (3, 3), stride=(2, 2), in_q=(0.02, -128),
          out_zp=0),
    TCase("input_zp_127", (1, 4, 4, 3), 4, (3, 3), stride=(2, 2), in_q=(0.02, 127),
          out_zp=-128),
    TCase("output_zp_127", (1, 4, 4, 3), 4, (3, 3), out_zp=127),
    TCase("weights_minus128", (1, 4, 4, 3), 4, (3, 3), stride=(2, 2), weight_range=(-128, 127)),
    TCase("multiplier_gt_1", (1, 3, 3, 2), 3, (2, 2), stride=(2, 2), out_factor=1 / 2000.0),
    TCase("multiplier_gt_1_saturating", (1, 3, 3, 2), 3, (2, 2), scales=(3.0, 50.0, 1000.0),
          out_scale=0.5),
    TCase("tiny_effective_scale_flushes_to_0", (1, 3, 3, 2), 3, (3, 3),
          scales=(1e-12, 2e-9, 3e-7), out_scale=1.0),
    TCase("mixed_channel_scales", (1, 4, 4, 2), 4, (3, 3), stride=(2, 2),
          scales=(1e-5, 1e-2, 1.0, 0.25), out_scale=0.5),
    # output sizes the converter does not write but TFLite-Micro computes all the same
    TCase("same_output_one_short", (1, 4, 4, 2), 3, (3, 3), stride=(2, 2), output_hw=(7, 7)),
    TCase("valid_output_larger", (1, 3, 3, 2), 3, (3, 3), stride=(2, 2), padding=VALID,
          output_hw=(8, 9)),
    TCase("output_smaller_than_input_reach", (1, 5, 5, 2), 2, (3, 3), stride=(2, 2),
          output_hw=(4, 6)),
    TCase("valid_output_smaller_than_filter", (1, 2, 2, 2), 2, (6, 6), stride=(3, 3),
          padding=VALID, output_hw=(1, 2)),
    # height: (1 + 3 - 8) / 3 < 0 fails TFLite-Micro's checked size computation, which then
    # leaves both paddings at 0 (the width alone would pad by 1)
    TCase("valid_padding_check_fails", (1, 1, 1, 2), 2, (8, 6), stride=(3, 3), padding=VALID,
          output_hw=(1, 1)),
]


def _model(c: TCase) -> bytes:
    rng = kt.case_rng(c.id)
    n, h, w, in_c = c.input_shape
    kh, kw = c.kernel
    lo, hi = c.weight_range
    filters = rng.integers(lo, hi + 1, size=(c.out_c, kh, kw, in_c)).astype(np.int8)
    if c.scales is not None:
        scales = c.scales
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.004 * rng.uniform(0.5, 2.0, size=c.out_c))
    else:
        scales = (0.004,)
    # each output sums about kh*kw*in_c / (sh*sw) products
    taps = max(1, kh * kw * in_c // (c.stride[0] * c.stride[1]))
    out_scale = c.out_scale or kt.output_scale(c.in_q[0], float(np.median(scales)), taps,
                                               c.out_factor)
    bias = (rng.integers(-c.bias_range, c.bias_range + 1, size=c.out_c).astype(np.int32)
            if c.bias else None)
    output_shape = None if c.output_hw is None else (n, *c.output_hw, c.out_c)
    return transpose_conv_model(c.input_shape, filters, bias, c.in_q, scales,
                                (out_scale, c.out_zp), options(c.padding, c.stride, c.act),
                                output_shape=output_shape, three_inputs=c.three_inputs)


@pytest.mark.host
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_transpose_conv(case: TCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


def _left_shift_wraps() -> bytes:
    """Effective scale 1000 (shift 10) with accumulators around 2^21..2^23: the requantization's
    left shift wraps in int32 in TFLite-Micro and in the C alike."""
    bias = np.array([2**21 + 5, 3 * 2**21 + 77, -(2**22) - 3, 2**23 + 2**20 + 9], np.int32)
    filters = np.array([1, -1, 2, 0], np.int8).reshape(4, 1, 1, 1)
    return transpose_conv_model((1, 1, 1, 1), filters, bias, (0.05, 0), (1000.0,), (0.05, 0),
                                options(SAME, (1, 1)))


def _no_activation_field() -> bytes:
    """Options of version 1-3 (no fused_activation_function field): NONE."""
    rng = kt.case_rng("no_activation_field")
    filters = rng.integers(-127, 128, size=(3, 3, 3, 2)).astype(np.int8)
    return transpose_conv_model((1, 3, 3, 2), filters, None, (0.05, 1), (0.01,), (0.05, -2),
                                options(SAME, (2, 2), write_activation=False))


@pytest.mark.host
@pytest.mark.parametrize("make", [_left_shift_wraps, _no_activation_field],
                         ids=["left_shift_wraps", "no_activation_field"])
def test_transpose_conv_special(make, tmp_path: Path, host_cc: str):
    kt.run_case(make(), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def _simple(**kw) -> bytes:
    args = dict(input_shape=(1, 3, 4, 2), filters=np.ones((3, 3, 3, 2), np.int8),
                bias=np.zeros(3, np.int32), input_q=(0.1, -7), filter_scales=(0.01,),
                output_q=(0.1, 3), opts=options(SAME, (2, 2)))
    args.update(kw)
    return transpose_conv_model(**args)


def test_lowering_params_and_constants():
    call = kt.lower_op(_simple(opts=options(SAME, (2, 2), RELU)))
    p = call.params
    assert call.function == "mf_transpose_conv_s8" and call.kernel == "transpose_conv"
    assert call.params_type == "mf_transpose_conv_params"
    assert call.scratch_bytes == 0
    assert p.input == Dims(1, 3, 4, 2) and p.output == Dims(1, 6, 8, 3)
    assert p.filter == Dims(3, 3, 3, 2)
    # from the output: SAME over 6 with stride 2 and k 3: total (3 - 1) * 2 + 3 - 6 = 1 -> 0;
    # over 8: (4 - 1) * 2 + 3 - 8 = 1 -> 0
    assert (p.pad_h, p.pad_w) == (0, 0)
    assert (p.stride_h, p.stride_w) == (2, 2)
    assert p.input_offset == 7 and p.output_offset == 3
    assert (p.act_min, p.act_max) == (3, 127)
    names = [c.name for c in call.constants]
    assert names == ["op0_filter", "op0_bias", "op0_multiplier", "op0_shift"]
    assert call.constants[2].values.shape == (3,)          # per-tensor scale broadcast
    # only the model input is an argument: output_shape, filter and bias are constants
    graph = kt.read_graph(_simple())
    assert call.inputs == (graph.inputs[0],) and call.outputs == (graph.outputs[0],)


@pytest.mark.parametrize("padding,size,k,stride,expected", [
    (SAME, 6, 3, 2, 0), (SAME, 8, 4, 2, 1), (SAME, 9, 5, 3, 1), (SAME, 5, 3, 1, 1),
    (SAME, 1, 5, 1, 2), (VALID, 9, 3, 2, 0), (VALID, 10, 3, 2, 0),
    (VALID, 2, 6, 3, 0),       # (2 + 3 - 6) / 3 truncates to 0: total -3 + 6 - 2 = 1 -> 0
    (VALID, 1, 6, 3, 1),       # (1 + 3 - 6) / 3 = 0 too: total -3 + 6 - 1 = 2 -> 1
    (VALID, 1, 8, 3, None),    # (1 + 3 - 8) / 3 = -1: TFLite-Micro's check fails, padding 0
])
def test_tflm_padding(padding, size, k, stride, expected):
    assert tflm_padding(padding, size, k, stride) == expected


def test_lowering_pads_from_the_output_size():
    p = kt.lower_op(_simple(input_shape=(1, 3, 3, 2), filters=np.ones((3, 4, 5, 2), np.int8),
                            opts=options(SAME, (2, 3)))).params
    # out 6x9: height (3 - 1) * 2 + 4 - 6 = 2 -> 1; width (3 - 1) * 3 + 5 - 9 = 2 -> 1
    assert p.output == Dims(1, 6, 9, 3) and (p.pad_h, p.pad_w) == (1, 1)


def test_lowering_no_bias_is_null_and_macs_count_real_taps():
    call = kt.lower_op(_simple(bias=None, input_shape=(1, 1, 1, 2),
                               opts=options(VALID, (1, 1))))
    assert call.params.bias is None
    # a 1x1 input under a 3x3 filter: 9 output pixels, each one tap of 2 channels, 3 outputs
    assert call.params.output == Dims(1, 3, 3, 3) and call.macs == 9 * 2 * 3


def test_options_without_activation_read_as_none():
    p = kt.lower_op(_simple(opts=options(SAME, (2, 2), write_activation=False))).params
    assert (p.act_min, p.act_max) == (-128, 127)


@pytest.mark.parametrize("kw,error,words", [
    (dict(shape_values=(1, 6, 8, 4)), ModelFileError, "output_shape [1, 6, 8, 4] differs"),
    (dict(filter_zero_point=3), UnsupportedModelError, "zero point 3"),
    (dict(filters=np.ones((3, 3, 3, 1), np.int8)), ModelFileError, "1 input channels"),
    (dict(output_shape=(1, 6, 8, 4)), ModelFileError, "for 1 batches and 3 filters"),
    (dict(opts=options(SAME, (2, 2), Activation.TANH)), UnsupportedModelError, "TANH"),
    (dict(bias=np.full(3, 2**31 - 1000, np.int32)), UnsupportedModelError, "accumulator"),
    (dict(bias=np.zeros(3, np.int64), bias_dtype="int64"), UnsupportedModelError,
     "int8 ops need an int32 bias"),
    (dict(filter_scales=(2.0**30,), output_q=(0.01, 0)), UnsupportedModelError, "too large"),
    (dict(opts=tb.RawOptions(TAG, SLOTS, ((0, "int8", 0), (1, "int32", 0), (2, "int32", 1)))),
     ModelFileError, "stride_w is 0"),
])
def test_lowering_rejects(kw, error, words):
    with pytest.raises(error) as info:
        kt.lower_op(_simple(**kw))
    message = str(info.value)
    assert words in message and "\n" not in message
    if "stride_w" not in words:       # the reader's message names the operator its own way
        assert "op 0 (TRANSPOSE_CONV)" in message


def test_lowering_rejects_int16_and_computed_output_shape():
    b = tb.ModelBuilder()
    shape = b.add_tensor((4,), "int32", name="computed_shape")
    f = b.add_const(np.ones((2, 1, 1, 2), np.int8), scale=0.1, zero_point=0, name="filter")
    x = b.add_input((1, 2, 2, 2), 0.1, 0)
    y = b.add_output((1, 2, 2, 2), 0.1, 0)
    b.add_operator("TRANSPOSE_CONV", (shape, f, x), (y,), options(SAME, (1, 1)))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(TRANSPOSE_CONV\): output_shape "
                                                    r"tensor 'computed_shape' is computed"):
        kt.lower_op(b.build())

    b = tb.ModelBuilder()
    shape = b.add_const(np.array([1, 2, 2, 2], np.int32), name="output_shape")
    f = b.add_const(np.ones((2, 1, 1, 2), np.int8), scale=0.1, zero_point=0, name="filter")
    x = b.add_input((1, 2, 2, 2), 0.1, 0, dtype="int16")
    y = b.add_output((1, 2, 2, 2), 0.1, 0, dtype="int16")
    b.add_operator("TRANSPOSE_CONV", (shape, f, x), (y,), options(SAME, (1, 1)))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(TRANSPOSE_CONV\): input tensor "
                                                    r"'input' is int16; only int8"):
        kt.lower_op(b.build())


def test_lowering_rejects_missing_options():
    b = tb.ModelBuilder()
    shape = b.add_const(np.array([1, 2, 2, 2], np.int32), name="output_shape")
    f = b.add_const(np.ones((2, 1, 1, 2), np.int8), scale=0.1, zero_point=0, name="filter")
    x = b.add_input((1, 2, 2, 2), 0.1, 0)
    y = b.add_output((1, 2, 2, 2), 0.1, 0)
    b.add_operator("TRANSPOSE_CONV", (shape, f, x), (y,))
    with pytest.raises(ModelFileError, match="has no TransposeConvOptions"):
        kt.lower_op(b.build())

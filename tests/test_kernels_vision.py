"""Per-op tests of the kernels vision models add (ADD, PAD/PADV2, MEAN, CONCATENATION) against
TFLite-Micro, plus unit tests of their quantization arithmetic and lowering checks.

Host tests work as in tests/test_kernels.py (whose ``run_case`` they use): a small model is
written with tests/tflite_builder.py, compiled, rendered, built and run on the host over extreme
and random input vectors, and every output element must equal TFLite-Micro's.

mcuforge compiles models with one input, so a second operand (of ADD or CONCATENATION) is
computed from the model input: a FULLY_CONNECTED layer with random weights (and a RESHAPE to
the operand's shape) gives a tensor of any shape and quantization whose values do not simply
follow the input's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pipeline.compile import quant
from pipeline.compile.ops import LOWERINGS
from pipeline.errors import ModelFileError, UnsupportedModelError
from pipeline.tflite.graph import (Activation, AddOptions, ConcatenationOptions,
                                   FullyConnectedOptions, ReducerOptions, ReshapeOptions)

import tflite_builder as tb
from test_kernels import _graph, _rng, run_case

NONE, RELU, RELU6, RELU1 = (Activation.NONE, Activation.RELU, Activation.RELU6,
                            Activation.RELU_N1_TO_1)


# ---------------------------------------------------------------------------------------------
# building multi-operand models from one input


def _derived(b: tb.ModelBuilder, x: int, x_shape: tuple[int, ...], x_scale: float,
             shape: tuple[int, ...], q: tuple[float, int], rng: np.random.Generator,
             name: str) -> int:
    """A computed int8 tensor of ``shape`` quantized ``q``: FULLY_CONNECTED over the model input
    (random weights, no bias; the weights' scale spreads the outputs over the int8 range), then
    RESHAPE unless the shape is already [1, n]."""
    n_in, n_out = math.prod(x_shape), max(math.prod(shape), 1)
    weights = rng.integers(-127, 128, size=(n_out, n_in)).astype(np.int8)
    # accumulator spread ~ sqrt(n_in) * 74 * 73 for uniform int8 data (see test_kernels)
    w_scale = q[0] / (x_scale * math.sqrt(n_in) * 74 * 73 / 50.0)
    w = b.add_const(weights, scale=w_scale, zero_point=0, name=f"{name}_weights")
    if tuple(shape) == (1, n_out):
        y = b.add_tensor(shape, scale=q[0], zero_point=q[1], name=name)
        b.add_operator("FULLY_CONNECTED", (x, w, -1), (y,), FullyConnectedOptions())
        return y
    flat = b.add_tensor((1, n_out), scale=q[0], zero_point=q[1], name=f"{name}_flat")
    b.add_operator("FULLY_CONNECTED", (x, w, -1), (flat,), FullyConnectedOptions())
    y = b.add_tensor(shape, scale=q[0], zero_point=q[1], name=name)
    inputs = [flat]
    if shape:   # an empty shape tensor would have no data; a scalar takes the options alone
        inputs.append(b.add_const(np.array(shape, dtype=np.int32), name=f"{name}_shape"))
    b.add_operator("RESHAPE", inputs, (y,), ReshapeOptions(new_shape=tuple(shape)))
    return y


# ---------------------------------------------------------------------------------------------
# ADD


@dataclass(frozen=True)
class AddCase:
    id: str
    x_shape: tuple[int, ...]                 # the model input, one operand
    other_shape: tuple[int, ...] | None      # the computed operand; None: ADD(x, x)
    x_q: tuple[float, int] = (0.05, -3)
    other_q: tuple[float, int] = (0.08, 10)
    out_q: tuple[float, int] = (0.1, 2)
    act: Activation = NONE
    swap: bool = False                       # the computed operand first


ADD_CASES = [
    AddCase("same_shape_4d", (1, 5, 6, 8), (1, 5, 6, 8)),
    AddCase("same_scales", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -3), other_q=(0.05, -3),
            out_q=(0.05, -3)),
    AddCase("resnet_like_relu", (1, 8, 8, 16), (1, 8, 8, 16), x_q=(0.0086, -128),
            other_q=(0.0136, -49), out_q=(0.0093, -128), act=RELU),
    AddCase("relu6", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.03, -100), act=RELU6),
    AddCase("relu_n1_to_1", (1, 4, 5, 3), (1, 4, 5, 3), out_q=(0.01, 5), act=RELU1),
    AddCase("2d", (1, 40), (1, 40)),
    AddCase("same_tensor_twice", (1, 4, 4, 5), None),
    AddCase("broadcast_per_channel_4d", (1, 4, 5, 8), (1, 1, 1, 8)),
    AddCase("broadcast_per_channel_4d_first", (1, 4, 5, 8), (1, 1, 1, 8), swap=True),
    AddCase("broadcast_per_channel_1d", (1, 4, 5, 8), (8,)),
    AddCase("broadcast_scalar_1d", (1, 4, 5, 8), (1,)),
    AddCase("broadcast_scalar_0d_first", (1, 3, 5, 4), (), swap=True),
    AddCase("broadcast_rows_against_columns", (1, 4, 1, 6), (1, 1, 5, 6)),
    AddCase("broadcast_channels_of_1", (1, 4, 5, 1), (1, 4, 5, 6)),
    AddCase("broadcast_5d", (1, 2, 3, 4, 5), (1, 2, 1, 4, 1)),
    AddCase("input_scales_1000x_apart", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.0001, 0),
            other_q=(0.1, 0), out_q=(0.1, 0)),
    AddCase("output_scale_much_finer_saturates", (1, 4, 4, 4), (1, 4, 4, 4), out_q=(0.0005, 0)),
    # the output rescale 2 * max / (2^20 * out) just below 1: out a hair above max / 2^19
    AddCase("output_rescale_near_limit", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(2.0**-3, 0),
            other_q=(2.0**-4, 0), out_q=(2.0**-22 * (1 + 2**-20), 0)),
    AddCase("zero_points_extreme", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, -128),
            other_q=(0.08, 127), out_q=(0.1, 127)),
    AddCase("zero_points_extreme_relu", (1, 4, 4, 4), (1, 4, 4, 4), x_q=(0.05, 127),
            other_q=(0.08, -128), out_q=(0.1, -128), act=RELU),
]


def _add_model(c: AddCase) -> bytes:
    rng = _rng(c.id)
    shape = tuple(int(d) for d in np.broadcast_shapes(
        c.x_shape, c.x_shape if c.other_shape is None else c.other_shape))
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.x_q)
    if c.other_shape is None:
        a, other = x, x
    else:
        other = _derived(b, x, c.x_shape, c.x_q[0], c.other_shape, c.other_q, rng, "other")
        a = x
    if c.swap:
        a, other = other, a
    y = b.add_output(shape, *c.out_q)
    b.add_operator("ADD", (a, other), (y,), AddOptions(activation=c.act))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", ADD_CASES, ids=lambda c: c.id)
def test_add(case: AddCase, tmp_path: Path, host_cc: str):
    run_case(_add_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# PAD / PADV2


@dataclass(frozen=True)
class PadCase:
    id: str
    shape: tuple[int, ...]
    paddings: tuple[tuple[int, int], ...]
    q: tuple[float, int] = (0.05, -3)
    constant: tuple[int, tuple[float, int]] | None = None     # PADV2: (value, its quantization)
    out_q: tuple[float, int] | None = None


PAD_CASES = [
    PadCase("mobilenet_symmetric_hw", (1, 6, 6, 4), ((0, 0), (1, 1), (1, 1), (0, 0))),
    PadCase("keras_bottom_right", (1, 6, 7, 3), ((0, 0), (0, 1), (0, 1), (0, 0))),
    PadCase("channels", (1, 3, 3, 4), ((0, 0), (0, 0), (0, 0), (2, 3))),
    PadCase("every_dimension_batch2", (2, 3, 3, 2), ((1, 1), (1, 0), (0, 2), (1, 1))),
    PadCase("no_padding", (1, 4, 4, 3), ((0, 0), (0, 0), (0, 0), (0, 0))),
    PadCase("padding_wider_than_input", (1, 2, 2, 1), ((0, 0), (3, 4), (5, 3), (0, 0))),
    PadCase("1d", (7,), ((2, 3),)),
    PadCase("3d", (1, 5, 6), ((0, 0), (1, 2), (2, 1))),
    PadCase("5d", (1, 2, 3, 2, 2), ((0, 0), (1, 0), (0, 1), (1, 1), (0, 1))),
    PadCase("zero_point_minus128", (1, 3, 4, 2), ((0, 0), (1, 1), (1, 1), (0, 0)), q=(0.02, -128)),
    # TFLite-Micro copies values without looking at the input's quantization; so does mcuforge
    PadCase("input_output_quantization_differ", (1, 3, 3, 2), ((0, 0), (1, 1), (1, 1), (0, 0)),
            q=(0.05, -3), out_q=(0.1, 7)),
    PadCase("v2_constant", (1, 4, 4, 3), ((0, 0), (1, 2), (2, 1), (0, 0)),
            constant=(-7, (0.05, -3))),
    PadCase("v2_constant_127_channels", (1, 3, 3, 2), ((0, 0), (0, 0), (0, 0), (1, 2)),
            constant=(127, (0.05, -3))),
]


def _pad_model(c: PadCase) -> bytes:
    constant = None
    if c.constant is not None:
        value, q = c.constant
        constant = (value, c.out_q or q)
    return tb.pad_model(c.shape, c.paddings, c.q, constant=constant, output_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: c.id)
def test_pad(case: PadCase, tmp_path: Path, host_cc: str):
    run_case(_pad_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# MEAN


@dataclass(frozen=True)
class MeanCase:
    id: str
    shape: tuple[int, ...]
    axes: tuple[int, ...]
    in_q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] = (0.05, -3)
    keep_dims: bool = True


MEAN_CASES = [
    # global average pooling as Keras GlobalAveragePooling2D converts (equal quantization)
    MeanCase("global_hw_keep_dims", (1, 3, 3, 32), (1, 2)),
    MeanCase("global_hw", (1, 3, 3, 32), (1, 2), keep_dims=False),
    MeanCase("global_hw_49_values", (1, 7, 7, 8), (1, 2)),
    MeanCase("global_hw_1024_values", (1, 32, 32, 2), (1, 2), keep_dims=False),
    MeanCase("global_hw_requantized", (1, 5, 3, 6), (1, 2), in_q=(0.05, -3), out_q=(0.02, 5)),
    MeanCase("axes_reversed_and_negative", (1, 4, 6, 5), (-2, 1)),
    MeanCase("duplicate_axes", (1, 4, 6, 5), (1, 2, 1)),
    MeanCase("channels_only", (1, 4, 6, 5), (3,), keep_dims=False),
    MeanCase("height_and_channels", (1, 4, 6, 5), (1, 3), in_q=(0.03, 4), out_q=(0.01, -9)),
    MeanCase("all_axes", (1, 4, 6, 5), (0, 1, 2, 3)),
    MeanCase("hwc_to_batch", (1, 4, 6, 5), (1, 2, 3), keep_dims=False),
    MeanCase("2d_batch4_over_batch", (4, 6), (0,)),
    MeanCase("scale_ratio_100_left_shift", (1, 3, 3, 4), (1, 2), in_q=(1.0, 0), out_q=(0.01, 0)),
    MeanCase("scale_ratio_1e-3", (1, 3, 3, 4), (1, 2), in_q=(0.001, 0), out_q=(1.0, 0)),
    # input / output = 3e-8 gives shift -24; log2(256) = 8 > 31 - 24: the shift is clamped
    MeanCase("shift_clamped_31_plus_s", (1, 16, 16, 2), (1, 2), in_q=(3e-8, 0), out_q=(1.0, 0)),
    MeanCase("zero_points_extreme", (1, 4, 4, 3), (1, 2), in_q=(0.05, -128), out_q=(0.05, 127)),
    MeanCase("zero_points_extreme_width", (1, 4, 4, 3), (2,), in_q=(0.05, 127), out_q=(0.04, -128)),
]


@pytest.mark.host
@pytest.mark.parametrize("case", MEAN_CASES, ids=lambda c: c.id)
def test_mean(case: MeanCase, tmp_path: Path, host_cc: str):
    run_case(tb.mean_model(case.shape, case.axes, case.in_q, case.out_q, case.keep_dims),
             tmp_path)


# ---------------------------------------------------------------------------------------------
# CONCATENATION


@dataclass(frozen=True)
class ConcatCase:
    id: str
    x_shape: tuple[int, ...]
    # operands in order: "x" for the model input, or the shape of a computed operand
    operands: tuple[str | tuple[int, ...], ...]
    axis: int
    q: tuple[float, int] = (0.05, -3)
    reshape_to: tuple[int, ...] | None = None    # a RESHAPE after it (keeps the batch at 1)


CONCAT_CASES = [
    ConcatCase("channels", (1, 4, 5, 3), ("x", (1, 4, 5, 5)), 3),
    ConcatCase("channels_negative_axis", (1, 4, 5, 3), ((1, 4, 5, 2), "x"), -1),
    ConcatCase("height", (1, 4, 5, 3), ("x", (1, 2, 5, 3)), 1),
    ConcatCase("three_inputs", (1, 3, 3, 2), ((1, 3, 3, 4), "x", (1, 3, 3, 1)), 3),
    ConcatCase("same_tensor_twice", (1, 3, 4, 2), ("x", "x"), 2),
    ConcatCase("ten_inputs", (1, 2, 2, 1), ("x", (1, 2, 2, 2), "x", (1, 2, 2, 1), "x", "x",
                                            (1, 2, 2, 3), "x", (1, 2, 2, 1), "x"), 3),
    ConcatCase("one_input", (1, 3, 3, 2), ("x",), 3),
    ConcatCase("axis0_then_reshape", (1, 4, 6), ((2, 4, 6), "x"), 0, reshape_to=(1, 12, 6)),
    ConcatCase("zero_point_minus128", (1, 3, 3, 2), ("x", (1, 3, 3, 3)), 3, q=(0.02, -128)),
]


def _concat_model(c: ConcatCase) -> bytes:
    rng = _rng(c.id)
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.q)
    operands, shapes = [], []
    for k, o in enumerate(c.operands):
        if o == "x":
            operands.append(x)
            shapes.append(c.x_shape)
        else:
            operands.append(_derived(b, x, c.x_shape, c.q[0], o, c.q, rng, f"operand{k}"))
            shapes.append(o)
    axis = c.axis % len(c.x_shape)
    out_shape = list(c.x_shape)
    out_shape[axis] = sum(s[axis] for s in shapes)
    options = ConcatenationOptions(axis=c.axis)
    if c.reshape_to is None:
        y = b.add_output(out_shape, *c.q)
        b.add_operator("CONCATENATION", operands, (y,), options)
    else:
        mid = b.add_tensor(out_shape, scale=c.q[0], zero_point=c.q[1], name="concatenated")
        b.add_operator("CONCATENATION", operands, (mid,), options)
        y = b.add_output(c.reshape_to, *c.q)
        shape = b.add_const(np.array(c.reshape_to, dtype=np.int32), name="shape")
        b.add_operator("RESHAPE", (mid, shape), (y,), ReshapeOptions(new_shape=c.reshape_to))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", CONCAT_CASES, ids=lambda c: c.id)
def test_concatenation(case: ConcatCase, tmp_path: Path, host_cc: str):
    run_case(_concat_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# quant.py: pure Python


def test_add_rescale_known_values():
    r = quant.add_rescale(0.5, 0.25, 0.5)
    # inputs: 0.5 / 1.0 = 1/2 -> (2^30, 0); 0.25 / 1.0 = 1/4 -> (2^30, -1)
    assert (r.left_shift, r.input1_multiplier, r.input1_shift) == (20, 2**30, 0)
    assert (r.input2_multiplier, r.input2_shift) == (2**30, -1)
    # output: 1.0 / (2^20 * 0.5) = 2^-19 -> (2^30, -18)
    assert (r.output_multiplier, r.output_shift) == (2**30, -18)


def test_add_rescale_rejects_output_ratio_of_one():
    with pytest.raises(quant.QuantError, match="output rescale"):
        quant.add_rescale(1.0, 1.0, 2.0**-19)
    with pytest.raises(quant.QuantError, match="rounds up to 1"):
        quant.add_rescale(1.0, 1.0, 2.0**-19 * (1 + 2.0**-40))
    quant.add_rescale(1.0, 1.0, 2.0**-19 * (1 + 2.0**-20))    # below 1: accepted


def test_add_rescale_matches_real_sum():
    """The integer pipeline of the kernel (modelled with quant.requantize) reproduces the real
    sum to within one output step."""
    s1, s2, so, z1, z2, zo = 0.05, 0.08, 0.1, -3, 10, 2
    r = quant.add_rescale(s1, s2, so)
    for x1 in (-128, -50, 0, 77, 127):
        for x2 in (-128, -1, 64, 127):
            a1 = quant.requantize((x1 - z1) << 20, r.input1_multiplier, r.input1_shift)
            a2 = quant.requantize((x2 - z2) << 20, r.input2_multiplier, r.input2_shift)
            y = quant.requantize(a1 + a2, r.output_multiplier, r.output_shift) + zo
            exact = (s1 * (x1 - z1) + s2 * (x2 - z2)) / so + zo
            assert abs(y - exact) <= 0.51, (x1, x2, y, exact)


@pytest.mark.parametrize("in_scale,out_scale,count,expected", [
    (0.5, 0.5, 1, (2**30, 1)),                   # ratio 1 = 2^30 * 2^(1-31); k = 0
    (0.5, 0.5, 9, (2**33 // 9, -2)),             # k = 3: floor(2^30 * 8 / 9), shift 1 - 3
    (0.5, 0.5, 64, (2**30, -5)),                 # exact power of two
    (3e-8, 1.0, 256, None),                      # shift -24: k clamped to 31 - 24 = 7
])
def test_mean_multiplier(in_scale, out_scale, count, expected):
    m, s = quant.mean_multiplier(in_scale, out_scale, count)
    if expected is not None:
        assert (m, s) == expected
    else:
        m0, s0 = quant.quantize_multiplier(in_scale / out_scale)
        assert s0 == -24 and (m, s) == ((m0 << 7) // 256, -31)


def test_mean_multiplier_gives_the_mean():
    for count in (1, 3, 9, 49, 64, 100, 4096):
        m, s = quant.mean_multiplier(0.05, 0.05, count)
        for total in (-128 * count, -7 * count - 3, 0, 5 * count + count // 2, 127 * count):
            y = quant.requantize(total, m, s)
            assert abs(y - total / count) <= 0.5 + 1e-9 + 2.0 / count, (count, total, y)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def _lower_op(model: bytes, index: int = -1):
    graph = _graph(model)
    op = graph.operators[index]
    return LOWERINGS[op.opcode](graph, op)


def test_lowering_add_merges_dimensions_and_broadcast_strides():
    p = dict(_lower_op(_add_model(AddCase("x", (1, 4, 5, 8), (1, 1, 1, 8)))).params)
    # [4, 5, 8] with a per-channel operand: H and W merge, the operand repeats along them
    assert p["rank"] == "2" and p["output_dims"] == "{20, 8}"
    assert p["input1_strides"] == "{8, 1}" and p["input2_strides"] == "{0, 1}"
    assert p["left_shift"] == "20"
    p = dict(_lower_op(_add_model(AddCase("x", (1, 5, 6, 8), (1, 5, 6, 8)))).params)
    assert p["rank"] == "1" and p["output_dims"] == "{240}"
    assert p["input1_offset"] == "3" and p["input2_offset"] == "-10" and p["output_offset"] == "2"
    p = dict(_lower_op(_add_model(AddCase("x", (1, 4, 1, 6), (1, 1, 5, 6)))).params)
    assert p["output_dims"] == "{4, 5, 6}"
    assert p["input1_strides"] == "{6, 0, 1}" and p["input2_strides"] == "{0, 6, 1}"


def test_lowering_add_rejects():
    with pytest.raises(UnsupportedModelError, match="op 2 \\(ADD\\).*output rescale"):
        _lower_op(_add_model(AddCase("x", (1, 2, 2, 2), (1, 2, 2, 2), x_q=(1.0, 0),
                                     other_q=(1.0, 0), out_q=(2.0**-19, 0))))
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    c = b.add_const(np.ones((1, 4), np.int8), scale=0.1, zero_point=0)
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("ADD", (x, c), (y,), AddOptions())
    with pytest.raises(UnsupportedModelError, match="constant"):
        _lower_op(b.build())
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 5), 0.1, 0)
    b.add_operator("ADD", (x, x), (y,), AddOptions())
    with pytest.raises(ModelFileError, match="broadcasting"):
        _lower_op(b.build())


def test_lowering_pad_params():
    call = _lower_op(tb.pad_model((1, 6, 6, 4), ((0, 0), (1, 1), (1, 1), (0, 0)), (0.1, -5)))
    p = dict(call.params)
    # the unpadded batch of 1 is dropped; C (not padded) merges into W, scaling W's padding
    assert p["rank"] == "2" and p["input_dims"] == "{6, 24}"
    assert p["pad_before"] == "{1, 4}" and p["pad_after"] == "{1, 4}"
    assert p["pad_value"] == "-5" and call.function == "mf_pad_s8" and len(call.inputs) == 1
    p = dict(_lower_op(tb.pad_model((1, 3, 4, 2), ((0, 0), (2, 1), (0, 0), (0, 0)),
                                    (0.1, 0))).params)
    # H padded, W and C not: they merge into H's rows, the padding scales with them
    assert p["rank"] == "1" and p["input_dims"] == "{24}"
    assert p["pad_before"] == "{16}" and p["pad_after"] == "{8}"
    p = dict(_lower_op(tb.pad_model((1, 3, 3, 2), ((0, 0), (1, 1), (1, 1), (0, 0)), (0.1, 4),
                                    constant=(-100, (0.1, 4)))).params)
    assert p["pad_value"] == "-100"


def test_lowering_pad_rejects():
    with pytest.raises(UnsupportedModelError, match="negative paddings"):
        _lower_op(tb.pad_model((1, 4, 4, 1), ((0, 0), (-1, 0), (0, 0), (0, 0)), (0.1, 0)))
    with pytest.raises(UnsupportedModelError, match="not quantized like the output"):
        _lower_op(tb.pad_model((1, 4, 4, 1), ((0, 0), (1, 1), (0, 0), (0, 0)), (0.1, 0),
                               constant=(3, (0.2, 0))))
    with pytest.raises(UnsupportedModelError, match="at most 5"):
        _lower_op(tb.pad_model((1, 2, 1, 2, 1, 2), ((0, 0),) * 5 + ((1, 1),), (0.1, 0)))


def test_lowering_mean_params():
    p = dict(_lower_op(tb.mean_model((1, 7, 7, 8), (1, 2), (0.05, -3), (0.05, -3))).params)
    assert p["rank"] == "2" and p["input_dims"] == "{49, 8}" and p["reduced"] == "{1, 0}"
    assert p["count"] == "49" and p["sum_offset"] == str(3 * 49)
    m, s = quant.mean_multiplier(0.05, 0.05, 49)
    assert (p["multiplier"], p["shift"]) == (str(m), str(s))
    p = dict(_lower_op(tb.mean_model((1, 4, 6, 5), (1, 3), (0.05, 0), (0.05, 0))).params)
    assert p["input_dims"] == "{4, 6, 5}" and p["reduced"] == "{1, 0, 1}"


def test_lowering_mean_rejects():
    with pytest.raises(ModelFileError, match="axis 4 is out of range"):
        _lower_op(tb.mean_model((1, 2, 2, 2), (4,), (0.1, 0), (0.1, 0)))
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 2, 2), 0.1, 0)
    y = b.add_output((1, 1, 1, 1), 0.1, 0)
    b.add_operator("MEAN", (x, x), (y,), ReducerOptions(keep_dims=True))
    with pytest.raises(UnsupportedModelError, match="computed at run time"):
        _lower_op(b.build())


def test_lowering_concatenation_params():
    call = _lower_op(_concat_model(ConcatCase("x", (1, 4, 5, 3), ("x", (1, 4, 5, 5)), 3)))
    p = dict(call.params)
    assert call.function == "mf_concatenation_s8" and len(call.inputs) == 2
    assert p["num_inputs"] == "2" and p["outer"] == "20" and p["input_sizes"] == "{3, 5}"
    p = dict(_lower_op(_concat_model(ConcatCase("x", (1, 4, 5, 3), ("x", (1, 2, 5, 3)), 1)))
             .params)
    assert p["outer"] == "1" and p["input_sizes"] == "{60, 30}"


def _concat_two(q1, q2, out_q, axis=3, activation=NONE, out_c=4) -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 2, 2), *q1)
    other = _derived(b, x, (1, 2, 2, 2), q1[0], (1, 2, 2, 2), q2, np.random.default_rng(0), "o")
    y = b.add_output((1, 2, 2, out_c), *out_q)
    b.add_operator("CONCATENATION", (x, other), (y,),
                   ConcatenationOptions(axis=axis, activation=activation))
    return b.build()


def test_lowering_concatenation_rejects():
    with pytest.raises(UnsupportedModelError, match="does not requantize"):
        _lower_op(_concat_two((0.1, 0), (0.2, 0), (0.1, 0)))
    with pytest.raises(UnsupportedModelError, match="does not requantize"):
        _lower_op(_concat_two((0.1, 0), (0.1, 1), (0.1, 0)))
    with pytest.raises(UnsupportedModelError, match="fused activation RELU"):
        _lower_op(_concat_two((0.1, 0), (0.1, 0), (0.1, 0), activation=RELU))
    with pytest.raises(ModelFileError, match="add up to 4"):
        _lower_op(_concat_two((0.1, 0), (0.1, 0), (0.1, 0), out_c=5))
    with pytest.raises(ModelFileError, match="does not match"):
        _lower_op(_concat_two((0.1, 0), (0.1, 0), (0.1, 0), axis=1))

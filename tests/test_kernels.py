"""Per-op tests of the int8 kernels against TFLite-Micro, plus unit tests of the quantization
arithmetic (pipeline.compile.quant) and of the lowering checks (pipeline.compile.ops).

Host tests: each case writes a single-op model with tests/tflite_builder.py, compiles it
(pipeline.compile), renders the C (pipeline.codegen), builds and runs it on the host over random
and extreme input vectors, and requires every output element to equal TFLite-Micro's. LiteRT's
reference kernels are run too; a disagreement with LiteRT is reported as a warning, never a
failure (see DESIGN.md: it is a second opinion only).
"""

from __future__ import annotations

import math
import zlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pipeline.compile import compile_model
from pipeline.compile import quant
from pipeline.compile.ops import LOWERINGS
from pipeline.errors import ModelFileError, UnsupportedModelError
from pipeline.tflite.graph import (Activation, Conv2DOptions, DepthwiseConv2DOptions,
                                   FullyConnectedOptions, Padding, Pool2DOptions)
from pipeline.tflite.reader import read_model

import tflite_builder as tb

SAME, VALID = Padding.SAME, Padding.VALID
NONE, RELU, RELU6, RELU1 = (Activation.NONE, Activation.RELU, Activation.RELU6,
                            Activation.RELU_N1_TO_1)
VECTORS = 12   # random input vectors per case (plus three extreme ones)


class LiteRTDisagreement(UserWarning):
    """LiteRT's reference kernels differ from TFLite-Micro (and so from the generated C)."""


# ---------------------------------------------------------------------------------------------
# running a model on the host and comparing


def _input_vectors(shape: tuple[int, ...], zero_point: int, seed: int) -> np.ndarray:
    """[N, *shape]: all -128, all 127, all zero_point, then random int8 vectors."""
    rng = np.random.default_rng(seed)
    extremes = [np.full(shape, v, dtype=np.int8) for v in (-128, 127, zero_point)]
    random = rng.integers(-128, 128, size=(VECTORS, *shape), dtype=np.int8)
    return np.concatenate([np.stack(extremes), random])


def _first_differences(got: np.ndarray, expected: np.ndarray, keep: int = 8) -> str:
    bad = np.argwhere(got.astype(np.int64) != expected.astype(np.int64))
    parts = [f"vector {i[0]} at {list(map(int, i[1:]))}: C {int(got[tuple(i)])}, "
             f"TFLM {int(expected[tuple(i)])}" for i in bad[:keep]]
    return f"{len(bad)} elements differ; first: " + "; ".join(parts)


def run_case(model: bytes, tmp_path: Path, seed: int = 0) -> None:
    """Compile + generate + build + run; assert equality with TFLite-Micro on every element."""
    from pipeline.codegen import render_program
    from pipeline.emulate import check_on_host
    from pipeline.emulate.vectors import vector_shape

    path = tmp_path / "case.tflite"
    path.write_bytes(model)
    c_dir = render_program(compile_model(path), tmp_path / "c", model)
    graph = read_model(path)
    inp = graph.tensor(graph.inputs[0])
    # one vector per inference: the whole input tensor, without its batch axis when that is 1
    inputs = _input_vectors(inp.shape, inp.quant.zero_point[0], seed)
    inputs = inputs.reshape(len(inputs), *vector_shape(inp.shape))
    result = check_on_host(c_dir, inputs, tmp_path / "build")

    got, tflm = result.generated, result.tflm
    assert got.shape == tflm.shape, f"output shape {got.shape} != TFLM {tflm.shape}"
    if not np.array_equal(got, tflm):
        pytest.fail("generated C differs from TFLite-Micro: " + _first_differences(got, tflm),
                    pytrace=False)
    if result.litert is None:
        warnings.warn(LiteRTDisagreement(f"{tmp_path.name}: {result.litert_problem}"))
    elif not result.vs_litert.ok:
        count = int((result.litert != tflm).sum())
        warnings.warn(LiteRTDisagreement(
            f"{tmp_path.name}: LiteRT (BUILTIN_REF) differs from TFLite-Micro and the generated C "
            f"on {count} of {tflm.size} elements (max {result.vs_litert.max_abs_diff} LSB)"))


# ---------------------------------------------------------------------------------------------
# case descriptions


def _rng(case_id: str) -> np.random.Generator:
    """A generator seeded from the case id: the same data on every run."""
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def _output_scale(input_scale: float, filter_scale: float, taps: int, factor: float = 1.0) -> float:
    """An output scale that spreads typical outputs of random data over the int8 range:
    the accumulator's standard deviation is about sqrt(taps) * 73 * 74 for uniform int8 data."""
    return input_scale * filter_scale * math.sqrt(taps) * 5400.0 / 50.0 * factor


@dataclass(frozen=True)
class ConvCase:
    id: str
    input_shape: tuple[int, int, int, int]
    out_c: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.05, -3)
    out_zp: int = 4
    out_factor: float = 1.0         # multiplies the output scale picked by _output_scale
    per_channel: bool = True
    bias: bool = True
    bias_range: int = 3000
    filter_c: int | None = None     # < input channels: grouped convolution
    weight_range: tuple[int, int] = (-127, 127)
    scales: tuple[float, ...] | None = None   # explicit filter scales
    out_scale: float | None = None            # explicit output scale


CONV_CASES = [
    ConvCase("1x1_input_1x1_filter", (1, 1, 1, 1), 1, (1, 1)),
    ConvCase("1x1_input_3x3_same", (1, 1, 1, 3), 4, (3, 3)),
    ConvCase("3x3_same", (1, 5, 5, 2), 4, (3, 3)),
    ConvCase("3x3_valid", (1, 6, 5, 3), 5, (3, 3), padding=VALID),
    ConvCase("3x2_stride2_same_asym", (1, 7, 6, 3), 4, (3, 2), stride=(2, 2)),
    ConvCase("4x4_stride2_same_asym", (1, 8, 9, 2), 3, (4, 4), stride=(2, 2)),
    ConvCase("5x5_stride3_same", (1, 8, 8, 4), 6, (5, 5), stride=(3, 3)),
    ConvCase("2x2_stride_1x3_valid", (1, 9, 10, 2), 3, (2, 2), stride=(1, 3), padding=VALID),
    ConvCase("stride_gt_filter_1x1", (1, 7, 7, 3), 4, (1, 1), stride=(2, 2)),
    ConvCase("stride_gt_filter_same", (1, 10, 11, 2), 3, (2, 2), stride=(3, 4)),
    ConvCase("stride_gt_filter_valid", (1, 10, 11, 2), 3, (2, 3), stride=(4, 5), padding=VALID),
    ConvCase("dilation2_same", (1, 9, 9, 2), 3, (3, 3), dilation=(2, 2)),
    ConvCase("dilation2_valid", (1, 9, 8, 2), 3, (3, 3), dilation=(2, 2), padding=VALID),
    ConvCase("dilation_2x3_stride2", (1, 12, 13, 3), 2, (3, 2), stride=(2, 2), dilation=(2, 3)),
    ConvCase("filter_larger_than_input_same", (1, 3, 2, 2), 3, (5, 5)),
    ConvCase("wide_kernel_1x10_ds_cnn", (1, 49, 10, 1), 8, (10, 4), stride=(2, 2)),
    ConvCase("many_channels", (1, 4, 4, 32), 16, (3, 3)),
    ConvCase("pointwise_1x1", (1, 6, 6, 24), 12, (1, 1)),
    ConvCase("batch2", (2, 5, 4, 3), 4, (3, 3), stride=(2, 1)),
    ConvCase("grouped_2_groups", (1, 5, 5, 4), 6, (3, 3), filter_c=2),
    ConvCase("per_tensor_filter_scale", (1, 5, 5, 3), 4, (3, 3), per_channel=False),
    ConvCase("no_bias", (1, 5, 5, 3), 4, (3, 3), bias=False),
    ConvCase("huge_bias", (1, 4, 4, 2), 3, (3, 3), bias_range=2_000_000, out_factor=30),
    ConvCase("relu", (1, 6, 6, 3), 4, (3, 3), act=RELU, out_zp=-20),
    ConvCase("relu6", (1, 6, 6, 3), 4, (3, 3), act=RELU6, in_q=(0.1, 5), out_zp=-100,
             out_scale=0.03),
    ConvCase("relu_n1_to_1", (1, 6, 6, 3), 4, (3, 3), act=RELU1, out_zp=10, out_scale=0.011),
    ConvCase("relu6_zp127_clamps_all", (1, 4, 4, 2), 2, (3, 3), act=RELU6, out_zp=127),
    ConvCase("relu_zp_minus128", (1, 4, 4, 2), 2, (3, 3), act=RELU, out_zp=-128),
    ConvCase("input_zp_minus128", (1, 5, 5, 3), 4, (3, 3), in_q=(0.02, -128), out_zp=0),
    ConvCase("input_zp_127", (1, 5, 5, 3), 4, (3, 3), in_q=(0.02, 127), out_zp=-128),
    ConvCase("output_zp_127", (1, 5, 5, 3), 4, (3, 3), out_zp=127),
    ConvCase("weights_minus128", (1, 5, 5, 3), 4, (3, 3), weight_range=(-128, 127)),
    ConvCase("multiplier_gt_1", (1, 4, 4, 2), 3, (2, 2), out_factor=1 / 2000.0),
    ConvCase("multiplier_gt_1_saturating", (1, 4, 4, 2), 3, (2, 2), scales=(3.0, 50.0, 1000.0),
             out_scale=0.5),
    ConvCase("tiny_effective_scale_flushes_to_0", (1, 4, 4, 2), 3, (3, 3),
             scales=(1e-12, 2e-9, 3e-7), out_scale=1.0),
    ConvCase("mixed_channel_scales", (1, 5, 5, 2), 4, (3, 3),
             scales=(1e-5, 1e-2, 1.0, 0.25), out_scale=0.5),
    ConvCase("multiplier_rounds_up_to_2pow31", (1, 4, 4, 2), 2, (1, 1),
             in_q=((1 + 2**-23) * 2**-4, 0), scales=((1 - 2**-23) * 2**-7, 2**-7),
             out_scale=2**-11),
]


def _conv_model(c: ConvCase, rng: np.random.Generator) -> bytes:
    n, h, w, in_c = c.input_shape
    k_c = c.filter_c or in_c
    kh, kw = c.kernel
    lo, hi = c.weight_range
    filters = rng.integers(lo, hi + 1, size=(c.out_c, kh, kw, k_c)).astype(np.int8)
    if c.scales is not None:
        scales = c.scales
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.004 * rng.uniform(0.5, 2.0, size=c.out_c))
    else:
        scales = (0.004,)
    out_scale = c.out_scale or _output_scale(c.in_q[0], float(np.median(scales)),
                                             kh * kw * k_c, c.out_factor)
    bias = (rng.integers(-c.bias_range, c.bias_range + 1, size=c.out_c).astype(np.int32)
            if c.bias else None)
    opts = Conv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                         dilation_w=c.dilation[1], dilation_h=c.dilation[0], activation=c.act)
    return tb.conv2d_model(c.input_shape, filters, bias, c.in_q, scales, (out_scale, c.out_zp),
                           opts)


@pytest.mark.host
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: c.id)
def test_conv2d(case: ConvCase, tmp_path: Path, host_cc: str):
    run_case(_conv_model(case, _rng(case.id)), tmp_path)


def _conv_left_shift_wraps() -> bytes:
    """Effective scale 1000 (shift 10) with accumulators around 2^21..2^23: acc * 2^10 leaves
    int32 and wraps in TFLite-Micro's requantization; the C must wrap the same way."""
    bias = np.array([2**21 + 5, 3 * 2**21 + 77, -(2**22) - 3, 2**23 + 2**20 + 9], np.int32)
    filters = np.array([1, -1, 2, 0], np.int8).reshape(4, 1, 1, 1)
    return tb.conv2d_model((1, 1, 1, 1), filters, bias, (0.05, 0), (1000.0,), (0.05, 0),
                           Conv2DOptions(SAME, 1, 1))


def _conv_output_offset_wraps() -> bytes:
    """Multiplier 2^31 - 1 (scales (1 + 160 * 2^-23) * (1 - 160 * 2^-23)), zero weights and a bias
    of 2^31 - 100: the requantized value plus the output zero point 127 leaves int32, wraps
    negative in TFLite-Micro and clamps to -128; one step further from the edge it gives 127."""
    bias = np.array([2**31 - 100, 2**31 - 200, 2**31 - 1000], np.int32)
    return tb.conv2d_model((1, 1, 1, 1), np.zeros((3, 1, 1, 1), np.int8), bias,
                           (1 + 160 * 2**-23, 0), (1 - 160 * 2**-23,), (1.0, 127),
                           Conv2DOptions(SAME, 1, 1))


@pytest.mark.host
@pytest.mark.parametrize("make", [_conv_left_shift_wraps, _conv_output_offset_wraps],
                         ids=["left_shift_wraps", "output_offset_wraps"])
def test_conv2d_int32_wrapping(make, tmp_path: Path, host_cc: str):
    run_case(make(), tmp_path)


@dataclass(frozen=True)
class DwCase:
    id: str
    input_shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    multiplier: int = 1
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.04, 7)
    out_zp: int = -5
    out_factor: float = 1.0
    per_channel: bool = True
    bias: bool = True
    scales: tuple[float, ...] | None = None
    out_scale: float | None = None


DW_CASES = [
    DwCase("1x1_input_3x3", (1, 1, 1, 4), (3, 3)),
    DwCase("3x3_same", (1, 6, 6, 4), (3, 3)),
    DwCase("3x3_valid", (1, 6, 7, 3), (3, 3), padding=VALID),
    DwCase("3x3_stride2_same_asym", (1, 7, 8, 5), (3, 3), stride=(2, 2)),
    DwCase("4x2_stride2_same", (1, 9, 6, 2), (4, 2), stride=(2, 2)),
    DwCase("stride_gt_filter", (1, 10, 10, 3), (2, 2), stride=(3, 3)),
    DwCase("stride_gt_filter_valid", (1, 10, 9, 3), (1, 2), stride=(4, 3), padding=VALID),
    DwCase("dilation2_same", (1, 9, 9, 3), (3, 3), dilation=(2, 2)),
    DwCase("dilation_3x2_valid", (1, 11, 9, 2), (3, 3), dilation=(3, 2), padding=VALID),
    DwCase("depth_multiplier2", (1, 5, 5, 3), (3, 3), multiplier=2),
    DwCase("depth_multiplier3_stride2", (1, 7, 7, 2), (3, 3), multiplier=3, stride=(2, 2)),
    DwCase("depth_multiplier4_from_1_channel", (1, 6, 6, 1), (3, 3), multiplier=4),
    DwCase("many_channels", (1, 5, 5, 64), (3, 3)),
    DwCase("ds_cnn_like", (1, 25, 5, 16), (3, 3)),
    DwCase("batch2", (2, 5, 5, 3), (3, 3), stride=(1, 2)),
    DwCase("per_tensor_filter_scale", (1, 5, 5, 4), (3, 3), per_channel=False),
    DwCase("no_bias", (1, 5, 5, 4), (3, 3), bias=False),
    DwCase("relu", (1, 5, 5, 4), (3, 3), act=RELU, out_zp=-60),
    DwCase("relu6", (1, 5, 5, 4), (3, 3), act=RELU6, out_zp=-128, out_scale=0.02),
    DwCase("relu_n1_to_1", (1, 5, 5, 4), (3, 3), act=RELU1, out_zp=3, out_scale=0.005),
    DwCase("input_zp_minus128", (1, 5, 5, 4), (3, 3), in_q=(0.02, -128)),
    DwCase("input_zp_127", (1, 5, 5, 4), (3, 3), in_q=(0.02, 127), out_zp=127),
    DwCase("multiplier_gt_1", (1, 4, 4, 3), (2, 2), scales=(2.0, 40.0, 0.5), out_scale=0.25),
    DwCase("tiny_scales", (1, 4, 4, 3), (3, 3), scales=(1e-11, 1e-6, 1e-3), out_scale=0.1),
]


def _dw_model(c: DwCase, rng: np.random.Generator) -> bytes:
    n, h, w, in_c = c.input_shape
    kh, kw = c.kernel
    out_c = in_c * c.multiplier
    filters = rng.integers(-127, 128, size=(1, kh, kw, out_c)).astype(np.int8)
    if c.scales is not None:
        scales = tuple(np.resize(np.array(c.scales), out_c).tolist())
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.01 * rng.uniform(0.5, 2.0, size=out_c))
    else:
        scales = (0.01,)
    out_scale = c.out_scale or _output_scale(c.in_q[0], float(np.median(scales)), kh * kw,
                                             c.out_factor)
    bias = rng.integers(-2000, 2001, size=out_c).astype(np.int32) if c.bias else None
    opts = DepthwiseConv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                                  depth_multiplier=c.multiplier, dilation_w=c.dilation[1],
                                  dilation_h=c.dilation[0], activation=c.act)
    return tb.depthwise_conv2d_model(c.input_shape, filters, bias, c.in_q, scales,
                                     (out_scale, c.out_zp), opts)


@pytest.mark.host
@pytest.mark.parametrize("case", DW_CASES, ids=lambda c: c.id)
def test_depthwise_conv2d(case: DwCase, tmp_path: Path, host_cc: str):
    run_case(_dw_model(case, _rng(case.id)), tmp_path)


@dataclass(frozen=True)
class FcCase:
    id: str
    input_shape: tuple[int, ...]
    units: int
    keep_num_dims: bool = False
    act: Activation = NONE
    in_q: tuple[float, int] = (0.03, -10)
    out_zp: int = 2
    out_factor: float = 1.0
    per_channel: bool = False
    bias: bool = True
    filter_zp: int = 0
    scales: tuple[float, ...] | None = None
    out_scale: float | None = None


FC_CASES = [
    FcCase("1_to_1", (1, 1), 1),
    FcCase("basic", (1, 16), 8),
    FcCase("from_4d_input", (1, 2, 3, 4), 5),
    FcCase("keep_num_dims_3d", (1, 3, 8), 4, keep_num_dims=True),
    FcCase("batch3", (3, 10), 6),
    FcCase("deep_1024", (1, 1024), 12),
    FcCase("wide_64_units", (1, 20), 64),
    FcCase("per_channel", (1, 32), 10, per_channel=True),
    FcCase("per_channel_batch2", (2, 12), 7, per_channel=True),
    FcCase("no_bias", (1, 16), 8, bias=False),
    FcCase("relu", (1, 16), 8, act=RELU, out_zp=-30),
    FcCase("relu6", (1, 16), 8, act=RELU6, out_zp=-128, out_scale=0.04),
    FcCase("relu_n1_to_1", (1, 16), 8, act=RELU1, out_zp=0, out_scale=0.01),
    FcCase("input_zp_minus128", (1, 24), 6, in_q=(0.01, -128)),
    FcCase("input_zp_127", (1, 24), 6, in_q=(0.01, 127), out_zp=-128),
    FcCase("output_zp_127", (1, 24), 6, out_zp=127),
    FcCase("multiplier_gt_1", (1, 6), 4, scales=(8.0,), out_scale=0.5),
    FcCase("multiplier_gt_1_per_channel", (1, 6), 3, per_channel=True,
           scales=(8.0, 0.001, 300.0), out_scale=0.5),
    FcCase("tiny_scale", (1, 16), 4, scales=(1e-10,), out_scale=1.0),
    FcCase("float32_product_matters", (1, 40), 5, in_q=((1 + 2**-13) * 2**-6, 3),
           scales=((1 + 2**-13) * 2**-8,), out_scale=2**-2),
    FcCase("weights_zero_point_per_tensor", (1, 16), 8, filter_zp=-7),
]


def _fc_model(c: FcCase, rng: np.random.Generator) -> bytes:
    # keep_num_dims keeps every leading dimension; otherwise the first one is the batch
    depth = c.input_shape[-1] if c.keep_num_dims else int(np.prod(c.input_shape[1:]))
    weights = rng.integers(-127, 128, size=(c.units, depth)).astype(np.int8)
    if c.scales is not None:
        scales = c.scales
    elif c.per_channel:
        scales = tuple(float(s) for s in 0.005 * rng.uniform(0.5, 2.0, size=c.units))
    else:
        scales = (0.005,)
    out_scale = c.out_scale or _output_scale(c.in_q[0], float(np.median(scales)), depth,
                                             c.out_factor)
    bias = rng.integers(-3000, 3001, size=c.units).astype(np.int32) if c.bias else None
    opts = FullyConnectedOptions(activation=c.act, keep_num_dims=c.keep_num_dims)
    return tb.fully_connected_model(c.input_shape, weights, bias, c.in_q, scales,
                                    (out_scale, c.out_zp), opts, filter_zero_point=c.filter_zp)


@pytest.mark.host
@pytest.mark.parametrize("case", FC_CASES, ids=lambda c: c.id)
def test_fully_connected(case: FcCase, tmp_path: Path, host_cc: str):
    run_case(_fc_model(case, _rng(case.id)), tmp_path)


@dataclass(frozen=True)
class PoolCase:
    id: str
    kind: str
    input_shape: tuple[int, int, int, int]
    filter: tuple[int, int]
    stride: tuple[int, int]
    padding: Padding = VALID
    act: Activation = NONE
    q: tuple[float, int] = (0.05, -2)


AVG, MAX = "AVERAGE_POOL_2D", "MAX_POOL_2D"
POOL_CASES = [
    PoolCase(f"{kind[:3].lower()}_{name}", kind, shape, flt, stride, pad, act, q)
    for kind in (AVG, MAX)
    for name, shape, flt, stride, pad, act, q in [
        ("2x2_s2_valid", (1, 8, 8, 3), (2, 2), (2, 2), VALID, NONE, (0.05, -2)),
        ("3x3_s1_same", (1, 6, 7, 2), (3, 3), (1, 1), SAME, NONE, (0.05, -2)),
        ("3x3_s2_same_asym", (1, 8, 9, 4), (3, 3), (2, 2), SAME, NONE, (0.05, -2)),
        ("global_25x5", (1, 25, 5, 8), (25, 5), (1, 1), VALID, NONE, (0.1, 0)),
        ("stride_gt_filter", (1, 10, 11, 2), (2, 2), (3, 4), SAME, NONE, (0.05, -2)),
        ("window_larger_than_input_same", (1, 3, 2, 3), (5, 4), (2, 2), SAME, NONE, (0.05, 5)),
        ("1x1_input", (1, 1, 1, 5), (1, 1), (1, 1), VALID, NONE, (0.05, 0)),
        ("relu_zp_minus128", (1, 6, 6, 3), (2, 2), (2, 2), VALID, RELU, (0.02, -128)),
        ("relu6_zp127", (1, 6, 6, 3), (3, 3), (1, 1), SAME, RELU6, (0.05, 127)),
        ("relu6", (1, 6, 6, 3), (3, 3), (2, 1), SAME, RELU6, (0.03, -100)),
        ("relu_n1_to_1", (1, 6, 6, 3), (2, 3), (1, 2), SAME, RELU1, (0.01, 20)),
        ("relu6_float32_rounding", (1, 4, 4, 3), (2, 2), (1, 1), SAME, RELU6, (2.4, 0)),
        ("batch2", (2, 5, 5, 2), (2, 2), (1, 1), VALID, NONE, (0.05, -2)),
    ]
]


@pytest.mark.host
@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: c.id)
def test_pool2d(case: PoolCase, tmp_path: Path, host_cc: str):
    opts = Pool2DOptions(padding=case.padding, stride_w=case.stride[1], stride_h=case.stride[0],
                         filter_w=case.filter[1], filter_h=case.filter[0], activation=case.act)
    run_case(tb.pool2d_model(case.kind, case.input_shape, case.q, opts), tmp_path)


@dataclass(frozen=True)
class SoftmaxCase:
    id: str
    shape: tuple[int, ...]
    in_q: tuple[float, int]
    beta: float = 1.0


SOFTMAX_CASES = [
    SoftmaxCase("depth1", (1, 1), (0.1, 0)),
    SoftmaxCase("depth2", (1, 2), (0.1, 3)),
    SoftmaxCase("kws_12", (1, 12), (0.1, -20)),
    SoftmaxCase("depth_10_scale_1_over_16", (1, 10), (1 / 16, -128)),
    SoftmaxCase("depth_100_small_scale", (1, 100), (0.01, 127)),
    SoftmaxCase("depth_300", (1, 300), (0.05, 0)),
    SoftmaxCase("large_scale_shift_27", (1, 16), (1.0, 0)),
    SoftmaxCase("huge_scale_capped_multiplier", (1, 16), (40.0, 0)),
    SoftmaxCase("tiny_scale", (1, 16), (2e-6, 0)),
    SoftmaxCase("beta_0_5", (1, 20), (0.2, 1), beta=0.5),
    SoftmaxCase("beta_2_5", (1, 20), (0.2, 1), beta=2.5),
    SoftmaxCase("rows_3d", (1, 4, 9), (0.08, -7)),
    SoftmaxCase("rows_4d", (1, 3, 2, 6), (0.15, 0)),
    SoftmaxCase("rows16_depth64", (1, 16, 64), (0.1, 0)),
    SoftmaxCase("rows8_depth32_scale_0_3", (1, 8, 32), (0.3, 0)),
    # 511 values of exp() <= 1 keep the sum below 512, the most TFLite-Micro accepts
    SoftmaxCase("depth511_largest_safe", (1, 511), (0.02, 0)),
]


@pytest.mark.host
@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=lambda c: c.id)
def test_softmax(case: SoftmaxCase, tmp_path: Path, host_cc: str):
    run_case(tb.softmax_model(case.shape, case.in_q, case.beta), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("in_shape,out_shape,shape_tensor", [
    ((1, 5, 2, 3), (1, 30), True),
    ((1, 30), (1, 3, 10), True),
    ((1, 4, 4, 2), (1, 2, 16), False),
], ids=["4d_to_2d", "2d_to_3d", "options_only"])
def test_reshape(in_shape, out_shape, shape_tensor, tmp_path: Path, host_cc: str):
    run_case(tb.reshape_model(in_shape, out_shape, (0.07, -9), shape_tensor), tmp_path)


# ---------------------------------------------------------------------------------------------
# quant.py: pure Python


@pytest.mark.parametrize("real,expected", [
    (0.0, (0, 0)),
    (0.5, (2**30, 0)),
    (1.0, (2**30, 1)),
    (0.25, (2**30, -1)),
    (0.75, (3 * 2**29, 0)),
    (3.0, (3 * 2**29, 2)),
    (2.0**-31, (2**30, -30)),
    (2.0**-32, (2**30, -31)),
    (2.0**-33, (0, 0)),                          # flushed: shift would be < -31
    (1 - 2.0**-46, (2**30, 1)),                  # q * 2^31 rounds to 2^31: halved, shift + 1
    (0.5 + 2.0**-32, (2**30 + 1, 0)),            # exactly half a step: rounds away from zero
    (0.5 + 2.0**-32 - 2.0**-40, (2**30, 0)),     # just below half a step
])
def test_quantize_multiplier_known_values(real, expected):
    assert quant.quantize_multiplier(real) == expected


def test_quantize_multiplier_reconstructs():
    rng = np.random.default_rng(1)
    for real in 10.0 ** rng.uniform(-9, 3, size=500):
        m, s = quant.quantize_multiplier(float(real))
        assert 2**30 <= m < 2**31
        assert abs(m * 2.0 ** (s - 31) - real) <= real * 2.0**-31


def test_sign_conventions():
    """The one test that catches a sign mistake: shift > 0 is a left shift, input_offset is
    -zero_point and output_offset +zero_point. A 1x1 convolution with weight 1 whose scales make
    real output == real input must reproduce the input's real value."""
    # shift direction, through the Python model of the kernels' requantization
    m, s = quant.quantize_multiplier(4.0)
    assert s == 3 and quant.requantize(100, m, s) == 400
    m, s = quant.quantize_multiplier(0.125)
    assert s == -2 and quant.requantize(800, m, s) == 100
    # the final rounding shift sends ties away from zero (the doubling high multiply before it
    # rounds ties up)
    assert quant.requantize(-26, *quant.quantize_multiplier(0.25)) == -7
    assert quant.requantize(26, *quant.quantize_multiplier(0.25)) == 7
    assert quant.requantize(-13, *quant.quantize_multiplier(0.5)) == -6

    # offsets, through a real lowering
    in_scale, in_zp, out_scale, out_zp, w_scale = 0.5, -100, 0.25, 60, 1.0 / 64
    model = tb.conv2d_model((1, 1, 1, 1), np.full((1, 1, 1, 1), 64, np.int8), None,
                            (in_scale, in_zp), (w_scale,), (out_scale, out_zp),
                            Conv2DOptions(SAME, 1, 1))
    graph = _graph(model)
    call = LOWERINGS["CONV_2D"](graph, graph.operators[0])
    p = dict(call.params)
    consts = {c.name: c.values for c in call.constants}
    for x in (-128, -100, -37, 0, 5, 16):
        acc = 64 * (x + int(p["input_offset"]))
        y = quant.requantize(acc, int(consts["op0_multiplier"][0]), int(consts["op0_shift"][0]))
        y = min(max(y + int(p["output_offset"]), -128), 127)
        expected = min(max(round(in_scale * (x - in_zp) / out_scale) + out_zp, -128), 127)
        assert y == expected, (x, y, expected)


def test_effective_scale_precision_per_op():
    """Conv (and per-channel FC) multiply input and filter scales in double; per-tensor FC
    rounds that product to float32 first. With scales 1 + 2^-13 the two differ."""
    s_in, s_w, s_out = (1 + 2**-13) * 2**-6, (1 + 2**-13) * 2**-8, 2.0**-2
    conv = quant.quantize_multiplier(quant.conv_effective_scale(s_in, s_w, s_out))
    fc = quant.quantize_multiplier(quant.fc_per_tensor_effective_scale(s_in, s_w, s_out))
    assert conv == (2**30 + 2**18 + 2**4, -11)
    assert fc == (2**30 + 2**18, -11)


@pytest.mark.parametrize("act,scale,zp,expected", [
    (NONE, 0.1, 0, (-128, 127)),
    (RELU, 0.1, -5, (-5, 127)),
    (RELU, 0.1, -128, (-128, 127)),
    (RELU6, 0.1, -128, (-128, -68)),
    (RELU6, 0.05, 10, (10, 127)),
    (RELU6, 6 / 254.0, -127, (-127, 127)),
    (RELU1, 1 / 128.0, 0, (-128, 127)),
    (RELU1, 0.01, 3, (-97, 103)),
    (RELU6, 2.4, 0, (0, 3)),     # 6 / 2.4f is 2.4999999 in double but 2.5 in float32 -> 3
    (RELU6, 1 / 0.4, 0, (0, 2)),                       # 6 / 2.5 = 2.4 -> 2
    (RELU6, 4.0, 0, (0, 2)),                           # 1.5 rounds half away from zero
])
def test_activation_range(act, scale, zp, expected):
    assert quant.activation_range(act, float(np.float32(scale)), zp) == expected


def test_activation_range_rejects_tanh():
    with pytest.raises(quant.QuantError):
        quant.activation_range(Activation.TANH, 0.1, 0)


@pytest.mark.parametrize("beta,scale,expected", [
    # beta * scale * 2^26 = 2^26 * 0.1 -> frexp exponent 23
    (1.0, float(np.float32(0.1)), (1717986944, 23, -31 * 2**3)),
    (1.0, 1.0, (2**30, 27, -15)),
    (1.0, 64.0, (2**31 - 1, 31, 0)),                # capped at 2^31 - 1: only the max counts
])
def test_softmax_params(beta, scale, expected):
    mult, shift, diff_min = quant.softmax_params(beta, scale)
    assert (mult, shift, diff_min) == expected


def test_softmax_params_rejects_tiny_scale():
    with pytest.raises(quant.QuantError):
        quant.softmax_params(1.0, 2.0**-27)


# ---------------------------------------------------------------------------------------------
# lowering checks: pure Python


def _graph(model: bytes, name: str = "case"):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{name}.tflite"
        path.write_bytes(model)
        return read_model(path)


def _lower(model: bytes):
    graph = _graph(model)
    op = graph.operators[0]
    return LOWERINGS[op.opcode](graph, op)


def _simple_conv(**kw) -> bytes:
    args = dict(input_shape=(1, 5, 5, 2), filters=np.ones((3, 3, 3, 2), np.int8),
                bias=np.zeros(3, np.int32), input_q=(0.1, 0), filter_scales=(0.01,),
                output_q=(0.1, 0), options=Conv2DOptions(SAME, 1, 1))
    args.update(kw)
    return tb.conv2d_model(**args)


def test_lowering_conv_params_and_constants():
    call = _lower(_simple_conv(options=Conv2DOptions(SAME, 2, 2, activation=RELU),
                               input_shape=(1, 6, 7, 2)))
    p = dict(call.params)
    assert call.function == "mf_conv2d_s8" and call.params_type == "mf_conv2d_params"
    assert p["input"] == "{1, 6, 7, 2}" and p["output"] == "{1, 3, 4, 3}"
    # SAME, stride 2: height total pad (3-1)*2+3-6 = 1 -> top 0; width (4-1)*2+3-7 = 2 -> left 1
    assert (p["pad_h"], p["pad_w"]) == ("0", "1")
    assert p["filter_data"] == "op0_filter" and p["bias"] == "op0_bias"
    names = [c.name for c in call.constants]
    assert names == ["op0_filter", "op0_bias", "op0_multiplier", "op0_shift"]
    assert call.constants[2].values.shape == (3,)             # broadcast per-tensor scale
    assert call.macs == 1 * 3 * 4 * 3 * 3 * 3 * 2


def test_lowering_no_bias_is_null():
    p = dict(_lower(_simple_conv(bias=None)).params)
    assert p["bias"] == "NULL"


@pytest.mark.parametrize("kw,error,words", [
    (dict(output_shape=(1, 4, 5, 3)), ModelFileError, "gives 5x5"),
    (dict(filter_zero_point=3), UnsupportedModelError, "zero point 3"),
    (dict(options=Conv2DOptions(SAME, 1, 1, activation=Activation.TANH)), UnsupportedModelError,
     "TANH"),
    (dict(bias=np.full(3, 2**31 - 1000, np.int32)), UnsupportedModelError, "accumulator"),
    (dict(filter_scales=(2.0**30,), output_q=(0.01, 0)), UnsupportedModelError, "too large"),
])
def test_lowering_conv_rejects(kw, error, words):
    with pytest.raises(error, match="op 0 \\(CONV_2D\\)") as info:
        _lower(_simple_conv(**kw))
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_lowering_depthwise_rejects_wrong_multiplier():
    model = tb.depthwise_conv2d_model(
        (1, 4, 4, 2), np.ones((1, 3, 3, 4), np.int8), None, (0.1, 0), (0.01,), (0.1, 0),
        DepthwiseConv2DOptions(SAME, 1, 1, depth_multiplier=3))
    with pytest.raises(ModelFileError, match="depth_multiplier 3"):
        _lower(model)


def test_lowering_softmax_rejects_output_quantization():
    with pytest.raises(UnsupportedModelError, match="1/256"):
        _lower(tb.softmax_model((1, 10), (0.1, 0), output_q=(1 / 255.0, -128)))


def test_lowering_softmax_params():
    p = dict(_lower(tb.softmax_model((1, 3, 10), (1.0, 0))).params)
    assert (p["rows"], p["depth"]) == ("3", "10")
    assert p["input_multiplier"] == str(2**30)
    assert (p["input_left_shift"], p["diff_min"]) == ("27", "-15")


def test_lowering_pool_rejects_requantization():
    opts = Pool2DOptions(VALID, 2, 2, 2, 2)
    with pytest.raises(UnsupportedModelError, match="quantization differ"):
        _lower(tb.pool2d_model(AVG, (1, 4, 4, 1), (0.1, 0), opts, output_q=(0.2, 0)))


def test_lowering_fc_rejects_mismatched_bias_scale():
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    w = b.add_const(np.ones((2, 4), np.int8), scale=0.01)
    bias = b.add_const(np.zeros(2, np.int32), scale=0.5)
    y = b.add_output((1, 2), 0.1, 0)
    b.add_operator("FULLY_CONNECTED", (x, w, bias), (y,), FullyConnectedOptions())
    with pytest.raises(ModelFileError, match="bias scale"):
        _lower(b.build())


def test_lowering_reshape():
    call = _lower(tb.reshape_model((1, 2, 3, 4), (1, 24), (0.1, 0)))
    assert call.function == "mf_copy_s8" and dict(call.params) == {"size": "24"}
    assert len(call.inputs) == 1

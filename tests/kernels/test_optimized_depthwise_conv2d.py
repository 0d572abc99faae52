"""DEPTHWISE_CONV_2D on the optimized backend: mcuforge.compile.ops.optimized.depthwise_conv2d
and firmware/kernels/optimized/depthwise_conv2d_dsp.c (mps2_an386) / depthwise_conv2d_mve.c
(mps3_an547), bit-exact with TFLite-Micro under QEMU: the 3x3 kernel and the general one,
channel counts that leave a tail after the 4-channel (DSP) and 8-channel (Helium) groups, SAME
borders (padded taps must contribute exactly zero with the folded input offset, zero points at
both extremes), VALID with strides, activations, batches; depth multipliers above 1 and
dilation stay portable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU6, SAME, VALID
from mcuforge.tflite.graph import Activation, DepthwiseConv2DOptions, Padding
from optimized_testing import BOARD_ISAS, compile_optimized, run_on_board


@dataclass(frozen=True)
class DwCase:
    id: str
    input_shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.05, -3)
    out_zp: int = 4
    multiplier: int = 1
    dilation: tuple[int, int] = (1, 1)
    bias: bool = True


CASES = [
    DwCase("kws_3x3_same_c64", (1, 9, 5, 64), (3, 3), in_q=(0.05, -128)),
    DwCase("3x3_stride2_same_asym_c13_relu6", (1, 8, 7, 13), (3, 3), stride=(2, 2), act=RELU6,
           in_q=(0.1, 127), out_zp=-100),
    DwCase("5x4_valid_stride_2x1_c10_batch2_no_bias", (2, 9, 8, 10), (5, 4), stride=(2, 1),
           padding=VALID, bias=False),
]


def dw_model(c: DwCase) -> bytes:
    rng = kt.case_rng(c.id)
    n, h, w, in_c = c.input_shape
    out_c = in_c * c.multiplier
    kh, kw = c.kernel
    filters = rng.integers(-127, 128, size=(1, kh, kw, out_c)).astype(np.int8)
    scales = tuple(float(s) for s in 0.004 * rng.uniform(0.5, 2.0, size=out_c))
    out_scale = kt.output_scale(c.in_q[0], float(np.median(scales)), kh * kw)
    bias = rng.integers(-3000, 3001, size=out_c).astype(np.int32) if c.bias else None
    opts = DepthwiseConv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                                  depth_multiplier=c.multiplier, dilation_w=c.dilation[1],
                                  dilation_h=c.dilation[0], activation=c.act)
    return tb.depthwise_conv2d_model(c.input_shape, filters, bias, c.in_q, scales,
                                     (out_scale, c.out_zp), opts)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", sorted(BOARD_ISAS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_depthwise_conv2d_on_board(case: DwCase, board: str, tmp_path: Path):
    call = run_on_board(dw_model(case), tmp_path, board, "DEPTHWISE_CONV_2D")
    kind = "3x3_" if case.kernel == (3, 3) else ""
    assert call.function == f"mf_opt_depthwise_conv2d_{kind}{BOARD_ISAS[board]}_s8"


@pytest.mark.parametrize("isa", ["dsp", "mve"])
def test_fallbacks(isa: str):
    def note(case: DwCase) -> str:
        _, program = compile_optimized(dw_model(case), isa)
        assert program.calls[0].backend == "portable"
        return program.calls[0].note

    assert "depth multiplier 2" in note(DwCase("mult2", (1, 5, 5, 3), (3, 3), multiplier=2))
    assert "dilation 2x2" in note(DwCase("dil", (1, 9, 9, 4), (3, 3), dilation=(2, 2)))


def test_dsp_layout():
    """DSP weights: [tap][channels padded to 4] int16, doubled, SXTB16 lane order; the quant
    groups hold 2 * (bias + input_offset * sum(w)) of 4 channels first."""
    model = dw_model(DwCase("layout", (1, 4, 4, 6), (3, 3), in_q=(0.05, -9)))
    portable = kt.lower_op(model)
    _, program = compile_optimized(model, "dsp")
    p = program.calls[0].params
    w = portable.params.filter_data.values.reshape(9, 6).astype(np.int64)
    got = p.weights.values.reshape(9, 8).astype(np.int64)
    assert list(got[0]) == [2 * w[0, i] for i in (0, 2, 1, 3)] + [2 * w[0, 4], 0, 2 * w[0, 5], 0]
    bias = portable.params.bias.values.astype(np.int64)
    q = p.quant.values.reshape(2, 4, 4).astype(np.int64)
    assert list(q[0, 0]) == list(2 * (bias[:4] + 9 * w[:, :4].sum(axis=0)))

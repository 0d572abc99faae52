"""CONV_2D: mcuforge.compile.ops.conv2d and firmware/kernels/conv2d.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params and the one-line errors in pure Python.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from conv2d_cases import CONV_CASES, WRAPPING, ConvCase, conv_model
from kernel_testing import RELU, SAME
from mcuforge.compile.params import Dims
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import Activation, Conv2DOptions


@pytest.mark.host
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: c.id)
def test_conv2d(case: ConvCase, tmp_path: Path, host_cc: str):
    kt.run_case(conv_model(case), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("make", WRAPPING,
                         ids=["left_shift_wraps", "output_offset_wraps"])
def test_conv2d_int32_wrapping(make, tmp_path: Path, host_cc: str):
    kt.run_case(make(), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def _simple_conv(**kw) -> bytes:
    args = dict(input_shape=(1, 5, 5, 2), filters=np.ones((3, 3, 3, 2), np.int8),
                bias=np.zeros(3, np.int32), input_q=(0.1, 0), filter_scales=(0.01,),
                output_q=(0.1, 0), options=Conv2DOptions(SAME, 1, 1))
    args.update(kw)
    return tb.conv2d_model(**args)


def test_lowering_conv_params_and_constants():
    call = kt.lower_op(_simple_conv(options=Conv2DOptions(SAME, 2, 2, activation=RELU),
                                    input_shape=(1, 6, 7, 2)))
    p = call.params
    assert call.function == "mf_conv2d_s8" and call.params_type == "mf_conv2d_params"
    assert call.kernel == "conv2d"
    assert p.input == Dims(1, 6, 7, 2) and p.output == Dims(1, 3, 4, 3)
    # SAME, stride 2: height total pad (3-1)*2+3-6 = 1 -> top 0; width (4-1)*2+3-7 = 2 -> left 1
    assert (p.pad_h, p.pad_w) == (0, 1)
    assert p.filter_data.name == "op0_filter" and p.bias.name == "op0_bias"
    names = [c.name for c in call.constants]
    assert names == ["op0_filter", "op0_bias", "op0_multiplier", "op0_shift"]
    assert call.constants[2].values.shape == (3,)             # broadcast per-tensor scale
    assert call.macs == 1 * 3 * 4 * 3 * 3 * 3 * 2


def test_lowering_no_bias_is_null():
    p = kt.lower_op(_simple_conv(bias=None)).params
    assert p.bias is None


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
        kt.lower_op(_simple_conv(**kw))
    assert words in str(info.value)
    assert "\n" not in str(info.value)

"""MEAN: mcuforge.compile.ops.mean and firmware/kernels/mean.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.compile import quant
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import ReducerOptions


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
    kt.run_case(tb.mean_model(case.shape, case.axes, case.in_q, case.out_q, case.keep_dims),
                tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_mean_params():
    call = kt.lower_op(tb.mean_model((1, 7, 7, 8), (1, 2), (0.05, -3), (0.05, -3)))
    p = call.params
    assert call.function == "mf_mean_s8" and call.kernel == "mean"
    assert p.rank == 2 and p.input_dims == (49, 8) and p.reduced == (1, 0)
    assert p.count == 49 and p.sum_offset == 3 * 49
    m, s = quant.mean_multiplier(0.05, 0.05, 49)
    assert (p.multiplier, p.shift) == (m, s)
    p = kt.lower_op(tb.mean_model((1, 4, 6, 5), (1, 3), (0.05, 0), (0.05, 0))).params
    assert p.input_dims == (4, 6, 5) and p.reduced == (1, 0, 1)


def test_lowering_mean_rejects():
    with pytest.raises(ModelFileError, match="axis 4 is out of range"):
        kt.lower_op(tb.mean_model((1, 2, 2, 2), (4,), (0.1, 0), (0.1, 0)))
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 2, 2), 0.1, 0)
    y = b.add_output((1, 1, 1, 1), 0.1, 0)
    b.add_operator("MEAN", (x, x), (y,), ReducerOptions(keep_dims=True))
    with pytest.raises(UnsupportedModelError, match="computed at run time"):
        kt.lower_op(b.build())

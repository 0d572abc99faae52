"""REDUCE_MAX, REDUCE_MIN and SUM: mcuforge.compile.ops.reduce and firmware/kernels/reduce.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.compile import quant
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import ReducerOptions


@dataclass(frozen=True)
class ReduceCase:
    id: str
    shape: tuple[int, ...]
    axes: tuple[int, ...]
    in_q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None        # None: the input's
    keep_dims: bool = True


def reduce_model(opcode: str, c: ReduceCase) -> bytes:
    """``opcode`` over ``c.axes`` (a constant int32 vector, negative values allowed)."""
    rank = len(c.shape)
    resolved = {a % rank for a in c.axes}
    if c.keep_dims:
        out_shape = tuple(1 if d in resolved else e for d, e in enumerate(c.shape))
    else:
        out_shape = tuple(e for d, e in enumerate(c.shape) if d not in resolved)
    b = tb.ModelBuilder()
    x = b.add_input(c.shape, *c.in_q)
    axis = b.add_const(np.array(list(c.axes), dtype=np.int32), name="axis")
    y = b.add_output(out_shape, *(c.out_q or c.in_q))
    b.add_operator(opcode, (x, axis), (y,), ReducerOptions(keep_dims=c.keep_dims))
    return b.build()


# shapes and axes every reduction is tested with (MAX, MIN: one quantization throughout)
SHAPE_CASES = [
    ReduceCase("global_hw_keep_dims", (1, 3, 3, 32), (1, 2)),
    ReduceCase("global_hw", (1, 5, 7, 8), (1, 2), keep_dims=False),
    ReduceCase("axes_reversed_and_negative", (1, 4, 6, 5), (-2, 1)),
    ReduceCase("duplicate_axes", (1, 4, 6, 5), (1, 2, 1)),
    ReduceCase("channels_only", (1, 4, 6, 5), (3,), keep_dims=False),
    ReduceCase("height_and_channels", (1, 4, 6, 5), (1, 3)),
    ReduceCase("all_axes", (1, 4, 6, 5), (0, 1, 2, 3)),
    ReduceCase("hwc_to_batch", (1, 4, 6, 5), (1, 2, 3), keep_dims=False),
    ReduceCase("2d_batch4_over_batch", (4, 6), (0,)),
    ReduceCase("1d", (37,), (0,), keep_dims=False),
    ReduceCase("extent_1_axis", (1, 4, 1, 5), (2,)),
    ReduceCase("5d_alternating", (2, 3, 4, 3, 2), (0, 2, 4), keep_dims=False),
    ReduceCase("6d", (2, 2, 3, 2, 2, 3), (1, 3, 5)),
    ReduceCase("zero_point_minus128", (1, 4, 4, 3), (1, 2), in_q=(0.02, -128)),
    ReduceCase("zero_point_127", (1, 4, 4, 3), (3,), in_q=(0.02, 127)),
]
SUM_CASES = [
    ReduceCase(c.id, c.shape, c.axes, c.in_q, (c.in_q[0] * 8, c.in_q[1]), c.keep_dims)
    for c in SHAPE_CASES
] + [
    ReduceCase("same_quantization_saturates", (1, 3, 3, 4), (1, 2), in_q=(0.05, -3)),
    ReduceCase("requantized_zero_points", (1, 5, 3, 6), (1, 2), in_q=(0.05, -3),
               out_q=(0.3, 20)),
    ReduceCase("zero_points_extreme", (1, 4, 4, 3), (1, 2), in_q=(0.05, -128),
               out_q=(0.8, 127)),
    ReduceCase("zero_points_extreme_other_way", (1, 4, 4, 3), (2,), in_q=(0.05, 127),
               out_q=(0.3, -128)),
    ReduceCase("1024_values", (1, 32, 32, 2), (1, 2), in_q=(0.01, 0), out_q=(2.0, 0),
               keep_dims=False),
    # output scale finer than the input's: a left shift before the multiply
    ReduceCase("multiplier_above_one", (1, 2, 2, 4), (1, 2), in_q=(0.1, 0), out_q=(0.01, 0)),
    # a scale ratio of 20,000: shift 15, as far as 128 * 4 values allow
    ReduceCase("multiplier_left_shift_15", (1, 2, 2, 3), (1, 2), in_q=(0.1, 0),
               out_q=(0.1 / 20000, 0)),
    ReduceCase("multiplier_tiny", (1, 3, 3, 4), (1, 2), in_q=(0.001, 0), out_q=(1.0, 0)),
    # below 2^-32: QuantizeMultiplier flushes it to 0, every output is the zero point
    ReduceCase("multiplier_flushed_to_zero", (1, 3, 3, 4), (1, 2), in_q=(1e-9, 0),
               out_q=(10.0, 3)),
]
OPCODES = ("REDUCE_MAX", "REDUCE_MIN")


@pytest.mark.host
@pytest.mark.parametrize("opcode", OPCODES)
@pytest.mark.parametrize("case", SHAPE_CASES, ids=lambda c: c.id)
def test_reduce_max_min(opcode: str, case: ReduceCase, tmp_path: Path, host_cc: str):
    kt.run_case(reduce_model(opcode, case), tmp_path)


@pytest.mark.host
@pytest.mark.parametrize("case", SUM_CASES, ids=lambda c: c.id)
def test_sum(case: ReduceCase, tmp_path: Path, host_cc: str):
    kt.run_case(reduce_model("SUM", case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("opcode", OPCODES)
def test_lowering_reduce_max_min_params(opcode: str):
    call = kt.lower_op(reduce_model(opcode, ReduceCase("x", (1, 7, 7, 8), (1, 2))))
    p = call.params
    assert call.function == f"mf_{opcode.lower()}_s8" and call.kernel == "reduce"
    assert p.rank == 2 and p.input_dims == (49, 8) and p.reduced == (1, 0)
    p = kt.lower_op(reduce_model(opcode, ReduceCase("x", (1, 4, 6, 5), (1, 3)))).params
    assert p.input_dims == (4, 6, 5) and p.reduced == (1, 0, 1)
    p = kt.lower_op(reduce_model(opcode, ReduceCase("x", (1, 4, 6, 5), (0,)))).params
    assert p.rank == 1 and p.input_dims == (120,) and p.reduced == (0,)


def test_lowering_sum_params():
    call = kt.lower_op(reduce_model("SUM", ReduceCase("x", (1, 7, 7, 8), (1, 2), (0.05, -3),
                                                      (0.4, 6))))
    p = call.params
    assert call.function == "mf_sum_s8" and call.kernel == "reduce"
    assert p.reduce.input_dims == (49, 8) and p.reduce.reduced == (1, 0)
    assert p.count == 49 and p.sum_offset == 3 * 49 and p.output_offset == 6
    s_in, s_out = (float(np.float32(s)) for s in (0.05, 0.4))
    assert (p.multiplier, p.shift) == quant.quantize_multiplier(s_in / s_out)
    p = kt.lower_op(reduce_model("SUM", ReduceCase("x", (1, 2, 2, 4), (1, 2), (0.1, 0),
                                                   (0.01, 0)))).params
    assert p.shift == 4


@pytest.mark.parametrize("opcode", OPCODES)
def test_lowering_reduce_max_min_rejects(opcode: str):
    with pytest.raises(UnsupportedModelError, match=rf"\({opcode}\).*quantized differently"):
        kt.lower_op(reduce_model(opcode, ReduceCase("x", (1, 2, 2, 2), (1,), (0.1, 0),
                                                    (0.1, 1))))
    with pytest.raises(UnsupportedModelError, match=rf"\({opcode}\).*quantized differently"):
        kt.lower_op(reduce_model(opcode, ReduceCase("x", (1, 2, 2, 2), (1,), (0.1, 0),
                                                    (0.2, 0))))
    with pytest.raises(ModelFileError, match=rf"\({opcode}\).*axis 4 is out of range"):
        kt.lower_op(reduce_model(opcode, ReduceCase("x", (1, 2, 2, 2), (4,))))
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 2, 2), 0.1, 0)
    y = b.add_output((1, 1, 1, 1), 0.1, 0)
    b.add_operator(opcode, (x, x), (y,), ReducerOptions(keep_dims=True))
    with pytest.raises(UnsupportedModelError, match=rf"\({opcode}\).*computed at run time"):
        kt.lower_op(b.build())
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 2, 2), 0.1, 0)
    axis = b.add_const(np.array([1], np.int32), name="axis")
    y = b.add_output((1, 2, 2), 0.1, 0)
    b.add_operator(opcode, (x, axis), (y,), ReducerOptions(keep_dims=True))
    with pytest.raises(ModelFileError, match=rf"\({opcode}\).*keep_dims=True"):
        kt.lower_op(b.build())
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 2, 2), 0.1, 0, dtype="int16")
    axis = b.add_const(np.array([1], np.int32), name="axis")
    y = b.add_output((1, 1, 2, 2), 0.1, 0, dtype="int16")
    b.add_operator(opcode, (x, axis), (y,), ReducerOptions(keep_dims=True))
    with pytest.raises(UnsupportedModelError, match=rf"\({opcode}\).*int16"):
        kt.lower_op(b.build())


def test_lowering_sum_rejects():
    # a scale ratio of 20,000 (shift 15): 128 * 1,024 values * 2^15 leaves int32 ...
    with pytest.raises(UnsupportedModelError, match=r"\(SUM\).*too large for a sum of 1,024"):
        kt.lower_op(reduce_model("SUM", ReduceCase("x", (1, 32, 32, 1), (1, 2), (0.1, 0),
                                                   (0.1 / 20000, 0))))
    # ... 128 * 4 values * 2^15 does not
    p = kt.lower_op(reduce_model("SUM", ReduceCase("x", (1, 2, 2, 1), (1, 2), (0.1, 0),
                                                   (0.1 / 20000, 0)))).params
    assert p.shift == 15
    with pytest.raises(UnsupportedModelError, match=r"\(SUM\).*at most 8,388,608"):
        kt.lower_op(reduce_model("SUM", ReduceCase("x", (1, 4096, 4096), (1, 2), (0.1, 0),
                                                   (100.0, 0))))

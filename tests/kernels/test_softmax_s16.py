"""SOFTMAX with int16 input and output (TFLite "16x8"): mcuforge.compile.ops.softmax
(``int16_table`` computes the exp and 1 / (1 + x) tables) and firmware/kernels/softmax_s16.c,
run on the host against TFLite-Micro (kernel_testing.run_case) over random and extreme int16
vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.errors import UnsupportedModelError
from mcuforge.tflite.graph import SoftmaxOptions

OUT_Q = (1.0 / 32768, 0)

CASES = [
    # (id, shape, input scale, beta)
    ("10_classes", (1, 10), 1e-3, 1.0),
    ("rows_3x7", (1, 3, 7), 3e-4, 1.0),
    ("wide_input_scale", (1, 12), 5e-3, 1.0),
    ("fine_input_scale", (1, 12), 2e-5, 1.0),
    ("beta_0_5", (2, 9), 1e-3, 0.5),
    ("single_value", (1, 1), 1e-3, 1.0),
    ("depth_300", (1, 300), 1e-3, 1.0),
    # input scale 10 / 65535: x - max maps one to one onto the exp table's input, so random
    # vectors read every interval of the table, and sums of many sizes read the reciprocal's
    ("exp_table_sweep", (1, 64, 16), 10 / 65535, 1.0),
    ("exp_table_sweep_depth_2", (1, 256, 2), 10 / 65535, 1.0),
    ("exp_table_sweep_depth_200", (1, 8, 200), 10 / 65535, 1.0),
]


def softmax16_model(shape: tuple[int, ...], scale: float, beta: float) -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input(shape, scale, 0, dtype="int16")
    y = b.add_output(shape, *OUT_Q, dtype="int16")
    b.add_operator("SOFTMAX", (x,), (y,), SoftmaxOptions(beta=beta))
    # TFLite-Micro's default arena is 10x the model's size: room for the larger tensors
    b.add_const(np.zeros(max(0, 4 * int(np.prod(shape)) - 1000), np.int8), name="arena_room")
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_softmax_s16(case, tmp_path: Path, host_cc: str):
    _, shape, scale, beta = case
    kt.run_case(softmax16_model(shape, scale, beta), tmp_path)


def test_lowering_softmax_s16():
    call = kt.lower_op(tb.softmax_model((1, 4), (1e-3, 0), 1.0, OUT_Q, dtype="int16"))
    assert call.function == "mf_softmax_s16"
    exp_table = call.params.exp_table.values
    # exp over [-10, 0]: increasing, exp(0) saturates at 32767, exp(-10) is about 1.5
    assert len(exp_table) == 513 and exp_table[-1] == 32767 and 0 <= exp_table[0] <= 3
    assert (exp_table[1:] >= exp_table[:-1]).all()


def test_lowering_softmax_s16_rejects_other_output_scale():
    with pytest.raises(UnsupportedModelError, match="scale 1/32768"):
        kt.lower_op(tb.softmax_model((1, 4), (1e-3, 0), 1.0, (1.0 / 256, 0), dtype="int16"))

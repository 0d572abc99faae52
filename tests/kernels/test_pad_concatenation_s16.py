"""PAD, PADV2 and CONCATENATION of int16 tensors (TFLite "16x8"): mcuforge.compile.ops.pad
(mf_pad_s16, firmware/kernels/pad.c) and concatenation (the byte copy of mf_concatenation_s8
with run lengths in bytes), run on the host against TFLite-Micro (kernel_testing.run_case)."""

from __future__ import annotations

from pathlib import Path

import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.errors import UnsupportedModelError
from mcuforge.tflite.graph import ConcatenationOptions

Q16 = (1e-3, 0)

PAD_CASES = [
    ("pad_hw", (1, 4, 5, 3), [[0, 0], [1, 2], [2, 1], [0, 0]], None),
    ("pad_channels", (1, 3, 3, 4), [[0, 0], [0, 0], [0, 0], [3, 1]], None),
    ("pad_every_dim_2d", (3, 5), [[1, 2], [3, 0]], None),
    ("padv2_negative_value", (1, 4, 4, 2), [[0, 0], [1, 1], [1, 1], [0, 0]], -32768),
    ("padv2_positive_value", (2, 7), [[0, 1], [2, 3]], 12345),
]


@pytest.mark.host
@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: c[0])
def test_pad_s16(case, tmp_path: Path, host_cc: str):
    _, shape, paddings, value = case
    constant = None if value is None else (value, Q16)
    kt.run_case(tb.pad_model(shape, paddings, Q16, constant, dtype="int16"), tmp_path)


CONCAT_CASES = [
    # (id, input shape, other shapes, axis)
    ("channels", (1, 3, 4, 2), [(1, 3, 4, 5)], 3),
    ("rows_three_inputs", (1, 3, 4, 2), [(1, 2, 4, 2), (1, 1, 4, 2)], 1),
    ("axis0_2d", (2, 6), [(3, 6)], 0),
    ("negative_axis_same_input_twice", (1, 5, 3), [None], -1),
]


def concat16_model(c) -> bytes:
    case_id, shape, others, axis = c
    rng = kt.case_rng(case_id)
    b = tb.ModelBuilder()
    x = b.add_input(shape, *Q16, dtype="int16")
    inputs = [x]
    for k, other in enumerate(others):
        inputs.append(x if other is None else
                      kt.derived_s16(b, x, shape, Q16[0], other, Q16[0], rng, f"other{k}"))
    shapes = [shape] + [shape if o is None else o for o in others]
    rank = len(shape)
    a = axis % rank
    out_shape = list(shape)
    out_shape[a] = sum(s[a] for s in shapes)
    y = b.add_output(out_shape, *Q16, dtype="int16")
    b.add_operator("CONCATENATION", inputs, (y,), ConcatenationOptions(axis=axis))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", CONCAT_CASES, ids=lambda c: c[0])
def test_concatenation_s16(case, tmp_path: Path, host_cc: str):
    kt.run_case(concat16_model(case), tmp_path)


def test_lowering_pad_s16():
    call = kt.lower_op(tb.pad_model((1, 2, 2, 1), [[0, 0], [1, 1], [1, 1], [0, 0]], Q16,
                                    dtype="int16"))
    assert call.function == "mf_pad_s16" and call.params.pad_value == 0
    # the int8 walk is unchanged
    assert kt.lower_op(tb.pad_model((1, 2), [[0, 0], [1, 1]], (0.1, 3))).function == "mf_pad_s8"


def test_lowering_concatenation_s16_counts_bytes():
    call = kt.lower_op(concat16_model(CONCAT_CASES[0]), -1)
    assert call.params.input_sizes[:2] == (2 * 2, 5 * 2)


def test_lowering_concatenation_s16_rejects_other_quantization():
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), *Q16, dtype="int16")
    y = b.add_output((1, 8), 2e-3, 0, dtype="int16")
    b.add_operator("CONCATENATION", (x, x), (y,), ConcatenationOptions(axis=1))
    with pytest.raises(UnsupportedModelError, match="quantized differently"):
        kt.lower_op(b.build())

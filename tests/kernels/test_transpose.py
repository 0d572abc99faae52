"""TRANSPOSE: mcuforge.compile.ops.transpose and firmware/kernels/transpose.c (over
firmware/kernels/strided_copy.c).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params (by running the strided view they describe over numpy
data) and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import movement_testing as mt
import tflite_builder as tb
from mcuforge.errors import ModelFileError, UnsupportedModelError


@dataclass(frozen=True)
class TransposeCase:
    id: str
    shape: tuple[int, ...]
    perm: tuple[int, ...]
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None


TRANSPOSE_CASES = [
    TransposeCase("2d", (1, 7, 5), (0, 2, 1)),
    TransposeCase("matrix_batch2", (2, 3, 5), (0, 2, 1)),
    TransposeCase("1d_identity", (9,), (0,)),
    TransposeCase("identity_4d", (1, 3, 4, 5), (0, 1, 2, 3)),
    TransposeCase("nhwc_to_nchw", (1, 4, 5, 3), (0, 3, 1, 2)),
    TransposeCase("nchw_to_nhwc", (1, 3, 4, 5), (0, 2, 3, 1)),
    TransposeCase("swap_hw", (1, 4, 6, 8), (0, 2, 1, 3)),
    TransposeCase("batch_to_last", (2, 3, 4), (1, 2, 0)),
    TransposeCase("full_reverse_4d", (2, 3, 4, 5), (3, 2, 1, 0)),
    TransposeCase("5d", (1, 2, 3, 4, 5), (0, 4, 2, 1, 3)),
    TransposeCase("5d_all_moved", (2, 3, 1, 4, 2), (4, 3, 0, 2, 1)),
    TransposeCase("extent_1_dims", (1, 1, 6, 1, 4), (0, 4, 3, 2, 1)),
    TransposeCase("zero_point_minus128", (1, 4, 5, 3), (0, 3, 1, 2), q=(0.02, -128)),
    TransposeCase("zero_point_127", (1, 4, 5, 3), (0, 2, 1, 3), q=(0.02, 127)),
    # TFLite-Micro copies values without looking at the quantization; so does mcuforge
    TransposeCase("quantization_differs", (1, 3, 4), (0, 2, 1), q=(0.05, -3), out_q=(0.3, 9)),
]


def _model(c: TransposeCase, perm_dtype: str = "int32") -> bytes:
    shape = tuple(c.shape[p] for p in c.perm)
    return mt.single_op("TRANSPOSE", c.shape, [np.array(c.perm, dtype=perm_dtype)], shape,
                        x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=lambda c: c.id)
def test_transpose(case: TransposeCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=lambda c: c.id)
def test_lowering_transpose_view_matches_numpy(case: TransposeCase):
    call = kt.lower_op(_model(case))
    values = np.arange(int(np.prod(case.shape)))
    expected = values.reshape(case.shape).transpose(case.perm).reshape(-1)
    np.testing.assert_array_equal(mt.run_view(call.params.copy, values), expected)


def test_lowering_transpose_params():
    call = kt.lower_op(_model(TransposeCase("x", (1, 4, 5, 3), (0, 3, 1, 2))))
    assert call.function == "mf_transpose_s8" and call.kernel == "transpose"
    p = call.params.copy
    # NHWC -> NCHW: H and W stay neighbours and move as one dimension of 20
    assert p.rank == 2 and p.output_dims == (3, 20) and p.input_strides == (1, 3)
    assert p.input_offset == 0
    p = kt.lower_op(_model(TransposeCase("x", (1, 3, 4, 5), (0, 1, 2, 3)))).params.copy
    assert p.rank == 1 and p.output_dims == (60,) and p.input_strides == (1,)
    p = kt.lower_op(_model(TransposeCase("x", (2, 3, 4, 5), (3, 2, 1, 0)))).params.copy
    assert p.output_dims == (5, 4, 3, 2) and p.input_strides == (1, 5, 20, 60)


def test_lowering_transpose_rejects():
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(TRANSPOSE\).*at most 5"):
        kt.lower_op(_model(TransposeCase("x", (1, 2, 1, 2, 1, 2), (0, 1, 2, 3, 5, 4))))
    with pytest.raises(UnsupportedModelError, match="perm tensor .* is int64; TFLite-Micro "
                                                    "reads it as int32"):
        kt.lower_op(_model(TransposeCase("x", (1, 2, 3), (0, 2, 1)), perm_dtype="int64"))
    with pytest.raises(ModelFileError, match=r"perm \[0, 1, 1\] is not a permutation"):
        kt.lower_op(mt.single_op("TRANSPOSE", (1, 2, 2), [np.array([0, 1, 1], np.int32)],
                                 (1, 2, 2)))
    with pytest.raises(ModelFileError, match="transposing"):
        kt.lower_op(mt.single_op("TRANSPOSE", (1, 2, 3), [np.array([0, 2, 1], np.int32)],
                                 (1, 2, 3)))
    with pytest.raises(ModelFileError, match="needs a vector"):
        kt.lower_op(mt.single_op("TRANSPOSE", (1, 2, 3), [np.array([[0, 2, 1]], np.int32)],
                                 (1, 3, 2)))
    with pytest.raises(UnsupportedModelError, match="0-dimensional"):
        kt.lower_op(mt.single_op("TRANSPOSE", (), [np.zeros(0, np.int32)], ()))
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 3), 0.1, 0)
    perm = b.add_tensor((3,), "int32", name="perm")
    y = b.add_output((1, 3, 2), 0.1, 0)
    b.add_operator("TRANSPOSE", (x, perm), (y,))
    with pytest.raises(UnsupportedModelError, match="perm tensor 'perm' is computed at run time"):
        kt.lower_op(b.build())
    with pytest.raises(UnsupportedModelError, match="input tensor 'input' is int16"):
        b = tb.ModelBuilder()
        x = b.add_input((1, 2, 3), 0.1, 0, dtype="int16")
        y = b.add_output((1, 3, 2), 0.1, 0, dtype="int16")
        b.add_operator("TRANSPOSE", (x, b.add_const(np.array([0, 2, 1], np.int32))), (y,))
        kt.lower_op(b.build())

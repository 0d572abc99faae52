"""SLICE: mcuforge.compile.ops.slice and firmware/kernels/slice.c (over
firmware/kernels/strided_copy.c).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests run the strided view of the params over numpy data and check the one-line
errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import movement_testing as mt
from mcuforge.errors import ModelFileError, UnsupportedModelError


@dataclass(frozen=True)
class SliceCase:
    id: str
    shape: tuple[int, ...]
    begin: tuple[int, ...]
    size: tuple[int, ...]
    index_dtype: str = "int32"
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(n - b if s == -1 else s
                     for n, b, s in zip(self.shape, self.begin, self.size, strict=True))

    def expected(self, values: np.ndarray) -> np.ndarray:
        index = tuple(slice(b, b + e) for b, e in zip(self.begin, self.out_shape, strict=True))
        return values.reshape(self.shape)[index]


SLICE_CASES = [
    SliceCase("window_hw", (1, 6, 7, 3), (0, 1, 2, 0), (1, 4, 3, 3)),
    SliceCase("channels", (1, 4, 4, 8), (0, 0, 0, 3), (1, 4, 4, 4)),
    SliceCase("rows", (1, 9, 4, 2), (0, 3, 0, 0), (1, 5, 4, 2)),
    SliceCase("size_minus_1", (1, 6, 5, 4), (0, 2, 1, 1), (-1, -1, -1, 2)),
    SliceCase("int64_begin_and_size", (1, 6, 5, 4), (0, 1, 0, 2), (1, 4, -1, 2),
              index_dtype="int64"),
    SliceCase("batch_2", (2, 5, 3), (1, 1, 0), (1, 3, 3)),
    SliceCase("1d", (17,), (4,), (9,)),
    SliceCase("2d_last_value", (1, 12), (0, 11), (1, 1)),
    SliceCase("5d", (1, 3, 4, 3, 4), (0, 1, 1, 0, 1), (1, 2, 2, 3, 2)),
    SliceCase("identity", (1, 3, 3, 3), (0, 0, 0, 0), (1, 3, 3, 3)),
    SliceCase("zero_point_minus128", (1, 5, 5, 2), (0, 1, 2, 0), (1, 3, 3, 2), q=(0.02, -128)),
    SliceCase("zero_point_127", (1, 5, 5, 2), (0, 1, 2, 0), (1, 3, 3, 2), q=(0.02, 127)),
    SliceCase("quantization_differs", (1, 5, 5, 2), (0, 1, 2, 0), (1, 3, 3, 2),
              out_q=(0.2, 11)),
]


def _model(c: SliceCase, out_shape: tuple[int, ...] | None = None,
           size_dtype: str | None = None) -> bytes:
    return mt.single_op("SLICE", c.shape, [np.array(c.begin, c.index_dtype),
                                           np.array(c.size, size_dtype or c.index_dtype)],
                        out_shape or c.out_shape, x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", SLICE_CASES, ids=lambda c: c.id)
def test_slice(case: SliceCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("case", SLICE_CASES, ids=lambda c: c.id)
def test_lowering_slice_view_matches_numpy(case: SliceCase):
    call = kt.lower_op(_model(case))
    values = np.arange(int(np.prod(case.shape)))
    np.testing.assert_array_equal(mt.run_view(call.params.copy, values),
                                  case.expected(values).reshape(-1))


def test_lowering_slice_params():
    call = kt.lower_op(_model(SliceCase("x", (1, 6, 7, 3), (0, 1, 2, 0), (1, 4, 3, 3))))
    assert call.function == "mf_slice_s8" and call.kernel == "slice"
    p = call.params.copy
    assert p.rank == 2 and p.output_dims == (4, 9) and p.input_strides == (21, 1)
    assert p.input_offset == 21 + 6
    p = kt.lower_op(_model(SliceCase("x", (1, 9, 4, 2), (0, 3, 0, 0), (1, 5, 4, 2)))).params.copy
    # whole rows: one contiguous run
    assert p.rank == 1 and p.output_dims == (40,) and p.input_offset == 24


def test_lowering_slice_rejects():
    with pytest.raises(ModelFileError, match=r"op 0 \(SLICE\): axis 1: begin 3 and size 4 "
                                             r"leave the input's extent 6"):
        kt.lower_op(_model(SliceCase("x", (1, 6, 2), (0, 3, 0), (1, 4, 2))))
    with pytest.raises(ModelFileError, match="begin -1"):
        kt.lower_op(_model(SliceCase("x", (1, 6, 2), (0, -1, 0), (1, 1, 2))))
    with pytest.raises(UnsupportedModelError, match="at most 5"):
        kt.lower_op(_model(SliceCase("x", (1, 2, 2, 2, 2, 2), (0,) * 6, (1, 2, 2, 2, 2, 2))))
    with pytest.raises(UnsupportedModelError, match="reads exactly one per dimension"):
        kt.lower_op(mt.single_op("SLICE", (1, 4, 4), [np.array([0, 1], np.int32),
                                                      np.array([1, 2], np.int32)], (1, 2, 4)))
    with pytest.raises(ModelFileError, match="one type for both"):
        kt.lower_op(_model(SliceCase("x", (1, 4, 4), (0, 1, 0), (1, 2, 4)), size_dtype="int64"))
    with pytest.raises(ModelFileError, match="slicing"):
        kt.lower_op(_model(SliceCase("x", (1, 4, 4), (0, 1, 0), (1, 2, 4)), out_shape=(1, 2, 3)))
    with pytest.raises(UnsupportedModelError, match="size tensor .* float32"):
        kt.lower_op(mt.single_op("SLICE", (1, 4, 4), [np.array([0, 1, 0], np.int32),
                                                      np.array([1, 2, 4], np.float32)],
                                 (1, 2, 4)))

"""STRIDED_SLICE: mcuforge.compile.ops.strided_slice and firmware/kernels/strided_slice.c (over
firmware/kernels/strided_copy.c).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests run the strided view of the params over numpy data and compare it with numpy's
own slicing (whose semantics TFLite's follow), and check the one-line errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import movement_testing as mt
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.options.movement import StridedSliceOptions


@dataclass(frozen=True)
class SliceCase:
    id: str
    shape: tuple[int, ...]
    begin: tuple[int, ...]
    end: tuple[int, ...]
    strides: tuple[int, ...]
    begin_mask: int = 0
    end_mask: int = 0
    shrink: int = 0
    ellipsis: int = 0
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def options(self) -> StridedSliceOptions:
        return StridedSliceOptions(begin_mask=self.begin_mask, end_mask=self.end_mask,
                                   shrink_axis_mask=self.shrink, ellipsis_mask=self.ellipsis)

    def numpy_index(self) -> tuple:
        index = []
        for a in range(len(self.shape)):
            if self.shrink & (1 << a):
                index.append(self.begin[a])
            elif self.ellipsis & (1 << a):
                index.append(slice(None))
            else:
                index.append(slice(None if self.begin_mask & (1 << a) else self.begin[a],
                                   None if self.end_mask & (1 << a) else self.end[a],
                                   self.strides[a]))
        return tuple(index)

    def expected(self, values: np.ndarray) -> np.ndarray:
        return values.reshape(self.shape)[self.numpy_index()]


SLICE_CASES = [
    SliceCase("window_hw", (1, 6, 7, 3), (0, 1, 2, 0), (1, 5, 6, 3), (1, 1, 1, 1)),
    SliceCase("channels", (1, 4, 4, 8), (0, 0, 0, 2), (1, 4, 4, 7), (1, 1, 1, 1)),
    SliceCase("stride_2_hw", (1, 8, 9, 3), (0, 0, 0, 0), (1, 8, 9, 3), (1, 2, 2, 1)),
    SliceCase("stride_3_offset", (1, 10, 5, 2), (0, 1, 0, 0), (1, 10, 5, 2), (1, 3, 2, 1)),
    SliceCase("stride_channels", (1, 3, 3, 10), (0, 0, 0, 1), (1, 3, 3, 10), (1, 1, 1, 3)),
    SliceCase("reverse_width", (1, 4, 6, 3), (0, 0, -1, 0), (1, 4, -7, 3), (1, 1, -1, 1)),
    SliceCase("reverse_all_masks", (2, 3, 4), (0, 0, 0), (0, 0, 0), (-1, -1, -1),
              begin_mask=7, end_mask=7),
    SliceCase("reverse_stride_2", (1, 9, 4), (0, 7, 0), (1, 0, 4), (1, -2, 1)),
    SliceCase("reverse_channels_stride_3", (1, 2, 11), (0, 0, 10), (1, 2, 0), (1, 1, -3),
              end_mask=4),
    SliceCase("negative_indices", (1, 8, 8, 4), (0, -6, -7, -3), (1, -1, -2, 4),
              (1, 1, 2, 1)),
    SliceCase("end_past_the_axis_clamps", (1, 5, 5, 2), (0, 2, -100, 0), (1, 100, 3, 2),
              (1, 1, 1, 1)),
    SliceCase("begin_end_masks", (1, 6, 6, 4), (0, 4, 3, 1), (0, 0, 0, 3), (1, 1, 1, 1),
              begin_mask=0b1001, end_mask=0b0111),
    SliceCase("shrink_first_row", (1, 5, 4), (0, 0, 0), (1, 1, 4), (1, 1, 1), shrink=0b010),
    SliceCase("shrink_last_channel", (1, 3, 3, 5), (0, 0, 0, -1), (1, 3, 3, 0), (1, 1, 1, 1),
              shrink=0b1000),
    SliceCase("shrink_batch_of_2", (2, 3, 4), (1, 0, 0), (2, 3, 4), (1, 1, 1), shrink=0b001,
              end_mask=0b110),
    SliceCase("shrink_two_axes", (1, 4, 5, 6), (0, 2, 0, 3), (1, 3, 5, 4), (1, 1, 1, 1),
              shrink=0b1010),
    SliceCase("batch_2_slice_batch", (2, 4, 5), (1, 1, 0), (2, 3, 5), (1, 1, 2)),
    SliceCase("1d", (20,), (3,), (17,), (4,)),
    SliceCase("1d_reverse", (9,), (-2,), (0,), (-1,)),
    SliceCase("2d", (1, 30), (0, 5), (1, 25), (1, 3)),
    SliceCase("identity", (1, 3, 4, 5), (0, 0, 0, 0), (1, 3, 4, 5), (1, 1, 1, 1)),
    # TFLite-Micro ignores ellipsis_mask; it is accepted where that changes nothing
    SliceCase("ellipsis_over_one_whole_axis", (1, 4, 6, 3), (0, 0, 1, 0), (0, 0, 5, 3),
              (1, 1, 1, 1), begin_mask=0b0011, end_mask=0b0011, ellipsis=0b0010),
    SliceCase("zero_point_minus128", (1, 5, 5, 3), (0, 1, 0, 0), (1, 4, 5, 3), (1, 1, 2, 1),
              q=(0.02, -128)),
    SliceCase("zero_point_127", (1, 5, 5, 3), (0, 1, 0, 0), (1, 4, 5, 3), (1, 1, 2, 1),
              q=(0.02, 127)),
    SliceCase("quantization_differs", (1, 4, 4, 2), (0, 1, 1, 0), (1, 3, 3, 2), (1, 1, 1, 1),
              out_q=(0.5, 10)),
]


def _model(c: SliceCase, index_dtype: str = "int32", options: StridedSliceOptions | None = None,
           out_shape: tuple[int, ...] | None = None) -> bytes:
    if out_shape is None:
        out_shape = c.expected(np.zeros(int(np.prod(c.shape)))).shape
    vectors = [np.array(v, dtype=index_dtype) for v in (c.begin, c.end, c.strides)]
    return mt.single_op("STRIDED_SLICE", c.shape, vectors, out_shape, options or c.options,
                        x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", SLICE_CASES, ids=lambda c: c.id)
def test_strided_slice(case: SliceCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("case", SLICE_CASES, ids=lambda c: c.id)
def test_lowering_strided_slice_view_matches_numpy(case: SliceCase):
    call = kt.lower_op(_model(case))
    values = np.arange(int(np.prod(case.shape)))
    np.testing.assert_array_equal(mt.run_view(call.params.copy, values),
                                  case.expected(values).reshape(-1))


def test_lowering_strided_slice_params():
    c = SliceCase("x", (1, 6, 7, 3), (0, 1, 2, 0), (1, 5, 6, 3), (1, 1, 1, 1))
    call = kt.lower_op(_model(c))
    assert call.function == "mf_strided_slice_s8" and call.kernel == "strided_slice"
    p = call.params.copy
    # rows of 4 pixels (12 contiguous values) from row 1, column 2
    assert p.rank == 2 and p.output_dims == (4, 12) and p.input_strides == (21, 1)
    assert p.input_offset == 1 * 21 + 2 * 3
    c = SliceCase("x", (1, 4, 6, 3), (0, 0, -1, 0), (1, 4, -7, 3), (1, 1, -1, 1))
    p = kt.lower_op(_model(c)).params.copy
    assert p.output_dims == (4, 6, 3) and p.input_strides == (18, -3, 1)
    assert p.input_offset == 5 * 3
    c = SliceCase("x", (2, 3, 4), (0, 0, 0), (0, 0, 0), (-1, -1, -1), begin_mask=7, end_mask=7)
    p = kt.lower_op(_model(c)).params.copy
    # reversing everything reverses one run of 24 values
    assert p.rank == 1 and p.output_dims == (24,) and p.input_strides == (-1,)
    assert p.input_offset == 23
    opts = StridedSliceOptions(begin_mask=1, end_mask=2, ellipsis_mask=4, new_axis_mask=8,
                               shrink_axis_mask=16, offset=True)
    graph = mt.read_back(_model(c, options=opts, out_shape=(2, 3, 4)))
    assert graph.operators[0].options == opts


def test_lowering_strided_slice_rejects():
    base = SliceCase("x", (1, 4, 4, 2), (0, 1, 1, 0), (1, 3, 3, 2), (1, 1, 1, 1))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(STRIDED_SLICE\).*at most 4"):
        kt.lower_op(_model(SliceCase("x", (1, 2, 2, 2, 2), (0,) * 5, (1, 2, 2, 2, 2), (1,) * 5)))
    with pytest.raises(UnsupportedModelError, match="begin tensor .* int64"):
        kt.lower_op(_model(base, index_dtype="int64"))
    with pytest.raises(UnsupportedModelError, match="new_axis_mask 2; TFLite-Micro ignores"):
        kt.lower_op(_model(base, options=StridedSliceOptions(new_axis_mask=2),
                           out_shape=(1, 2, 2, 2)))
    with pytest.raises(UnsupportedModelError, match="offset = true"):
        kt.lower_op(_model(base, options=StridedSliceOptions(offset=True),
                           out_shape=(1, 2, 2, 2)))
    # an ellipsis over an axis the slice does not take whole
    with pytest.raises(UnsupportedModelError, match="ellipsis_mask 2: TFLite-Micro ignores it"):
        kt.lower_op(_model(base, options=StridedSliceOptions(ellipsis_mask=2),
                           out_shape=(1, 2, 2, 2)))
    with pytest.raises(UnsupportedModelError, match="negative stride"):
        kt.lower_op(_model(SliceCase("x", (1, 4, 3), (0, 2, 0), (1, 0, 3), (1, -1, 1),
                                     shrink=0b010)))
    with pytest.raises(UnsupportedModelError, match="writes no value"):
        kt.lower_op(_model(SliceCase("x", (1, 4, 3), (0, 4, 0), (1, 5, 3), (1, 1, 1),
                                     shrink=0b010), out_shape=(1, 3)))
    with pytest.raises(UnsupportedModelError, match="reads exactly one per input dimension"):
        kt.lower_op(mt.single_op("STRIDED_SLICE", (1, 4, 4, 2),
                                 [np.array(v, np.int32) for v in ((1, 1), (3, 3), (1, 1))],
                                 (1, 4, 2, 2), StridedSliceOptions()))
    with pytest.raises(ModelFileError, match="contain 0"):
        kt.lower_op(_model(SliceCase("x", (1, 4, 3), (0, 0, 0), (1, 4, 3), (1, 0, 1)),
                           out_shape=(1, 4, 3)))
    with pytest.raises(ModelFileError, match="slicing"):
        kt.lower_op(_model(base, out_shape=(1, 3, 2, 2)))

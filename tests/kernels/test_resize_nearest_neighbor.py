"""RESIZE_NEAREST_NEIGHBOR: mcuforge.compile.ops.resize_nearest_neighbor and
firmware/kernels/resize_nearest_neighbor.c (over firmware/kernels/pixel_gather.c).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case):
integer and fractional ratios up and down, every combination of align_corners and
half_pixel_centers, and sizes whose float32 source coordinates land next to a rounding edge.
The lowering tests check the tables and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import movement_testing as mt
from mcuforge.compile.ops.resize_nearest_neighbor import nearest_source
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.options.movement import ResizeNearestNeighborOptions


@dataclass(frozen=True)
class ResizeCase:
    id: str
    shape: tuple[int, int, int, int]
    size: tuple[int, int]
    align_corners: bool = False
    half_pixel: bool = False
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (self.shape[0], *self.size, self.shape[3])


def _cases() -> list[ResizeCase]:
    cases = [
        ResizeCase("up_2x", (1, 4, 5, 3), (8, 10)),
        ResizeCase("up_3x_depth_1", (1, 3, 3, 1), (9, 9)),
        ResizeCase("down_2x", (1, 8, 6, 2), (4, 3)),
        ResizeCase("fractional_up", (1, 5, 7, 2), (7, 12)),
        ResizeCase("fractional_down", (1, 7, 9, 2), (5, 4)),
        ResizeCase("from_1x1", (1, 1, 1, 4), (3, 5)),
        ResizeCase("to_1x1", (1, 5, 6, 2), (1, 1)),
        ResizeCase("batch_2", (2, 3, 4, 2), (6, 5)),
        ResizeCase("identity", (1, 4, 4, 3), (4, 4)),
        ResizeCase("zero_point_minus128", (1, 3, 4, 2), (6, 8), q=(0.02, -128)),
        ResizeCase("quantization_differs", (1, 3, 4, 2), (6, 8), out_q=(0.2, 40)),
    ]
    for align, half in ((True, False), (False, True), (True, True)):
        tag = "_".join(t for t, on in (("align", align), ("half", half)) if on)
        cases += [
            ResizeCase(f"{tag}_up", (1, 4, 5, 2), (9, 11), align, half),
            ResizeCase(f"{tag}_down", (1, 9, 8, 2), (4, 5), align, half),
            ResizeCase(f"{tag}_to_1x1", (1, 3, 5, 1), (1, 1), align, half),
            # ratios whose float32 products fall just beside .5 or an integer
            ResizeCase(f"{tag}_odd_ratios", (1, 7, 23, 1), (23, 7), align, half),
            ResizeCase(f"{tag}_thirds", (1, 3, 10, 1), (10, 30), align, half),
        ]
    return cases


RESIZE_CASES = _cases()


def _model(c: ResizeCase, size=None, out_shape=None) -> bytes:
    size = np.array(c.size, np.int32) if size is None else size
    return mt.single_op("RESIZE_NEAREST_NEIGHBOR", c.shape, [size], out_shape or c.out_shape,
                        ResizeNearestNeighborOptions(c.align_corners, c.half_pixel), x_q=c.q,
                        out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", RESIZE_CASES, ids=lambda c: c.id)
def test_resize_nearest_neighbor(case: ResizeCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_nearest_source_follows_the_float_formula():
    # 2x up: every source twice; 2x down: every other one
    assert [nearest_source(i, 4, 8, False, False) for i in range(8)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert [nearest_source(i, 8, 4, False, False) for i in range(4)] == [0, 2, 4, 6]
    # half pixel centers: (i + 0.5) * 0.5 floored
    assert [nearest_source(i, 4, 8, False, True) for i in range(8)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert [nearest_source(i, 8, 4, False, True) for i in range(4)] == [1, 3, 5, 7]
    # align corners: i * 3/7 rounded half away from zero
    assert [nearest_source(i, 4, 8, True, False) for i in range(8)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert nearest_source(0, 5, 1, True, False) == 0


def test_lowering_resize_nearest_params():
    model = _model(ResizeCase("x", (2, 4, 5, 3), (8, 10)))
    call = kt.lower_op(model)
    assert call.function == "mf_resize_nearest_neighbor_s8"
    assert call.kernel == "resize_nearest_neighbor"
    g = call.params.gather
    assert (g.batches, g.output_height, g.output_width, g.depth) == (2, 8, 10, 3)
    assert g.input_batch_stride == 60
    assert g.row_offsets.values.tolist() == [0, 0, 15, 15, 30, 30, 45, 45]
    assert g.col_offsets.values.tolist() == [0, 0, 3, 3, 6, 6, 9, 9, 12, 12]
    assert {c.name for c in call.constants} == {"op0_row_offsets", "op0_col_offsets"}
    assert mt.read_back(_model(ResizeCase("x", (1, 2, 2, 1), (4, 4), True, True))).operators[
        0].options == ResizeNearestNeighborOptions(align_corners=True, half_pixel_centers=True)


def test_lowering_resize_nearest_rejects():
    base = ResizeCase("x", (1, 4, 4, 2), (8, 8))
    with pytest.raises(ModelFileError, match=r"op 0 \(RESIZE_NEAREST_NEIGHBOR\): size tensor "
                                             r".* needs \[2\]"):
        kt.lower_op(_model(base, size=np.array([8, 8, 2], np.int32)))
    with pytest.raises(UnsupportedModelError, match="size tensor .* int64"):
        kt.lower_op(_model(base, size=np.array([8, 8], np.int64)))
    with pytest.raises(ModelFileError, match="resizing"):
        kt.lower_op(_model(base, out_shape=(1, 8, 7, 2)))
    with pytest.raises(ModelFileError, match="expected 4 dimensions"):
        kt.lower_op(mt.single_op("RESIZE_NEAREST_NEIGHBOR", (1, 4, 2), [np.array([8, 8],
                                                                                  np.int32)],
                                 (1, 8, 2), ResizeNearestNeighborOptions()))

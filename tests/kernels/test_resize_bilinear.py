"""RESIZE_BILINEAR: mcuforge.compile.ops.resize_bilinear and firmware/kernels/resize_bilinear.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case):
integer and fractional ratios up and down, align_corners, half_pixel_centers (whose first row
and column get negative weights), extreme zero points (the extreme input vectors of run_case
then hit every rounding tie and the int8 bounds). The lowering tests check the tables against
TFLite-Micro's integer formulas written out by hand, and the one-line errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import movement_testing as mt
from mcuforge.compile.ops.resize_bilinear import interpolation, scale_10
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.options.movement import ResizeBilinearOptions


@dataclass(frozen=True)
class BilinearCase:
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


def _cases() -> list[BilinearCase]:
    cases = [
        BilinearCase("up_2x", (1, 4, 5, 3), (8, 10)),
        BilinearCase("up_3x_depth_1", (1, 3, 3, 1), (9, 9)),
        BilinearCase("down_2x", (1, 8, 6, 2), (4, 3)),
        BilinearCase("fractional_up", (1, 5, 7, 2), (7, 12)),
        BilinearCase("fractional_down", (1, 7, 9, 2), (5, 4)),
        BilinearCase("from_1x1", (1, 1, 1, 4), (3, 5)),
        BilinearCase("to_1x1", (1, 5, 6, 2), (1, 1)),
        BilinearCase("batch_2", (2, 3, 4, 2), (6, 5)),
        BilinearCase("identity", (1, 4, 4, 3), (4, 4)),
        BilinearCase("odd_ratios", (1, 7, 23, 1), (23, 7)),
        BilinearCase("zero_point_minus128", (1, 3, 4, 2), (7, 9), q=(0.02, -128)),
        BilinearCase("zero_point_127", (1, 3, 4, 2), (7, 9), q=(0.02, 127)),
        BilinearCase("quantization_differs", (1, 3, 4, 2), (6, 8), out_q=(0.2, 40)),
    ]
    for align, half in ((True, False), (False, True)):
        tag = "align" if align else "half"
        cases += [
            BilinearCase(f"{tag}_up", (1, 4, 5, 2), (9, 11), align, half),
            BilinearCase(f"{tag}_up_8x", (1, 2, 3, 1), (16, 24), align, half),
            BilinearCase(f"{tag}_down", (1, 9, 8, 2), (4, 5), align, half),
            BilinearCase(f"{tag}_to_1x1", (1, 3, 5, 1), (1, 1), align, half),
            BilinearCase(f"{tag}_odd_ratios", (1, 7, 23, 1), (23, 7), align, half),
            BilinearCase(f"{tag}_zero_point_127", (1, 3, 3, 2), (8, 5), align, half,
                         q=(0.02, 127)),
            BilinearCase(f"{tag}_zero_point_minus128", (1, 3, 3, 2), (8, 5), align, half,
                         q=(0.02, -128)),
        ]
    return cases


BILINEAR_CASES = _cases()


def _model(c: BilinearCase, size=None, out_shape=None, options=None) -> bytes:
    size = np.array(c.size, np.int32) if size is None else size
    options = options or ResizeBilinearOptions(c.align_corners, c.half_pixel)
    return mt.single_op("RESIZE_BILINEAR", c.shape, [size], out_shape or c.out_shape, options,
                        x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", BILINEAR_CASES, ids=lambda c: c.id)
def test_resize_bilinear(case: BilinearCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_interpolation_follows_the_integer_formulas():
    # 4 -> 8: scale 512 (0.5); position i * 0.5
    assert scale_10(4, 8, False) == 512
    assert [interpolation(i, 512, False, 4) for i in range(8)] == [
        (0, 0, 0), (0, 1, 512), (1, 1, 0), (1, 2, 512), (2, 2, 0), (2, 3, 512), (3, 3, 0),
        (3, 3, 512)]
    # half pixel centers: position (i + 0.5) * 0.5 - 0.5; the first is -0.25 (weight -256 on
    # the same row twice)
    assert interpolation(0, 512, True, 4) == (0, 0, -256)
    assert interpolation(1, 512, True, 4) == (0, 1, 256)
    # align corners: 3 -> 7, scale round(1024 * 2 / 6) = 341
    assert scale_10(3, 7, True) == 341
    assert interpolation(6, 341, False, 3) == (1, 2, 1022)
    # 5 -> 3 rounds the scale to nearest: (5120 + 1) // 3
    assert scale_10(5, 3, False) == 1707


def test_lowering_resize_bilinear_params():
    model = _model(BilinearCase("x", (2, 4, 5, 3), (8, 10), half_pixel=True))
    call = kt.lower_op(model)
    assert call.function == "mf_resize_bilinear_s8" and call.kernel == "resize_bilinear"
    p = call.params
    assert (p.batches, p.output_height, p.output_width, p.depth, p.input_batch_stride) == \
        (2, 8, 10, 3, 60)
    rows = p.rows.values.reshape(8, 3)
    assert rows[0].tolist() == [0, 0, -256] and rows[1].tolist() == [0, 15, 256]
    assert rows[7].tolist() == [45, 45, 256]
    cols = p.cols.values.reshape(10, 3)
    assert cols[0].tolist() == [0, 0, -256] and cols[9].tolist() == [12, 12, 256]
    assert {c.name for c in call.constants} == {"op0_rows", "op0_cols"}
    assert mt.read_back(model).operators[0].options == ResizeBilinearOptions(
        align_corners=False, half_pixel_centers=True)


def test_lowering_resize_bilinear_rejects():
    base = BilinearCase("x", (1, 4, 4, 2), (8, 8))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(RESIZE_BILINEAR\): align_corners "
                                                    r"with half_pixel_centers"):
        kt.lower_op(_model(base, options=ResizeBilinearOptions(True, True)))
    with pytest.raises(ModelFileError, match=r"size tensor .* needs \[2\]"):
        kt.lower_op(_model(base, size=np.array([8, 8, 2], np.int32)))
    with pytest.raises(UnsupportedModelError, match="size tensor .* int64"):
        kt.lower_op(_model(base, size=np.array([8, 8], np.int64)))
    with pytest.raises(ModelFileError, match="resizing"):
        kt.lower_op(_model(base, out_shape=(1, 8, 7, 2)))
    # one row to 1500: the scale rounds to 1/1024 and TFLite-Micro's last source row is 1
    with pytest.raises(UnsupportedModelError, match="outside the input"):
        kt.lower_op(_model(BilinearCase("x", (1, 1, 2, 1), (1500, 2))))

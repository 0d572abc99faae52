"""SPACE_TO_DEPTH: mcuforge.compile.ops.space_to_depth and firmware/kernels/space_to_depth.c
(over firmware/kernels/strided_copy.c).

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
from mcuforge.errors import ModelFileError
from mcuforge.tflite.options.movement import SpaceToDepthOptions


@dataclass(frozen=True)
class S2DCase:
    id: str
    shape: tuple[int, int, int, int]
    block: int
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        n, h, w, c = self.shape
        b = self.block
        return (n, h // b, w // b, c * b * b)

    def expected(self, values: np.ndarray) -> np.ndarray:
        n, h, w, c = self.shape
        b = self.block
        x = values.reshape(n, h // b, b, w // b, b, c)
        return x.transpose(0, 1, 3, 2, 4, 5).reshape(self.out_shape)


S2D_CASES = [
    S2DCase("block_2", (1, 6, 8, 3), 2),
    S2DCase("block_2_depth_1", (1, 4, 4, 1), 2),
    S2DCase("block_3", (1, 6, 3, 2), 3),
    S2DCase("block_1", (1, 3, 3, 5), 1),
    S2DCase("whole_image_one_pixel", (1, 4, 4, 2), 4),
    S2DCase("batch_2", (2, 4, 6, 3), 2),
    S2DCase("zero_point_127", (1, 4, 4, 3), 2, q=(0.02, 127)),
    S2DCase("quantization_differs", (1, 4, 4, 3), 2, out_q=(0.5, 1)),
]


def _model(c: S2DCase, block: int | None = None, out_shape=None) -> bytes:
    return mt.single_op("SPACE_TO_DEPTH", c.shape, [], out_shape or c.out_shape,
                        SpaceToDepthOptions(block_size=c.block if block is None else block),
                        x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", S2D_CASES, ids=lambda c: c.id)
def test_space_to_depth(case: S2DCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("case", S2D_CASES, ids=lambda c: c.id)
def test_lowering_space_to_depth_view_matches_numpy(case: S2DCase):
    call = kt.lower_op(_model(case))
    values = np.arange(int(np.prod(case.shape)))
    np.testing.assert_array_equal(mt.run_view(call.params.copy, values),
                                  case.expected(values).reshape(-1))


def test_lowering_space_to_depth_params():
    model = _model(S2DCase("x", (1, 6, 8, 3), 2))
    call = kt.lower_op(model)
    assert call.function == "mf_space_to_depth_s8" and call.kernel == "space_to_depth"
    p = call.params.copy
    # [h', w', i, (j, c)]: a block row's 2 pixels are 6 contiguous input values
    assert p.rank == 4 and p.output_dims == (3, 4, 2, 6)
    assert p.input_strides == (48, 6, 24, 1) and p.input_offset == 0
    assert mt.read_back(model).operators[0].options == SpaceToDepthOptions(block_size=2)


def test_lowering_space_to_depth_rejects():
    with pytest.raises(ModelFileError, match=r"op 0 \(SPACE_TO_DEPTH\): input height 5 and "
                                             r"width 4 are not multiples of block_size 2"):
        kt.lower_op(_model(S2DCase("x", (1, 5, 4, 1), 2), out_shape=(1, 2, 2, 4)))
    with pytest.raises(ModelFileError, match="space-to-depth"):
        kt.lower_op(_model(S2DCase("x", (1, 4, 4, 1), 2), out_shape=(1, 4, 1, 4)))

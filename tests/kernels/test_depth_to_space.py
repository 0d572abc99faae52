"""DEPTH_TO_SPACE: mcuforge.compile.ops.depth_to_space and firmware/kernels/depth_to_space.c
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
from mcuforge.tflite.options.movement import DepthToSpaceOptions


@dataclass(frozen=True)
class D2SCase:
    id: str
    shape: tuple[int, int, int, int]
    block: int
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        n, h, w, c = self.shape
        b = self.block
        return (n, h * b, w * b, c // (b * b))

    def expected(self, values: np.ndarray) -> np.ndarray:
        n, h, w, c = self.shape
        b = self.block
        x = values.reshape(n, h, w, b, b, c // (b * b))
        return x.transpose(0, 1, 3, 2, 4, 5).reshape(self.out_shape)


D2S_CASES = [
    D2SCase("block_2", (1, 3, 4, 8), 2),
    D2SCase("block_2_depth_4", (1, 4, 4, 4), 2),
    D2SCase("block_3", (1, 2, 3, 18), 3),
    D2SCase("block_1", (1, 3, 3, 5), 1),
    D2SCase("block_4_single_pixel", (1, 1, 1, 16), 4),
    D2SCase("batch_2", (2, 2, 3, 12), 2),
    D2SCase("zero_point_minus128", (1, 3, 3, 8), 2, q=(0.02, -128)),
    D2SCase("quantization_differs", (1, 3, 3, 8), 2, out_q=(0.5, 1)),
]


def _model(c: D2SCase, block: int | None = None, out_shape=None) -> bytes:
    return mt.single_op("DEPTH_TO_SPACE", c.shape, [], out_shape or c.out_shape,
                        DepthToSpaceOptions(block_size=c.block if block is None else block),
                        x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", D2S_CASES, ids=lambda c: c.id)
def test_depth_to_space(case: D2SCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("case", D2S_CASES, ids=lambda c: c.id)
def test_lowering_depth_to_space_view_matches_numpy(case: D2SCase):
    call = kt.lower_op(_model(case))
    values = np.arange(int(np.prod(case.shape)))
    np.testing.assert_array_equal(mt.run_view(call.params.copy, values),
                                  case.expected(values).reshape(-1))


def test_lowering_depth_to_space_params():
    model = _model(D2SCase("x", (1, 3, 4, 8), 2))
    call = kt.lower_op(model)
    assert call.function == "mf_depth_to_space_s8" and call.kernel == "depth_to_space"
    p = call.params.copy
    # [h, i, w, (j, c)]: j and the 2 output channels are 4 contiguous input channels
    assert p.rank == 4 and p.output_dims == (3, 2, 4, 4)
    assert p.input_strides == (32, 4, 8, 1) and p.input_offset == 0
    assert mt.read_back(model).operators[0].options == DepthToSpaceOptions(block_size=2)


def test_lowering_depth_to_space_rejects():
    with pytest.raises(ModelFileError, match=r"op 0 \(DEPTH_TO_SPACE\): input depth 6 is not a "
                                             r"multiple of block_size\^2 = 4"):
        kt.lower_op(_model(D2SCase("x", (1, 2, 2, 6), 2), out_shape=(1, 4, 4, 1)))
    with pytest.raises(ModelFileError, match="depth-to-space"):
        kt.lower_op(_model(D2SCase("x", (1, 2, 2, 8), 2), out_shape=(1, 2, 8, 2)))
    with pytest.raises(ModelFileError, match="expected 4 dimensions"):
        kt.lower_op(mt.single_op("DEPTH_TO_SPACE", (1, 2, 8), [], (1, 4, 2),
                                 DepthToSpaceOptions(block_size=2)))
    with pytest.raises(ModelFileError, match="block_size is 0"):
        kt.lower_op(_model(D2SCase("x", (1, 2, 2, 8), 2), block=0))

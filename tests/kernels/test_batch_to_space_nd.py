"""BATCH_TO_SPACE_ND: mcuforge.compile.ops.batch_to_space_nd and
firmware/kernels/batch_to_space_nd.c (over firmware/kernels/pixel_gather.c).

Host tests run each case's single-op model (the model input carries the whole batch) against
TFLite-Micro (kernel_testing.run_case); the lowering tests run the tables over numpy data
against numpy's reshape-and-transpose definition of the op and check the one-line errors.
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
class B2SCase:
    id: str
    shape: tuple[int, ...]            # NHWC or NHC input
    block: tuple[int, ...]
    crops: tuple[tuple[int, int], ...]
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    def expected(self, values: np.ndarray) -> np.ndarray:
        shape = self.shape if len(self.shape) == 4 else (*self.shape[:2], 1, self.shape[2])
        block = (*self.block, 1)[:2]
        crops = (*self.crops, (0, 0))[:2]
        nb, h, w, c = shape
        bh, bw = block
        n = nb // (bh * bw)
        x = values.reshape(bh, bw, n, h, w, c).transpose(2, 3, 0, 4, 1, 5)
        x = x.reshape(n, h * bh, w * bw, c)
        x = x[:, crops[0][0]:h * bh - crops[0][1], crops[1][0]:w * bw - crops[1][1], :]
        return x if len(self.shape) == 4 else x.reshape(x.shape[0], x.shape[1], c)


B2S_CASES = [
    B2SCase("block_2", (4, 2, 3, 2), (2, 2), ((0, 0), (0, 0))),
    B2SCase("block_2_batch_2", (8, 2, 2, 3), (2, 2), ((0, 0), (0, 0))),
    B2SCase("block_3x2", (6, 2, 3, 1), (3, 2), ((0, 0), (0, 0))),
    B2SCase("crops_unaligned", (4, 3, 3, 2), (2, 2), ((1, 0), (0, 1))),
    B2SCase("crops_all_sides", (9, 3, 4, 2), (3, 3), ((1, 2), (2, 1))),
    B2SCase("dilated_conv_like", (4, 5, 5, 4), (2, 2), ((0, 1), (0, 1))),
    B2SCase("3d_nhc", (3, 4, 2), (3,), ((1, 2),)),
    B2SCase("block_1", (2, 3, 3, 2), (1, 1), ((0, 0), (1, 0))),
    B2SCase("zero_point_127", (4, 2, 2, 2), (2, 2), ((0, 0), (0, 0)), q=(0.02, 127)),
    B2SCase("quantization_differs", (4, 2, 2, 2), (2, 2), ((0, 0), (0, 0)), out_q=(0.1, 0)),
]


def _model(c: B2SCase, block=None, crops=None, out_shape=None) -> bytes:
    block = np.array(c.block, np.int32) if block is None else block
    crops = np.array(c.crops, np.int32) if crops is None else crops
    if out_shape is None:
        out_shape = c.expected(np.zeros(int(np.prod(c.shape)))).shape
    return mt.single_op("BATCH_TO_SPACE_ND", c.shape, [block, crops], out_shape, x_q=c.q,
                        out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", B2S_CASES, ids=lambda c: c.id)
def test_batch_to_space_nd(case: B2SCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def run_gather(g, values: np.ndarray) -> np.ndarray:
    """What mf_pixel_gather_s8 writes for ``g`` (mf_pixel_gather_params), in numpy."""
    values = np.asarray(values).reshape(-1)
    out = []
    for b in range(g.batches):
        for r in g.row_offsets.values:
            for c in g.col_offsets.values:
                start = b * g.input_batch_stride + r + c
                out.append(values[start:start + g.depth])
    return np.concatenate(out)


@pytest.mark.parametrize("case", B2S_CASES, ids=lambda c: c.id)
def test_lowering_batch_to_space_matches_numpy(case: B2SCase):
    g = kt.lower_op(_model(case)).params.gather
    values = np.arange(int(np.prod(case.shape)))
    np.testing.assert_array_equal(run_gather(g, values), case.expected(values).reshape(-1))


def test_lowering_batch_to_space_params():
    call = kt.lower_op(_model(B2SCase("x", (4, 2, 3, 2), (2, 2), ((0, 0), (0, 0)))))
    assert call.function == "mf_batch_to_space_nd_s8" and call.kernel == "batch_to_space_nd"
    g = call.params.gather
    assert (g.batches, g.output_height, g.output_width, g.depth) == (1, 4, 6, 2)
    # output row y: input batch block (y % 2) * 2 (12 values each), input row y // 2
    assert g.row_offsets.values.tolist() == [0, 24, 6, 30]
    assert g.col_offsets.values.tolist() == [0, 12, 2, 14, 4, 16]


def test_lowering_batch_to_space_rejects():
    base = B2SCase("x", (4, 2, 2, 1), (2, 2), ((0, 0), (0, 0)))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(BATCH_TO_SPACE_ND\): negative "
                                                    r"crops"):
        kt.lower_op(_model(base, crops=np.array([[0, -1], [0, 0]], np.int32),
                           out_shape=(1, 5, 4, 1)))
    with pytest.raises(ModelFileError, match="do not fit a 4-dimensional input"):
        kt.lower_op(_model(base, block=np.array([2], np.int32)))
    with pytest.raises(ModelFileError, match="not a multiple of the block size 3 x 1"):
        kt.lower_op(_model(base, block=np.array([3, 1], np.int32), out_shape=(1, 6, 2, 1)))
    with pytest.raises(ModelFileError, match="batch-to-space"):
        kt.lower_op(_model(base, out_shape=(1, 4, 3, 1)))
    with pytest.raises(UnsupportedModelError, match="2-dimensional input"):
        kt.lower_op(mt.single_op("BATCH_TO_SPACE_ND", (4, 3), [np.array([2], np.int32),
                                                               np.array([[0, 0]], np.int32)],
                                 (2, 6)))
    with pytest.raises(UnsupportedModelError, match="crops tensor .* int64"):
        kt.lower_op(_model(base, crops=np.zeros((2, 2), np.int64)))

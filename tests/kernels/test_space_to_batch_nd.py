"""SPACE_TO_BATCH_ND: mcuforge.compile.ops.space_to_batch_nd and
firmware/kernels/space_to_batch_nd.c (over firmware/kernels/strided_copy.c).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); no
case pads (TFLite-Micro pads with an uninitialised value: such models are rejected). The
lowering tests run the strided view over numpy data against numpy's reshape-and-transpose
definition of the op and check the one-line errors.
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
class S2BCase:
    id: str
    shape: tuple[int, ...]            # NHWC or NHC input
    block: tuple[int, ...]
    paddings: tuple[tuple[int, int], ...]
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    def expected(self, values: np.ndarray) -> np.ndarray:
        shape = self.shape if len(self.shape) == 4 else (*self.shape[:2], 1, self.shape[2])
        block = (*self.block, 1)[:2]
        pads = (*self.paddings, (0, 0))[:2]
        n, h, w, c = shape
        bh, bw = block
        x = np.pad(values.reshape(shape), ((0, 0), pads[0], pads[1], (0, 0)))
        hp, wp = x.shape[1], x.shape[2]
        x = x.reshape(n, hp // bh, bh, wp // bw, bw, c).transpose(2, 4, 0, 1, 3, 5)
        x = x.reshape(bh * bw * n, hp // bh, wp // bw, c)
        return x if len(self.shape) == 4 else x.reshape(x.shape[0], x.shape[1], c)


S2B_CASES = [
    S2BCase("block_2", (1, 4, 6, 2), (2, 2), ((0, 0), (0, 0))),
    S2BCase("block_2_batch_2", (2, 2, 4, 3), (2, 2), ((0, 0), (0, 0))),
    S2BCase("block_3x2", (1, 6, 4, 1), (3, 2), ((0, 0), (0, 0))),
    S2BCase("block_3x3", (1, 6, 9, 2), (3, 3), ((0, 0), (0, 0))),
    S2BCase("dilated_conv_like", (1, 6, 6, 4), (2, 2), ((0, 0), (0, 0))),
    S2BCase("3d_nhc", (2, 6, 2), (3,), ((0, 0),)),
    S2BCase("block_1", (1, 3, 3, 2), (1, 1), ((0, 0), (0, 0))),
    S2BCase("zero_point_127", (1, 4, 4, 2), (2, 2), ((0, 0), (0, 0)), q=(0.02, 127)),
    S2BCase("zero_point_minus128", (1, 4, 4, 2), (2, 2), ((0, 0), (0, 0)), q=(0.02, -128)),
    S2BCase("quantization_differs", (1, 4, 4, 2), (2, 2), ((0, 0), (0, 0)), out_q=(0.1, 5)),
]


def _model(c: S2BCase, block=None, paddings=None, out_shape=None) -> bytes:
    block = np.array(c.block, np.int32) if block is None else block
    paddings = np.array(c.paddings, np.int32) if paddings is None else paddings
    if out_shape is None:
        out_shape = c.expected(np.zeros(int(np.prod(c.shape)))).shape
    return mt.single_op("SPACE_TO_BATCH_ND", c.shape, [block, paddings], out_shape, x_q=c.q,
                        out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", S2B_CASES, ids=lambda c: c.id)
def test_space_to_batch_nd(case: S2BCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


@pytest.mark.parametrize("case", S2B_CASES, ids=lambda c: c.id)
def test_lowering_space_to_batch_matches_numpy(case: S2BCase):
    p = kt.lower_op(_model(case)).params.copy
    values = np.arange(int(np.prod(case.shape)))
    np.testing.assert_array_equal(mt.run_view(p, values), case.expected(values).reshape(-1))


def test_lowering_space_to_batch_params():
    call = kt.lower_op(_model(S2BCase("x", (1, 4, 6, 2), (2, 2), ((0, 0), (0, 0)))))
    assert call.function == "mf_space_to_batch_nd_s8" and call.kernel == "space_to_batch_nd"
    p = call.params.copy
    # [i, j, y, x, c]: the batch of 1 drops out
    assert p.rank == 5 and p.output_dims == (2, 2, 2, 3, 2)
    assert p.input_strides == (12, 2, 24, 4, 1) and p.input_offset == 0


def test_lowering_space_to_batch_rejects():
    base = S2BCase("x", (1, 4, 4, 1), (2, 2), ((0, 0), (0, 0)))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(SPACE_TO_BATCH_ND\): paddings "
                                                    r"\[1, 0, 0, 1\]: TFLite-Micro fills "
                                                    r"padding with an uninitialised value"):
        kt.lower_op(_model(S2BCase("x", (1, 3, 3, 1), (2, 2), ((1, 0), (0, 1)))))
    with pytest.raises(ModelFileError, match="does not divide into blocks of 3 x 2"):
        kt.lower_op(_model(base, block=np.array([3, 2], np.int32), out_shape=(6, 1, 2, 1)))
    with pytest.raises(UnsupportedModelError, match="negative paddings"):
        kt.lower_op(_model(base, paddings=np.array([[-1, 1], [0, 0]], np.int32),
                           out_shape=(4, 2, 2, 1)))
    with pytest.raises(ModelFileError, match="space-to-batch"):
        kt.lower_op(_model(base, out_shape=(2, 2, 4, 1)))
    with pytest.raises(ModelFileError, match="below 1"):
        kt.lower_op(_model(base, block=np.array([0, 2], np.int32), out_shape=(4, 2, 2, 1)))

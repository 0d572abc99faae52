"""GATHER: mcuforge.compile.ops.gather and firmware/kernels/gather.c.

Host tests run each case's single-op model (constant indices) against TFLite-Micro
(kernel_testing.run_case); the lowering tests check the typed params and the one-line errors
in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import movement_testing as mt
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.options.movement import GatherOptions


@dataclass(frozen=True)
class GatherCase:
    id: str
    shape: tuple[int, ...]
    indices: object                # nested lists (or an int: a scalar index)
    axis: int
    batch_dims: int = 0
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def index_array(self) -> np.ndarray:
        return np.array(self.indices, dtype=np.int32)

    def expected(self, values: np.ndarray) -> np.ndarray:
        x = values.reshape(self.shape)
        idx = self.index_array
        if self.batch_dims == 0:
            return np.take(x, idx, axis=self.axis)
        # batch_dims = 1: one set of indices per leading index
        return np.stack([np.take(x[b], idx[b], axis=self.axis - 1) for b in range(x.shape[0])])


GATHER_CASES = [
    GatherCase("channels", (1, 3, 4, 6), [5, 0, 2], 3),
    GatherCase("channels_negative_axis", (1, 3, 4, 6), [1, 1, 4, 3, 0], -1),
    GatherCase("rows", (1, 5, 4, 2), [4, 2, 0, 1], 1),
    GatherCase("embedding_like_axis_0", (6, 5), [3, 3, 0, 5, 1], 0),
    GatherCase("scalar_index_drops_axis", (1, 4, 7), 2, 1),
    GatherCase("2d_indices", (1, 6, 3), [[0, 5], [2, 2], [4, 1]], 1),
    GatherCase("repeated_index", (1, 4, 3), [1, 1, 1, 1, 1, 1], 2),
    GatherCase("batch_dims_1", (2, 5, 3), [[4, 0], [1, 3]], 1, batch_dims=1),
    GatherCase("batch_dims_1_inner_axis", (2, 3, 6), [[5, 0, 2], [1, 1, 4]], 2, batch_dims=1),
    GatherCase("1d", (10,), [9, 0, 4], 0),
    GatherCase("zero_point_minus128", (1, 3, 4), [3, 0], 2, q=(0.02, -128)),
    GatherCase("quantization_differs", (1, 3, 4), [3, 0], 2, out_q=(0.4, 9)),
]


def _model(c: GatherCase, indices: np.ndarray | None = None, options: GatherOptions | None = None,
           out_shape: tuple[int, ...] | None = None) -> bytes:
    indices = c.index_array if indices is None else indices
    if out_shape is None:
        out_shape = c.expected(np.zeros(int(np.prod(c.shape)))).shape
    return mt.single_op("GATHER", c.shape, [indices], out_shape,
                        options or GatherOptions(axis=c.axis, batch_dims=c.batch_dims),
                        x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", GATHER_CASES, ids=lambda c: c.id)
def test_gather(case: GatherCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def _run(p, values: np.ndarray) -> np.ndarray:
    """What mf_gather_s8 writes for params ``p``, in numpy."""
    x = values.reshape(p.batches, p.outer, p.axis_size, p.inner)
    idx = p.indices.values.reshape(p.batches, p.coords)
    return np.stack([x[b][:, idx[b], :] for b in range(p.batches)]).reshape(-1)


@pytest.mark.parametrize("case", GATHER_CASES, ids=lambda c: c.id)
def test_lowering_gather_matches_numpy(case: GatherCase):
    p = kt.lower_op(_model(case)).params
    values = np.arange(int(np.prod(case.shape)))
    np.testing.assert_array_equal(_run(p, values), case.expected(values).reshape(-1))


def test_lowering_gather_params():
    model = _model(GatherCase("x", (2, 3, 6), [[5, 0, 2], [1, 1, 4]], 2, batch_dims=1))
    call = kt.lower_op(model)
    assert call.function == "mf_gather_s8" and call.kernel == "gather"
    p = call.params
    assert (p.batches, p.outer, p.axis_size, p.coords, p.inner) == (2, 3, 6, 3, 1)
    assert p.indices.values.tolist() == [5, 0, 2, 1, 1, 4] and p.indices.name == "op0_indices"
    assert mt.read_back(model).operators[0].options == GatherOptions(axis=2, batch_dims=1)
    p = kt.lower_op(_model(GatherCase("x", (1, 5, 4, 2), [4, 2], 1))).params
    assert (p.batches, p.outer, p.axis_size, p.coords, p.inner) == (1, 1, 5, 2, 8)


def test_lowering_gather_rejects():
    base = GatherCase("x", (1, 4, 3), [3, 0], 1)
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(GATHER\): indices tensor .* is "
                                                    r"int64; TFLite-Micro's GATHER takes int32"):
        kt.lower_op(_model(base, indices=np.array([3, 0], np.int64)))
    with pytest.raises(ModelFileError, match="index 4 is outside axis 1"):
        kt.lower_op(_model(base, indices=np.array([4, 0], np.int32)))
    with pytest.raises(ModelFileError, match="index -1 is outside"):
        kt.lower_op(_model(base, indices=np.array([-1, 0], np.int32)))
    with pytest.raises(ModelFileError, match="axis 3 is out of range"):
        kt.lower_op(_model(base, options=GatherOptions(axis=3)))
    with pytest.raises(ModelFileError, match="batch_dims 2 does not fit"):
        kt.lower_op(_model(base, options=GatherOptions(axis=1, batch_dims=2)))
    with pytest.raises(ModelFileError, match="gathering"):
        kt.lower_op(_model(base, out_shape=(1, 3, 2)))

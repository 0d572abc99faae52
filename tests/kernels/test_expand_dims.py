"""EXPAND_DIMS: mcuforge.compile.ops.expand_dims and firmware/kernels/expand_dims.c (over
mf_copy_s8 of firmware/kernels/copy.c).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params and the one-line errors in pure Python.
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
class ExpandCase:
    id: str
    shape: tuple[int, ...]
    axis: int
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        axis = self.axis % (len(self.shape) + 1)
        return (*self.shape[:axis], 1, *self.shape[axis:])


EXPAND_CASES = [
    ExpandCase("front", (4, 5), 0),
    ExpandCase("middle", (1, 4, 5), 2),
    ExpandCase("last", (1, 4, 5), 3),
    ExpandCase("negative_last", (1, 4, 5), -1),
    ExpandCase("negative_first", (1, 6), -3),
    ExpandCase("4d_to_5d", (1, 2, 3, 4), 1),
    ExpandCase("zero_point_minus128", (1, 7), 1, q=(0.02, -128)),
    ExpandCase("quantization_differs", (1, 7), 1, out_q=(0.3, 12)),
]


def _model(c: ExpandCase, axis=None, out_shape: tuple[int, ...] | None = None) -> bytes:
    axis = np.array([c.axis], np.int32) if axis is None else axis
    return mt.single_op("EXPAND_DIMS", c.shape, [axis], out_shape or c.out_shape, x_q=c.q,
                        out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", EXPAND_CASES, ids=lambda c: c.id)
def test_expand_dims(case: ExpandCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_expand_dims_params():
    call = kt.lower_op(_model(ExpandCase("x", (1, 4, 5), 2)))
    assert call.function == "mf_expand_dims_s8" and call.kernel == "expand_dims"
    assert call.params.copy.size == 20
    # a scalar axis tensor is what the converter writes
    call = kt.lower_op(_model(ExpandCase("x", (1, 4, 5), 0), axis=np.array(0, np.int32)))
    assert call.params.copy.size == 20


def test_lowering_expand_dims_rejects():
    base = ExpandCase("x", (1, 4, 5), 2)
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(EXPAND_DIMS\): axis tensor .* "
                                                    r"int64; TFLite-Micro reads it as int32"):
        kt.lower_op(_model(base, axis=np.array([2], np.int64)))
    with pytest.raises(ModelFileError, match="axis 4 is out of range"):
        kt.lower_op(_model(base, axis=np.array([4], np.int32), out_shape=(1, 4, 5, 1)))
    with pytest.raises(ModelFileError, match="has 2 values"):
        kt.lower_op(_model(base, axis=np.array([1, 2], np.int32)))
    with pytest.raises(ModelFileError, match="inserting a dimension"):
        kt.lower_op(_model(base, out_shape=(1, 1, 4, 5)))

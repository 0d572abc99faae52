"""SQUEEZE: mcuforge.compile.ops.squeeze and firmware/kernels/squeeze.c (over mf_copy_s8 of
firmware/kernels/copy.c).

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import kernel_testing as kt
import movement_testing as mt
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.options.movement import SqueezeOptions


@dataclass(frozen=True)
class SqueezeCase:
    id: str
    shape: tuple[int, ...]
    dims: tuple[int, ...]      # squeeze_dims; () squeezes every dimension of extent 1
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        rank = len(self.shape)
        drop = {d % rank for d in self.dims} if self.dims else {
            d for d, e in enumerate(self.shape) if e == 1}
        return tuple(e for d, e in enumerate(self.shape) if d not in drop)


SQUEEZE_CASES = [
    SqueezeCase("global_pool_output", (1, 1, 1, 16), (1, 2)),
    SqueezeCase("negative_dims", (1, 1, 1, 16), (-2, -3)),
    SqueezeCase("all_ones_but_batch", (1, 5, 1, 1, 3), ()),
    SqueezeCase("one_dim", (1, 4, 1, 6), (2,)),
    SqueezeCase("keeps_the_batch", (2, 1, 7), (1,)),
    SqueezeCase("nothing_to_squeeze", (2, 3, 4), ()),
    SqueezeCase("zero_point_127", (1, 1, 9), (1,), q=(0.02, 127)),
    SqueezeCase("quantization_differs", (1, 1, 9), (1,), out_q=(0.3, 12)),
]


def _model(c: SqueezeCase, out_shape: tuple[int, ...] | None = None) -> bytes:
    return mt.single_op("SQUEEZE", c.shape, [], out_shape or c.out_shape,
                        SqueezeOptions(squeeze_dims=c.dims), x_q=c.q, out_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", SQUEEZE_CASES, ids=lambda c: c.id)
def test_squeeze(case: SqueezeCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_squeeze_params():
    model = _model(SqueezeCase("x", (1, 1, 1, 16), (1, 2)))
    call = kt.lower_op(model)
    assert call.function == "mf_squeeze_s8" and call.kernel == "squeeze"
    assert call.params.copy.size == 16
    assert mt.read_back(model).operators[0].options == SqueezeOptions(squeeze_dims=(1, 2))
    assert mt.read_back(_model(SqueezeCase("x", (1, 1, 3), ()))).operators[0].options == \
        SqueezeOptions()


def test_lowering_squeeze_rejects():
    with pytest.raises(ModelFileError, match=r"op 0 \(SQUEEZE\): squeeze_dims \[2\]: 2 is not "
                                             r"a dimension of extent 1"):
        kt.lower_op(_model(SqueezeCase("x", (1, 1, 4), (2,)), out_shape=(1, 1)))
    with pytest.raises(ModelFileError, match="squeezing"):
        kt.lower_op(_model(SqueezeCase("x", (1, 1, 4), (1,)), out_shape=(4,)))
    with pytest.raises(UnsupportedModelError, match="at most 8"):
        kt.lower_op(_model(SqueezeCase("x", (1,) * 9 + (2,), ())))

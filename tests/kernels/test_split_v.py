"""SPLIT_V: mcuforge.compile.ops.split_v and firmware/kernels/split_v.c (over mf_split_va of
firmware/kernels/split.c).

mcuforge compiles models with one output, so each host model joins the parts again with
CONCATENATION in another order (or takes one part as the output). Host tests run the model
against TFLite-Micro (kernel_testing.run_case); the lowering tests check the typed params and
the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import movement_testing as mt
import tflite_builder as tb
from mcuforge.compile.limits import CONCATENATION_MAX_INPUTS
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import ConcatenationOptions
from mcuforge.tflite.options.movement import SplitVOptions


@dataclass(frozen=True)
class SplitVCase:
    id: str
    shape: tuple[int, ...]
    axis: int
    size_splits: tuple[int, ...]            # as written (one -1 allowed)
    order: tuple[int, ...] | None = None    # parts concatenated in this order; None: reversed
    sizes_dtype: str = "int32"
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None

    @property
    def extents(self) -> list[int]:
        known = sum(s for s in self.size_splits if s != -1)
        return [self.shape[self.axis] - known if s == -1 else s for s in self.size_splits]


SPLIT_V_CASES = [
    SplitVCase("channels_1_2_3", (1, 4, 5, 6), 3, (1, 2, 3)),
    SplitVCase("channels_minus_1", (1, 4, 5, 7), -1, (2, -1, 1)),
    SplitVCase("height_int64_sizes", (1, 7, 3, 2), 1, (4, 3), sizes_dtype="int64"),
    SplitVCase("width_uneven", (1, 3, 9, 2), 2, (1, 5, 1, 2)),
    SplitVCase("batch", (3, 2, 4), 0, (2, 1)),
    SplitVCase("1d", (10,), 0, (3, 3, 4)),
    SplitVCase("one_part", (1, 3, 4), 2, (4,)),
    SplitVCase("large_part_only", (1, 4, 10), 2, (2, 7, 1), order=(1,)),
    SplitVCase("zero_point_minus128", (1, 4, 4, 5), 3, (3, 2), q=(0.02, -128)),
    SplitVCase("quantization_differs", (1, 4, 4, 5), 3, (1, 4), out_q=(0.3, -20)),
]


def _model(c: SplitVCase, options: SplitVOptions | None = None,
           extents: list[int] | None = None) -> bytes:
    axis = c.axis % len(c.shape)
    out_q = c.out_q or c.q
    extents = c.extents if extents is None else extents
    shapes = [tuple(e if d == axis else n for d, n in enumerate(c.shape)) for e in extents]
    b = tb.ModelBuilder()
    x = b.add_input(c.shape, *c.q)
    sizes = b.add_const(np.array(c.size_splits, dtype=c.sizes_dtype), name="size_splits")
    ax = b.add_const(np.array([c.axis], dtype=np.int32), name="axis")
    parts = [b.add_tensor(s, scale=out_q[0], zero_point=out_q[1], name=f"part{k}")
             for k, s in enumerate(shapes)]
    b.add_operator("SPLIT_V", (x, sizes, ax), parts,
                   mt.raw(options or SplitVOptions(num_splits=len(parts))))
    order = c.order if c.order is not None else tuple(reversed(range(len(parts))))
    assert len(order) <= CONCATENATION_MAX_INPUTS
    if len(order) == 1:
        b.outputs.append(parts[order[0]])
    else:
        out_shape = list(c.shape)
        out_shape[axis] = sum(extents[k] for k in order)
        y = b.add_output(out_shape, *out_q)
        b.add_operator("CONCATENATION", [parts[k] for k in order], (y,),
                       ConcatenationOptions(axis=axis))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", SPLIT_V_CASES, ids=lambda c: c.id)
def test_split_v(case: SplitVCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_split_v_params():
    model = _model(SplitVCase("x", (1, 4, 5, 7), 3, (2, -1, 1)))
    call = kt.lower_op(model)
    assert call.function == "mf_split_v_s8" and call.kernel == "split_v"
    p = call.params.split
    assert p.num_outputs == 3 and p.outer == 20 and p.output_sizes.values.tolist() == [2, 4, 1]
    assert call.constants == (p.output_sizes,)
    p = kt.lower_op(_model(SplitVCase("x", (1, 7, 3, 2), 1, (4, 3)))).params.split
    assert p.outer == 1 and p.output_sizes.values.tolist() == [24, 18]
    assert mt.read_back(model).operators[0].options == SplitVOptions(num_splits=3)


def test_lowering_split_v_rejects():
    base = SplitVCase("x", (1, 4, 6), 2, (1, 2, 3))
    with pytest.raises(ModelFileError, match=r"op 0 \(SPLIT_V\): num_splits is 2"):
        kt.lower_op(_model(base, options=SplitVOptions(num_splits=2)))
    with pytest.raises(ModelFileError, match=r"size_splits \[1, 2, 3\] does not match the "
                                             r"outputs' extents \[2, 1, 3\]"):
        kt.lower_op(_model(base, extents=[2, 1, 3]))
    with pytest.raises(ModelFileError, match="add up to 5 along axis 2"):
        kt.lower_op(_model(base, extents=[1, 2, 2]))
    with pytest.raises(ModelFileError, match="does not match"):
        kt.lower_op(_model(SplitVCase("x", (1, 4, 6), 2, (-1, -1, 3)), extents=[1, 2, 3]))
    with pytest.raises(UnsupportedModelError, match="size_splits tensor .* float32"):
        kt.lower_op(_model(SplitVCase("x", (1, 4, 6), 2, (1, 2, 3), sizes_dtype="float32")))

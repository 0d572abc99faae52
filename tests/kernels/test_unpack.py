"""UNPACK: mcuforge.compile.ops.unpack and firmware/kernels/unpack.c (over mf_split_va of
firmware/kernels/split.c).

mcuforge compiles models with one output, so each host model packs the parts again (PACK, in
another order: reversed by default) or takes one part as the output. Host tests run the model
against TFLite-Micro (kernel_testing.run_case); the lowering tests check the typed params and
the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import kernel_testing as kt
import movement_testing as mt
import tflite_builder as tb
from mcuforge.errors import ModelFileError
from mcuforge.tflite.options.movement import PackOptions, UnpackOptions


@dataclass(frozen=True)
class UnpackCase:
    id: str
    shape: tuple[int, ...]
    axis: int
    order: tuple[int, ...] | None = None   # parts packed in this order; None: reversed
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None


UNPACK_CASES = [
    UnpackCase("rows", (1, 4, 5, 3), 1),
    UnpackCase("channels", (1, 3, 4, 5), 3),
    UnpackCase("channels_negative_axis", (1, 3, 4, 5), -1),
    UnpackCase("batch_3", (3, 4, 2), 0),
    UnpackCase("time_steps_49", (1, 49, 10), 1),
    UnpackCase("2d_columns", (1, 6), 1),
    UnpackCase("one_part", (1, 1, 8), 1),
    UnpackCase("one_row_only", (1, 5, 6), 1, order=(3,)),
    UnpackCase("zero_point_127", (1, 3, 4), 2, q=(0.02, 127)),
    UnpackCase("quantization_differs", (1, 3, 4), 1, out_q=(0.3, -20)),
]


def _model(c: UnpackCase, options: UnpackOptions | None = None,
           part_shape: tuple[int, ...] | None = None) -> bytes:
    axis = c.axis % len(c.shape)
    out_q = c.out_q or c.q
    n = c.shape[axis]
    if part_shape is None:
        part_shape = tuple(e for d, e in enumerate(c.shape) if d != axis)
    b = tb.ModelBuilder()
    x = b.add_input(c.shape, *c.q)
    parts = [b.add_tensor(part_shape, scale=out_q[0], zero_point=out_q[1], name=f"part{k}")
             for k in range(n)]
    b.add_operator("UNPACK", (x,), parts, mt.raw(options or UnpackOptions(num=n, axis=c.axis)))
    order = c.order if c.order is not None else tuple(reversed(range(n)))
    if len(order) == 1:
        b.outputs.append(parts[order[0]])
    else:
        y = b.add_output((*part_shape[:axis], len(order), *part_shape[axis:]), *out_q)
        b.add_operator("PACK", [parts[k] for k in order], (y,),
                       mt.raw(PackOptions(values_count=len(order), axis=axis)))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", UNPACK_CASES, ids=lambda c: c.id)
def test_unpack(case: UnpackCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_unpack_params():
    model = _model(UnpackCase("x", (1, 4, 5, 3), 1))
    call = kt.lower_op(model)
    assert call.function == "mf_unpack_s8" and call.kernel == "unpack"
    p = call.params.split
    assert p.num_outputs == 4 and p.outer == 1 and p.output_sizes.values.tolist() == [15] * 4
    assert len(call.outputs) == 4
    p = kt.lower_op(_model(UnpackCase("x", (1, 3, 4, 5), -1))).params.split
    assert p.num_outputs == 5 and p.outer == 12 and p.output_sizes.values.tolist() == [1] * 5
    assert mt.read_back(model).operators[0].options == UnpackOptions(num=4, axis=1)


def test_lowering_unpack_rejects():
    base = UnpackCase("x", (1, 4, 3), 1)
    with pytest.raises(ModelFileError, match=r"op 0 \(UNPACK\): num is 3 and the op has 4 "
                                             r"outputs"):
        kt.lower_op(_model(base, options=UnpackOptions(num=3, axis=1)))
    with pytest.raises(ModelFileError, match="axis 3 is out of range"):
        kt.lower_op(_model(base, options=UnpackOptions(num=4, axis=3)))
    with pytest.raises(ModelFileError, match="unpacking"):
        kt.lower_op(_model(base, part_shape=(1, 4)))

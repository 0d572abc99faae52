"""PACK: mcuforge.compile.ops.pack and firmware/kernels/pack.c.

mcuforge compiles models with one input, so the other operands are computed from the model
input (kernel_testing.derived: FULLY_CONNECTED, then RESHAPE). Host tests run each case's model
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
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.options.movement import PackOptions


@dataclass(frozen=True)
class PackCase:
    id: str
    shape: tuple[int, ...]
    operands: str               # one letter per input: "x" the model input, "d" a computed one
    axis: int
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None


PACK_CASES = [
    PackCase("new_batch_axis", (1, 4, 5), "xd", 0),
    PackCase("new_middle_axis", (1, 4, 5), "dxd", 2),
    PackCase("new_last_axis", (1, 3, 4), "xdx", 3),
    PackCase("negative_axis", (1, 3, 4), "dx", -1),
    PackCase("same_tensor_twice", (1, 6), "xx", 1),
    PackCase("one_input", (1, 2, 3), "x", 1),
    PackCase("twelve_inputs", (1, 5), "xdxddxdxxddx", 1),
    PackCase("1d_inputs", (8,), "xd", 1),
    PackCase("zero_point_minus128", (1, 4, 3), "xd", 1, q=(0.02, -128)),
    # TFLite-Micro copies values whatever their quantization (LiteRT refuses the model)
    PackCase("quantization_differs", (1, 4, 3), "xx", 1, out_q=(0.3, -20)),
]


def _model(c: PackCase, options: PackOptions | None = None,
           out_shape: tuple[int, ...] | None = None) -> bytes:
    rng = kt.case_rng(c.id)
    n = len(c.operands)
    axis = c.axis % (len(c.shape) + 1)
    b = tb.ModelBuilder()
    x = b.add_input(c.shape, *c.q)
    inputs = [x if kind == "x" else kt.derived(b, x, c.shape, c.q[0], c.shape, c.q, rng,
                                               f"operand{k}")
              for k, kind in enumerate(c.operands)]
    y = b.add_output(out_shape or (*c.shape[:axis], n, *c.shape[axis:]), *(c.out_q or c.q))
    b.add_operator("PACK", inputs, (y,), mt.raw(options or PackOptions(values_count=n,
                                                                       axis=c.axis)))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", PACK_CASES, ids=lambda c: c.id)
def test_pack(case: PackCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_pack_params():
    model = _model(PackCase("x", (1, 4, 5), "dxd", 2))
    call = kt.lower_op(model, -1)
    assert call.function == "mf_pack_s8" and call.kernel == "pack"
    p = call.params
    assert (p.num_inputs, p.outer, p.inner) == (3, 4, 5) and len(call.inputs) == 3
    p = kt.lower_op(_model(PackCase("x", (1, 3, 4), "xx", -1)), -1).params
    assert (p.num_inputs, p.outer, p.inner) == (2, 12, 1)
    assert mt.read_back(model).operators[-1].options == PackOptions(values_count=3, axis=2)


def test_lowering_pack_rejects():
    base = PackCase("x", (1, 4), "xx", 1)
    with pytest.raises(ModelFileError, match=r"op 0 \(PACK\): values_count is 3, but the op "
                                             r"has 2 inputs"):
        kt.lower_op(_model(base, options=PackOptions(values_count=3, axis=1)))
    with pytest.raises(ModelFileError, match="axis 3 is out of range"):
        kt.lower_op(_model(base, options=PackOptions(values_count=2, axis=3)))
    with pytest.raises(ModelFileError, match="packing 2 inputs"):
        kt.lower_op(_model(base, out_shape=(2, 1, 4)))
    with pytest.raises(UnsupportedModelError, match="126 inputs; at most 125"):
        kt.lower_op(_model(PackCase("x", (1, 2), "x" * 126, 0)))
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    other = kt.derived(b, x, (1, 4), 0.1, (1, 2, 2), (0.1, 0), kt.case_rng("x"), "other")
    y = b.add_output((2, 1, 4), 0.1, 0)
    b.add_operator("PACK", (x, other), (y,), mt.raw(PackOptions(values_count=2, axis=0)))
    with pytest.raises(ModelFileError, match="PACK needs one shape"):
        kt.lower_op(b.build(), -1)

"""SPLIT: mcuforge.compile.ops.split and firmware/kernels/split.c.

mcuforge compiles models with one output, so each host model joins the parts again: a
CONCATENATION of the parts in another order (reversed by default), in groups of at most 10 (the
CONCATENATION limit) joined by one more, or a single part as the model output (the others
unused). Host tests run the model against TFLite-Micro (kernel_testing.run_case); the lowering
tests check the typed params and the one-line errors in pure Python.
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
from mcuforge.tflite.options.movement import SplitOptions


@dataclass(frozen=True)
class SplitCase:
    id: str
    shape: tuple[int, ...]
    axis: int
    parts: int
    order: tuple[int, ...] | None = None   # parts joined in this order; None: reversed
    q: tuple[float, int] = (0.05, -3)
    out_q: tuple[float, int] | None = None  # of every part (and of the joined output)


SPLIT_CASES = [
    SplitCase("channels_2", (1, 4, 5, 6), 3, 2),
    SplitCase("channels_3_negative_axis", (1, 4, 5, 6), -1, 3),
    SplitCase("height_2", (1, 6, 5, 3), 1, 2),
    SplitCase("width_4", (1, 3, 8, 2), 2, 4),
    SplitCase("batch_2", (2, 3, 4), 0, 2),
    SplitCase("1d", (12,), 0, 3),
    SplitCase("one_part", (1, 3, 4, 2), 3, 1),
    SplitCase("each_channel", (1, 2, 3, 7), 3, 7, order=(3, 1, 5, 0, 6, 2, 4)),
    SplitCase("twelve_parts", (1, 12, 2), 1, 12),
    SplitCase("first_part_only", (1, 4, 4, 6), 3, 3, order=(0,)),
    SplitCase("middle_part_only", (1, 6, 4, 2), 1, 3, order=(1,)),
    SplitCase("some_parts_twice", (1, 4, 6), 2, 3, order=(2, 2, 0)),
    SplitCase("zero_point_minus128", (1, 4, 4, 4), 3, 2, q=(0.02, -128)),
    SplitCase("zero_point_127", (1, 4, 4, 4), 1, 2, q=(0.02, 127)),
    # TFLite-Micro copies values without looking at the quantization; so does mcuforge
    SplitCase("quantization_differs", (1, 4, 4, 4), 3, 4, out_q=(0.4, 17)),
]


def join(b: tb.ModelBuilder, parts: list[int], shapes: list[tuple[int, ...]], axis: int,
         q: tuple[float, int]) -> None:
    """The model output: ``parts`` (tensors of ``shapes``) concatenated along ``axis``, through
    CONCATENATIONs of at most CONCATENATION_MAX_INPUTS inputs; a single part is the output."""
    rank = len(shapes[0])
    axis %= rank

    def joined_shape(group: list[tuple[int, ...]]) -> tuple[int, ...]:
        s = list(group[0])
        s[axis] = sum(g[axis] for g in group)
        return tuple(s)

    if len(parts) == 1:
        b.outputs.append(parts[0])
        return
    step = CONCATENATION_MAX_INPUTS
    groups = [(parts[k:k + step], shapes[k:k + step]) for k in range(0, len(parts), step)]
    if len(groups) > 1:
        partial, partial_shapes = [], []
        for k, (g, s) in enumerate(groups):
            t = b.add_tensor(joined_shape(s), scale=q[0], zero_point=q[1], name=f"joined{k}")
            b.add_operator("CONCATENATION", g, (t,), ConcatenationOptions(axis=axis))
            partial.append(t)
            partial_shapes.append(joined_shape(s))
        parts, shapes = partial, partial_shapes
    y = b.add_output(joined_shape(shapes), *q)
    b.add_operator("CONCATENATION", parts, (y,), ConcatenationOptions(axis=axis))


def _model(c: SplitCase, options: SplitOptions | None = None, axis_dtype: str = "int32",
           part_shape: tuple[int, ...] | None = None) -> bytes:
    rank = len(c.shape)
    axis = c.axis % rank
    out_q = c.out_q or c.q
    if part_shape is None:
        part_shape = tuple(e // c.parts if d == axis else e for d, e in enumerate(c.shape))
    b = tb.ModelBuilder()
    x = b.add_input(c.shape, *c.q)
    ax = b.add_const(np.array([c.axis], dtype=axis_dtype), name="axis")
    parts = [b.add_tensor(part_shape, scale=out_q[0], zero_point=out_q[1], name=f"part{k}")
             for k in range(c.parts)]
    b.add_operator("SPLIT", (ax, x), parts, mt.raw(options or SplitOptions(num_splits=c.parts)))
    order = c.order if c.order is not None else tuple(reversed(range(c.parts)))
    join(b, [parts[k] for k in order], [part_shape] * len(order), axis, out_q)
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", SPLIT_CASES, ids=lambda c: c.id)
def test_split(case: SplitCase, tmp_path: Path, host_cc: str):
    kt.run_case(_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_split_params():
    model = _model(SplitCase("x", (1, 4, 5, 6), 3, 3))
    call = kt.lower_op(model)
    assert call.function == "mf_split_s8" and call.kernel == "split"
    p = call.params
    assert p.num_outputs == 3 and p.outer == 20 and p.output_sizes.values.tolist() == [2, 2, 2]
    assert p.output_sizes.name == "op0_output_sizes" and call.constants == (p.output_sizes,)
    assert len(call.inputs) == 1 and len(call.outputs) == 3
    p = kt.lower_op(_model(SplitCase("x", (1, 6, 5, 3), 1, 2))).params
    assert p.outer == 1 and p.output_sizes.values.tolist() == [45, 45]
    assert mt.read_back(model).operators[0].options == SplitOptions(num_splits=3)


def test_split_outputs_get_their_own_arena_slots():
    """Every output of the one call is live while it runs: the planner keeps them apart, an
    unused output included."""
    from mcuforge.compile import compile_graph

    program = compile_graph(kt.read_graph(_model(SplitCase("x", (1, 4, 4, 6), 3, 3,
                                                           order=(0,)))))
    split = program.calls[0]
    slots = [program.slot(t) for t in (*split.inputs, *split.outputs)]
    for i, a in enumerate(slots):
        for other in slots[i + 1:]:
            assert a.end <= other.offset or other.end <= a.offset, (a, other)


def test_lowering_split_rejects():
    base = SplitCase("x", (1, 4, 6), 2, 3)
    with pytest.raises(ModelFileError, match=r"op 0 \(SPLIT\): num_splits is 2, but the op "
                                             r"has 3 outputs"):
        kt.lower_op(_model(base, options=SplitOptions(num_splits=2)))
    with pytest.raises(ModelFileError, match="does not split into 4 equal parts"):
        kt.lower_op(_model(SplitCase("x", (1, 4, 6), 2, 4), part_shape=(1, 4, 1)))
    with pytest.raises(ModelFileError, match="axis 3 is out of range"):
        kt.lower_op(_model(SplitCase("x", (1, 4, 6), 3, 2), part_shape=(1, 4, 3)))
    with pytest.raises(UnsupportedModelError, match="axis tensor .* int64"):
        kt.lower_op(_model(base, axis_dtype="int64"))
    with pytest.raises(ModelFileError, match="splitting"):
        kt.lower_op(_model(base, part_shape=(1, 2, 6)))

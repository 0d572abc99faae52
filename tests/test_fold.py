"""Tests of mcuforge.compile.fold: static subgraphs evaluated at generation time.

- each op's evaluator (compile/fold_ops.py) on small hand-built models, its values against a
  hand-written expectation and against both reference interpreters running the same op (TFLite-
  Micro where it has the op for the type, LiteRT's reference kernels always);
- the pass on hand-built graphs: the Keras Flatten chain, identity reshapes (inside the graph, as
  the model output, as the only op), unused ops, constant int8 data reshaped, what must not fold
  (quantized arithmetic, a model output), one-line errors for inconsistent files;
- Keras models with a dynamic batch (Flatten, Reshape, GlobalAveragePooling, random small CNNs),
  converted to full int8: each compiles only with the fold (counted without it), has no shape ops
  left, and its generated C is bit-exact with TFLite-Micro on the host.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

import tflite_builder as tb
from conftest import require_module
from mcuforge.compile import compile_graph
from mcuforge.compile import fold as fold_module
from mcuforge.compile.fold import fold_static
from mcuforge.errors import McuforgeError, ModelFileError, UnsupportedModelError
from mcuforge.reference import ReferenceRunError, litert_outputs, tflm_outputs, vector_shape
from mcuforge.tflite.graph import (
    ConcatenationOptions,
    FullyConnectedOptions,
    Graph,
    ReshapeOptions,
    SoftmaxOptions,
)
from mcuforge.tflite.reader import read_model_bytes
from model_zoo import random_cnn

SHAPE_OPS = {"SHAPE", "STRIDED_SLICE", "PACK"}

# BuiltinOptions union tags and field counts of the options written with RawOptions below
# (schema.fbs): ShapeOptions 55, StridedSliceOptions 32, PackOptions 59, UnpackOptions 64,
# GatherOptions 23, SqueezeOptions 30, ReducerOptions 27, ConcatenationOptions 10.


def _shape_options(out_type: int) -> tb.RawOptions:
    return tb.RawOptions(55, 1, ((0, "int8", out_type),))


def _strided_slice_options(begin_mask=0, end_mask=0, shrink_axis_mask=0, ellipsis_mask=0,
                           new_axis_mask=0) -> tb.RawOptions:
    return tb.RawOptions(32, 6, ((0, "int32", begin_mask), (1, "int32", end_mask),
                                 (2, "int32", ellipsis_mask), (3, "int32", new_axis_mask),
                                 (4, "int32", shrink_axis_mask)))


def _pack_options(count: int, axis: int) -> tb.RawOptions:
    return tb.RawOptions(59, 2, ((0, "int32", count), (1, "int32", axis)))


def _i32(*values) -> np.ndarray:
    return np.array(values, dtype=np.int32)


def _is_topological(g: Graph) -> bool:
    ready = set(g.inputs) | {t.index for t in g.tensors if t.is_constant}
    for op in g.operators:
        if any(i >= 0 and i not in ready for i in op.inputs):
            return False
        ready.update(op.outputs)
    return set(g.outputs) <= ready


def _fold(model: bytes, name: str = "m.tflite") -> Graph:
    g = fold_static(read_model_bytes(model, name))
    assert _is_topological(g)
    return g


# ---------------------------------------------------------------------------------------------
# each evaluator against the reference interpreters


def _op_model(opcode: str, inputs, expected: np.ndarray, options=None,
              input_shape=(1, 1)) -> bytes:
    """``opcode`` on constant ``inputs`` ("x" for the model's int8 input, read by SHAPE), its
    first output reshaped into the model's output, so that the interpreters show the value the
    fold gives the op's output (and the fold, which keeps the op writing a model output, folds
    the op itself)."""
    b = tb.ModelBuilder()
    x = b.add_input(input_shape, 0.5, 0)
    ins = [x if isinstance(v, str) else b.add_const(np.asarray(v)) for v in inputs]
    expected = np.asarray(expected)
    t = b.add_tensor(expected.shape, str(expected.dtype), name="value")
    outs = [t]
    if opcode == "UNPACK":      # the other slices, unused
        outs += [b.add_tensor(expected.shape, str(expected.dtype))
                 for _ in range(np.asarray(inputs[0]).shape[0] - 1)]
    shape = expected.shape or (1,)
    y = b.add_output(shape, None, None, dtype=str(expected.dtype))
    b.add_operator(opcode, ins, outs, options)
    b.add_operator("RESHAPE", (t, b.add_const(_i32(*shape), name="shape")), (y,),
                   ReshapeOptions(new_shape=shape))
    return b.build()


def _unpack_options(num: int, axis: int) -> tb.RawOptions:
    return tb.RawOptions(64, 2, ((0, "int32", num), (1, "int32", axis)))


def _gather_options(axis: int) -> tb.RawOptions:
    return tb.RawOptions(23, 2, ((0, "int32", axis),))


SHAPE_1664 = _i32(1, 6, 6, 4)

EVALUATOR_CASES = [
    # (id, opcode, inputs, options, expected, model input shape)
    ("shape", "SHAPE", ["x"], _shape_options(2), _i32(1, 3, 4, 2), (1, 3, 4, 2)),
    ("shape int64", "SHAPE", ["x"], _shape_options(4), np.array([1, 5], np.int64), (1, 5)),
    ("strided_slice shrink", "STRIDED_SLICE", [SHAPE_1664, _i32(0), _i32(1), _i32(1)],
     _strided_slice_options(shrink_axis_mask=1), np.array(1, np.int32), (1, 1)),
    ("strided_slice end_mask", "STRIDED_SLICE", [SHAPE_1664, _i32(1), _i32(0), _i32(1)],
     _strided_slice_options(end_mask=1), _i32(6, 6, 4), (1, 1)),
    ("strided_slice negative", "STRIDED_SLICE", [SHAPE_1664, _i32(-2), _i32(0), _i32(-1)],
     _strided_slice_options(), _i32(6, 6), (1, 1)),
    ("strided_slice reverse", "STRIDED_SLICE", [SHAPE_1664, _i32(0), _i32(0), _i32(-1)],
     _strided_slice_options(begin_mask=1, end_mask=1), _i32(4, 6, 6, 1), (1, 1)),
    ("strided_slice 2d", "STRIDED_SLICE",
     [np.arange(12, dtype=np.int32).reshape(3, 4), _i32(0, 1), _i32(3, 4), _i32(2, 2)],
     _strided_slice_options(), _i32(1, 3, 9, 11).reshape(2, 2), (1, 1)),
    ("strided_slice shrink negative", "STRIDED_SLICE",
     [np.arange(12, dtype=np.int32).reshape(3, 4), _i32(-1, 0), _i32(0, 4), _i32(1, 1)],
     _strided_slice_options(shrink_axis_mask=1, end_mask=2), _i32(8, 9, 10, 11), (1, 1)),
    ("slice", "SLICE", [np.arange(12, dtype=np.int32).reshape(3, 4), _i32(1, 1), _i32(-1, 2)],
     None, _i32(5, 6, 9, 10).reshape(2, 2), (1, 1)),
    ("pack scalars", "PACK", [np.array(-1, np.int32), np.array(144, np.int32)],
     _pack_options(2, 0), _i32(-1, 144), (1, 1)),
    ("pack axis -1", "PACK", [_i32(1, 2), _i32(3, 4)], _pack_options(2, -1),
     _i32(1, 3, 2, 4).reshape(2, 2), (1, 1)),
    ("unpack", "UNPACK", [_i32(1, 2, 3, 4, 5, 6).reshape(3, 2)], _unpack_options(3, 0),
     _i32(1, 2), (1, 1)),
    ("concatenation", "CONCATENATION", [_i32(1), _i32(6, 6, 4)], ConcatenationOptions(axis=0),
     _i32(1, 6, 6, 4), (1, 1)),
    ("concatenation axis -1", "CONCATENATION", [_i32(1, 2).reshape(2, 1), _i32(3, 4).reshape(2, 1)],
     ConcatenationOptions(axis=-1), _i32(1, 3, 2, 4).reshape(2, 2), (1, 1)),
    ("gather", "GATHER", [SHAPE_1664, _i32(1, 2)], _gather_options(0), _i32(6, 6), (1, 1)),
    ("gather axis 1", "GATHER", [np.arange(6, dtype=np.int32).reshape(2, 3), _i32(2, 0)],
     _gather_options(1), _i32(2, 0, 5, 3).reshape(2, 2), (1, 1)),
    ("cast int32 int64", "CAST", [_i32(3, -4)], None, np.array([3, -4], np.int64), (1, 1)),
    ("add broadcast", "ADD", [_i32(1, 2, 3), _i32(10)], None, _i32(11, 12, 13), (1, 1)),
    ("sub", "SUB", [_i32(5, 6), _i32(7, 1)], None, _i32(-2, 5), (1, 1)),
    ("mul", "MUL", [_i32(6, 6, 4), _i32(2)], None, _i32(12, 12, 8), (1, 1)),
    ("mul wraps", "MUL", [_i32(2**30), _i32(4)], None, _i32(0), (1, 1)),
    ("mul int64", "MUL", [np.array([6, 4], np.int64), np.array([3], np.int64)], None,
     np.array([18, 12], np.int64), (1, 1)),
    ("div truncates", "DIV", [_i32(-7, 7, 9), _i32(2, 2, -4)], None, _i32(-3, 3, -2), (1, 1)),
    ("floor_div", "FLOOR_DIV", [_i32(-7, 7, 9), _i32(2, 2, -4)], None, _i32(-4, 3, -3), (1, 1)),
    ("reduce_prod", "REDUCE_PROD", [_i32(6, 6, 4), _i32(0)], tb.RawOptions(27, 1, ()),
     np.array(144, np.int32), (1, 1)),
    ("reduce_prod keep_dims", "REDUCE_PROD", [_i32(1, 2, 3, 4).reshape(2, 2), _i32(-1)],
     tb.RawOptions(27, 1, ((0, "bool", True),)), _i32(2, 12).reshape(2, 1), (1, 1)),
    ("squeeze", "SQUEEZE", [_i32(7, 8).reshape(1, 2, 1)],
     tb.RawOptions(30, 1, ((0, "int32_vector", [0]),)), _i32(7, 8).reshape(2, 1), (1, 1)),
    ("expand_dims", "EXPAND_DIMS", [_i32(7, 8), _i32(-1)], None, _i32(7, 8).reshape(2, 1),
     (1, 1)),
    ("reshape", "RESHAPE", [np.arange(6, dtype=np.int32).reshape(2, 3), _i32(3, 2)],
     ReshapeOptions(new_shape=(3, 2)), np.arange(6, dtype=np.int32).reshape(3, 2), (1, 1)),
    ("fill", "FILL", [_i32(2, 3), np.array(7, np.int32)], None,
     np.full((2, 3), 7, np.int32), (1, 1)),
    ("range", "RANGE", [np.array(10, np.int32), np.array(0, np.int32), np.array(-3, np.int32)],
     None, _i32(10, 7, 4, 1), (1, 1)),
    ("transpose", "TRANSPOSE", [np.arange(6, dtype=np.int32).reshape(2, 3), _i32(1, 0)], None,
     np.arange(6, dtype=np.int32).reshape(2, 3).T, (1, 1)),
]


def _folded_value(model: bytes) -> np.ndarray:
    g = _fold(model)
    assert [op.opcode for op in g.operators] == ["RESHAPE"]
    value = g.tensor(g.operators[0].inputs[0])
    assert value.is_constant and not value.data.flags.writeable
    return value.data


def _reference(run, model: bytes, input_shape) -> np.ndarray | None:
    try:
        return run(model, np.zeros((1, *input_shape[1:]), np.int8))
    except ReferenceRunError:
        return None   # e.g. TFLite-Micro has no REDUCE_PROD, no int32 FLOOR_DIV


@pytest.mark.parametrize("opcode, inputs, options, expected, input_shape",
                         [c[1:] for c in EVALUATOR_CASES], ids=[c[0] for c in EVALUATOR_CASES])
def test_evaluator_matches_references(opcode, inputs, options, expected, input_shape):
    require_module("ai_edge_litert")
    model = _op_model(opcode, inputs, expected, options, input_shape)
    value = _folded_value(model)
    assert value.dtype == expected.dtype and value.shape == expected.shape
    assert np.array_equal(value, expected)
    litert = _reference(litert_outputs, model, input_shape)
    assert litert is not None, "LiteRT rejected the model"
    assert np.array_equal(litert.reshape(-1), expected.reshape(-1))
    tflm = _reference(tflm_outputs, model, input_shape)
    if tflm is not None:
        assert np.array_equal(tflm.reshape(-1), expected.reshape(-1))


def test_tflite_micro_runs_the_flatten_ops():
    """The comparison above is not vacuous for what Keras emits: TFLite-Micro runs the int32
    SHAPE, STRIDED_SLICE, PACK and friends (not int32 GATHER, FLOOR_DIV, EXPAND_DIMS or
    TRANSPOSE, nor int64 results, nor REDUCE_PROD and RANGE at all: those are checked against
    LiteRT only)."""
    ran = set()
    for _, opcode, inputs, options, expected, shape in EVALUATOR_CASES:
        if _reference(tflm_outputs, _op_model(opcode, inputs, expected, options, shape),
                      shape) is not None:
            ran.add(opcode)
    assert {"SHAPE", "STRIDED_SLICE", "SLICE", "PACK", "UNPACK", "CONCATENATION", "ADD", "SUB",
            "MUL", "DIV", "SQUEEZE", "RESHAPE", "FILL"} <= ran, sorted(ran)


# ---------------------------------------------------------------------------------------------
# the pass on hand-built graphs

Q = (0.05, -3)


def _flatten_chain(b: tb.ModelBuilder, x: int, shape: tuple[int, ...], q=Q) -> int:
    """The Keras 3 Flatten of a dynamic batch: SHAPE -> STRIDED_SLICE (batch) -> PACK with -1
    ... here with the flattened size, as the converter writes it -> RESHAPE."""
    s = b.add_tensor((len(shape),), "int32", name="flatten/Shape")
    b.add_operator("SHAPE", (x,), (s,), _shape_options(2))
    n = b.add_tensor((), "int32", name="flatten/strided_slice")
    b.add_operator("STRIDED_SLICE", (s, b.add_const(_i32(0)), b.add_const(_i32(1)),
                                     b.add_const(_i32(1))), (n,),
                   _strided_slice_options(shrink_axis_mask=1))
    size = int(np.prod(shape[1:]))
    target = b.add_tensor((2,), "int32", name="flatten/Reshape/shape")
    b.add_operator("PACK", (n, b.add_const(np.array(size, np.int32))), (target,),
                   _pack_options(2, 0))
    y = b.add_tensor((shape[0], size), scale=q[0], zero_point=q[1], name="flatten/Reshape")
    b.add_operator("RESHAPE", (x, target), (y,))
    return y


def _fc_model_with_flatten() -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input((1, 2, 3, 2), *Q)
    flat = _flatten_chain(b, x, (1, 2, 3, 2))
    w = b.add_const(np.arange(-18, 18, dtype=np.int8).reshape(3, 12), scale=0.02, zero_point=0)
    bias = b.add_const(_i32(10, -20, 30), scale=0.05 * 0.02, zero_point=0)
    y = b.add_output((1, 3), 0.1, 2)
    b.add_operator("FULLY_CONNECTED", (flat, w, bias), (y,), FullyConnectedOptions())
    return b.build()


def test_keras_flatten_chain_folds():
    model = _fc_model_with_flatten()
    before = read_model_bytes(model, "flat.tflite")
    with pytest.raises(UnsupportedModelError, match="unsupported op.* SHAPE"):
        _compile_unfolded(before)
    g = _fold(model, "flat.tflite")
    assert [op.opcode for op in g.operators] == ["RESHAPE", "FULLY_CONNECTED"]
    shape = g.tensor(g.operators[0].inputs[1])
    assert shape.is_constant and shape.data.tolist() == [1, 12]
    assert len(g.tensors) == len(before.tensors)                 # indices stay stable
    assert [op.index for op in g.operators] == [3, 4]            # file indices kept
    program = compile_graph(before)
    assert [c.opcode for c in program.calls] == ["RESHAPE", "FULLY_CONNECTED"]


def _compile_unfolded(graph: Graph):
    from unittest import mock

    with mock.patch.object(fold_module, "fold_static", lambda g: g):
        return compile_graph(graph)


def _softmax_after_fc(identity: str = "RESHAPE", as_output: bool = False,
                      batches: int = 1, squeeze_dims: tuple[int, ...] = ()) -> bytes:
    """FC [batches, 4] -> [batches, 3], then ``identity`` (RESHAPE, SQUEEZE or EXPAND_DIMS)
    declared to keep the shape, then SOFTMAX; with ``as_output`` the identity op writes the
    model output."""
    b = tb.ModelBuilder()
    x = b.add_input((batches, 4), *Q)
    w = b.add_const(np.arange(-6, 6, dtype=np.int8).reshape(3, 4), scale=0.02, zero_point=0)
    fc = b.add_tensor((batches, 3), scale=0.1, zero_point=2, name="fc")
    b.add_operator("FULLY_CONNECTED", (x, w, -1), (fc,), FullyConnectedOptions())
    if as_output:
        same = b.add_output((batches, 3), 0.1, 2)
    else:
        same = b.add_tensor((batches, 3), scale=0.1, zero_point=2, name="same")
    if identity == "RESHAPE":
        b.add_operator("RESHAPE", (fc, b.add_const(_i32(batches, 3))), (same,))
    elif identity == "SQUEEZE":
        b.add_operator("SQUEEZE", (fc,), (same,),
                       tb.RawOptions(30, 1, ((0, "int32_vector", list(squeeze_dims)),)))
    else:
        b.add_operator("EXPAND_DIMS", (fc, b.add_const(np.array(0, np.int32))), (same,))
    if not as_output:
        y = b.add_output((batches, 3), 1 / 256, -128)
        b.add_operator("SOFTMAX", (same,), (y,), SoftmaxOptions(beta=1.0))
    return b.build()


@pytest.mark.parametrize("identity, batches", [("RESHAPE", 1), ("SQUEEZE", 2)])
def test_identity_reshape_removed(identity, batches):
    g = _fold(_softmax_after_fc(identity, batches=batches))
    assert [op.opcode for op in g.operators] == ["FULLY_CONNECTED", "SOFTMAX"]
    fc, softmax = g.operators
    assert softmax.inputs == fc.outputs


@pytest.mark.parametrize("identity, batches, squeeze_dims", [
    ("SQUEEZE", 1, ()),          # squeezes dimension 0: the declared shape is wrong
    ("SQUEEZE", 2, (0,)),        # squeeze_dims on a dimension that is not 1
    ("EXPAND_DIMS", 1, ()),      # a valid EXPAND_DIMS adds a dimension
], ids=["squeeze_a_1", "squeeze_dims", "expand_dims"])
def test_inconsistent_identity_is_kept(identity, batches, squeeze_dims):
    """TFLite-Micro's prepare step rejects these; the fold leaves them to be rejected too."""
    model = _softmax_after_fc(identity, batches=batches, squeeze_dims=squeeze_dims)
    assert [op.opcode for op in _fold(model).operators] == [
        "FULLY_CONNECTED", identity, "SOFTMAX"]
    assert _reference(tflm_outputs, model, (batches, 4)) is None


def test_identity_reshape_writing_the_model_output():
    g = _fold(_softmax_after_fc("RESHAPE", as_output=True))
    (fc,) = g.operators
    assert fc.opcode == "FULLY_CONNECTED" and fc.outputs == g.outputs
    assert g.tensor(g.outputs[0]).name == "output"


def test_identity_reshape_alone_is_kept():
    model = tb.reshape_model((1, 3, 4), (1, 3, 4), Q)
    assert [op.opcode for op in _fold(model).operators] == ["RESHAPE"]
    compile_graph(read_model_bytes(model, "r.tflite"))


def test_reshape_changing_quantization_is_kept():
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), *Q)
    t = b.add_tensor((1, 4), scale=0.5, zero_point=0)
    b.add_operator("RESHAPE", (x, b.add_const(_i32(1, 4))), (t,))
    y = b.add_output((1, 4), 1 / 256, -128)
    b.add_operator("SOFTMAX", (t,), (y,), SoftmaxOptions(beta=1.0))
    assert [op.opcode for op in _fold(b.build()).operators] == ["RESHAPE", "SOFTMAX"]


def test_unused_ops_removed():
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), *Q)
    unused = b.add_tensor((1, 4), scale=1 / 256, zero_point=-128, name="unused")
    b.add_operator("SOFTMAX", (x,), (unused,), SoftmaxOptions(beta=1.0))
    s = b.add_tensor((2,), "int32")
    b.add_operator("SHAPE", (unused,), (s,), _shape_options(2))   # reads the unused branch
    y = b.add_output((1, 4), 1 / 256, -128)
    b.add_operator("SOFTMAX", (x,), (y,), SoftmaxOptions(beta=1.0))
    g = _fold(b.build())
    assert [(op.index, op.opcode) for op in g.operators] == [(2, "SOFTMAX")]


def _flat_weights_model() -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), *Q)
    flat = b.add_const(np.arange(-6, 6, dtype=np.int8), scale=0.02, zero_point=0, name="flat")
    w = b.add_tensor((3, 4), scale=0.02, zero_point=0, name="weights")
    b.add_operator("RESHAPE", (flat, b.add_const(_i32(3, 4))), (w,))
    y = b.add_output((1, 3), 0.1, 2)
    b.add_operator("FULLY_CONNECTED", (x, w, -1), (y,), FullyConnectedOptions())
    return b.build()


def test_constant_int8_reshaped_weights_fold():
    """A constant int8 tensor that only feeds a RESHAPE becomes a constant (a byte copy): here
    FULLY_CONNECTED weights stored flat."""
    g = _fold(_flat_weights_model())
    assert [op.opcode for op in g.operators] == ["FULLY_CONNECTED"]
    weights = g.tensor(g.operators[0].inputs[1])
    assert weights.data.dtype == np.int8 and weights.data.shape == (3, 4)
    assert weights.data.reshape(-1).tolist() == list(range(-6, 6))


def test_quantized_arithmetic_is_not_folded():
    b = tb.ModelBuilder()
    x = b.add_input((1, 2), *Q)
    c1 = b.add_const(np.array([[10, 20]], np.int8), scale=0.1, zero_point=0)
    c2 = b.add_const(np.array([[1, 2]], np.int8), scale=0.3, zero_point=1)
    s = b.add_tensor((1, 2), scale=0.2, zero_point=0, name="sum")
    b.add_operator("ADD", (c1, c2), (s,))
    y = b.add_output((1, 2), 0.2, 0)
    b.add_operator("ADD", (x, s), (y,))
    g = _fold(b.build())
    assert [op.opcode for op in g.operators] == ["ADD", "ADD"]
    assert not g.tensor(s).is_constant


def test_model_output_is_not_folded():
    b = tb.ModelBuilder()
    x = b.add_input((1, 3), *Q)
    y = b.add_output((2,), None, None, dtype="int32")
    b.add_operator("SHAPE", (x,), (y,), _shape_options(2))
    g = _fold(b.build())
    assert [op.opcode for op in g.operators] == ["SHAPE"] and not g.tensor(y).is_constant


def test_strided_slice_ignores_ellipsis_like_tflite_micro():
    """TFLite-Micro ignores ellipsis_mask and new_axis_mask; a file relying on them declares a
    shape that TFLM's result does not have: both reject it."""
    value = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    model = _op_model("STRIDED_SLICE", [value, _i32(0, 0, 1), _i32(0, 3, 2), _i32(1, 1, 1)],
                      value[..., 0:3, 1:2], _strided_slice_options(ellipsis_mask=1))
    with pytest.raises(ModelFileError, match=r"op 0 \(STRIDED_SLICE\): computes shape "
                                             r"\[0, 3, 1\], but output tensor 'value' has "
                                             r"shape \[2, 3, 1\]"):
        _fold(model)
    assert _reference(tflm_outputs, model, (1, 1)) is None


BAD_CASES = [
    # (id, opcode, inputs, options, declared output, message)
    ("gather out of range", "GATHER", [SHAPE_1664, _i32(4)], _gather_options(0), _i32(0),
     r"op 0 \(GATHER\): gathers index 4 of dimension 0 \(size 4\)"),
    ("floor_div by zero", "FLOOR_DIV", [_i32(4), _i32(0)], None, _i32(0),
     r"op 0 \(FLOOR_DIV\): divides by zero"),
    ("declared shape", "CONCATENATION", [_i32(1), _i32(6, 6, 4)], ConcatenationOptions(axis=0),
     _i32(1, 2, 3), r"computes shape \[4\], but output tensor 'value' has shape \[3\]"),
    ("strided slice shape", "STRIDED_SLICE", [SHAPE_1664, _i32(0), _i32(1), _i32(1)],
     _strided_slice_options(), np.array(1, np.int32),
     r"computes shape \[1\], but output tensor 'value' has shape \[\]"),
    ("strided slice index", "STRIDED_SLICE", [SHAPE_1664, _i32(7), _i32(8), _i32(1)],
     _strided_slice_options(shrink_axis_mask=1), np.array(1, np.int32),
     r"takes index 7 of dimension 0 \(size 4\)"),
    ("unpack count", "UNPACK", [np.arange(6, dtype=np.int32).reshape(2, 3)],
     _unpack_options(3, 1), _i32(0, 0), "unpacks dimension 1 of size 3 into 2 outputs"),
    ("expand_dims shape", "EXPAND_DIMS", [_i32(7, 8), _i32(0)], None, _i32(7, 8).reshape(2, 1),
     r"computes shape \[1, 2\], but output tensor 'value' has shape \[2, 1\]"),
]


@pytest.mark.parametrize("opcode, inputs, options, declared, message",
                         [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_inconsistent_static_values_are_one_line_errors(opcode, inputs, options, declared,
                                                        message):
    model = _op_model(opcode, inputs, declared, options)
    with pytest.raises(ModelFileError, match=message) as err:
        fold_static(read_model_bytes(model, "bad.tflite"))
    assert str(err.value).startswith("bad.tflite: op 0 (")
    assert "\n" not in str(err.value)


def test_fold_of_a_graph_without_static_parts_changes_nothing():
    model = tb.softmax_model((1, 5), Q)
    g = read_model_bytes(model, "s.tflite")
    folded = fold_static(g)
    assert folded.operators == g.operators and folded.tensors == g.tensors


# ---------------------------------------------------------------------------------------------
# Keras models with a dynamic batch, converted to full int8


def _keras_models():
    import keras
    from keras import layers

    def conv_flatten(batch=None):
        i = keras.Input((8, 8, 2), batch_size=batch)
        x = layers.Conv2D(4, 3, activation="relu")(i)
        return keras.Model(i, layers.Dense(3)(layers.Flatten()(x)))

    def reshape_layers():
        i = keras.Input((8, 8, 2))
        x = layers.Conv2D(4, 3, strides=2, padding="same")(i)
        x = layers.Reshape((-1, 4))(x)
        x = layers.Reshape((2, -1))(x)
        return keras.Model(i, layers.Dense(3)(layers.Flatten()(x)))

    def gap_keepdims():
        i = keras.Input((8, 8, 3))
        x = layers.DepthwiseConv2D(3, padding="same", activation="relu6")(i)
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        return keras.Model(i, layers.Dense(4, activation="softmax")(layers.Flatten()(x)))

    def gap():
        i = keras.Input((8, 8, 3))
        x = layers.Conv2D(4, 3, activation="relu")(i)
        return keras.Model(i, layers.Dense(2)(layers.GlobalAveragePooling2D()(x)))

    def pool_reshape_seq():
        i = keras.Input((10, 10, 1))
        x = layers.MaxPooling2D(2)(layers.Conv2D(3, 3, padding="same")(i))
        x = layers.Reshape((25, 3))(x)
        return keras.Model(i, layers.Dense(5)(layers.Flatten()(x)))

    def residual_flatten():
        i = keras.Input((6, 6, 4))
        y = layers.Conv2D(4, 3, padding="same")(i)
        x = layers.Add()([i, y])
        x = layers.ZeroPadding2D(1)(x)
        return keras.Model(i, layers.Dense(3)(layers.Flatten()(x)))

    return {"conv_flatten": conv_flatten(), "conv_flatten_batch1": conv_flatten(batch=1),
            "reshape_layers": reshape_layers(), "gap_keepdims_flatten": gap_keepdims(),
            "gap": gap(), "pool_reshape_seq": pool_reshape_seq(),
            "residual_flatten": residual_flatten()}


RANDOM_CNNS = 12


@pytest.fixture(scope="module")
def keras_int8(tmp_path_factory) -> dict[str, Path]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = require_module("tensorflow")
    from mcuforge.quantize.convert import convert_int8

    folder = tmp_path_factory.mktemp("keras_fold")
    tf.random.set_seed(0)
    models = _keras_models()
    models.update({f"random_cnn_{s:02d}": random_cnn(s) for s in range(RANDOM_CNNS)})
    paths = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, model in models.items():
            shape = tuple(model.inputs[0].shape[1:])
            rep = np.random.default_rng(len(paths)).standard_normal((8, *shape)).astype(np.float32)
            paths[name] = folder / f"{name}.tflite"
            paths[name].write_bytes(convert_int8(tf, model, rep))
    return paths


def _compiles(graph: Graph, fold: bool) -> bool:
    try:
        compile_graph(graph) if fold else _compile_unfolded(graph)
        return True
    except McuforgeError:
        return False


@pytest.mark.slow
@pytest.mark.train
def test_keras_models_compile_only_with_the_fold(keras_int8, capsys):
    before = after = 0
    for name, path in keras_int8.items():
        graph = read_model_bytes(path.read_bytes(), path.name)
        had_shape_ops = bool(SHAPE_OPS & {op.opcode for op in graph.operators})
        unfolded = _compiles(graph, fold=False)
        assert unfolded != had_shape_ops, name   # exactly the models with shape ops failed
        before += unfolded
        folded = fold_static(graph)
        assert not SHAPE_OPS & {op.opcode for op in folded.operators}, name
        assert _is_topological(folded), name
        assert _compiles(graph, fold=True), name
        after += 1
    with capsys.disabled():
        print(f"\nKeras int8 models compiling: {before}/{len(keras_int8)} without the fold, "
              f"{after}/{len(keras_int8)} with it")
    assert before < after == len(keras_int8)
    assert before <= len(keras_int8) - 5   # the dynamic-batch Flatten/Reshape models


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.host
def test_keras_models_bit_exact_on_host(keras_int8, tmp_path, host_cc):
    from mcuforge.codegen import render_program
    from mcuforge.emulate import check_on_host

    for name, path in keras_int8.items():
        data = path.read_bytes()
        graph = read_model_bytes(data, path.name)
        out = render_program(compile_graph(graph), tmp_path / name, data)
        shape = graph.tensor(graph.inputs[0]).shape
        rng = np.random.default_rng(7)
        inputs = rng.integers(-128, 128, size=(6, *shape[1:]), dtype=np.int8)
        check = check_on_host(out, inputs, work_dir=tmp_path / f"{name}_build", with_litert=False)
        assert check.vs_tflm.exact == len(inputs), (name, check.vs_tflm)


@pytest.mark.host
def test_folded_graphs_bit_exact_on_host(tmp_path, host_cc):
    """The hand-built graphs the pass rewrites most: the Flatten chain, an identity reshape in
    the middle and as the model output, flat int8 weights reshaped."""
    from mcuforge.codegen import render_program
    from mcuforge.emulate import check_on_host

    models = {"flatten": _fc_model_with_flatten(),
              "identity": _softmax_after_fc("RESHAPE"),
              "identity_squeeze": _softmax_after_fc("SQUEEZE", batches=2),
              "identity_output": _softmax_after_fc("RESHAPE", as_output=True),
              "flat_weights": _flat_weights_model()}
    for name, data in models.items():
        graph = read_model_bytes(data, f"{name}.tflite")
        out = render_program(compile_graph(graph), tmp_path / name, data)
        shape = vector_shape(graph.tensor(graph.inputs[0]).shape)
        inputs = np.random.default_rng(3).integers(-128, 128, size=(8, *shape), dtype=np.int8)
        check = check_on_host(out, inputs, work_dir=tmp_path / f"{name}_build", with_litert=False)
        assert check.vs_tflm.exact == len(inputs), (name, check.vs_tflm)


# ---------------------------------------------------------------------------------------------
# dynamic-batch placeholders (compile.fold_shapes)


def _dilated_model(batch_signature: bool = True, block: int = 2) -> bytes:
    """[1, 8, 2] -> SPACE_TO_BATCH_ND (block [block]) -> BATCH_TO_SPACE_ND -> [1, 8, 2], as a
    Keras dilated Conv1D without its convolution; ``batch_signature``: every activation has
    shape_signature [-1, ...] and the file's shapes the placeholder batch 1, as the converter
    writes them for a dynamic batch."""
    b = tb.ModelBuilder()

    def sig(shape):
        return (-1, *shape[1:]) if batch_signature else None

    x = b.add_tensor((1, 8, 2), scale=Q[0], zero_point=Q[1], name="x", signature=sig((1, 8, 2)))
    b.inputs.append(x)
    inner = (1, 8 // block, 2)
    s = b.add_tensor(inner, scale=Q[0], zero_point=Q[1], name="s2b", signature=sig(inner))
    y = b.add_tensor((1, 8, 2), scale=Q[0], zero_point=Q[1], name="y", signature=sig((1, 8, 2)))
    b.outputs.append(y)
    block_t = b.add_const(_i32(block))
    pads = b.add_const(np.zeros((1, 2), np.int32))
    b.add_operator("SPACE_TO_BATCH_ND", (x, block_t, pads), (s,))
    b.add_operator("BATCH_TO_SPACE_ND", (s, b.add_const(_i32(block)),
                                         b.add_const(np.zeros((1, 2), np.int32))), (y,))
    return b.build()


def test_placeholder_batch_an_op_changes_is_a_one_line_error():
    with pytest.raises(UnsupportedModelError) as info:
        _fold(_dilated_model())
    message = str(info.value)
    assert message.startswith("m.tflite: op 0 (SPACE_TO_BATCH_ND): output tensor 's2b' has a "
                              "dynamic batch (shape_signature [-1, 4, 2]) with the placeholder "
                              "shape [1, 4, 2], but the op makes it [2, 4, 2]")
    assert "convert the model with a fixed batch size" in message and "\n" not in message
    # block 1 keeps the placeholder right; without a signature the shapes are the file's
    assert len(_fold(_dilated_model(block=1)).operators) == 2
    with pytest.raises(ModelFileError, match="SPACE_TO_BATCH_ND.*has shape .* gives"):
        compile_graph(_fold(_dilated_model(batch_signature=False)))


def test_tflite_micro_runs_the_placeholder_shape():
    """Why that is an error: TFLite-Micro keeps the file's [1, 4, 2] for SPACE_TO_BATCH_ND's
    output (its prepare writes no real shape), so it moves half of the input, and
    BATCH_TO_SPACE_ND writes half of its output: the other half is whatever the arena held."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(
        _dilated_model(), intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    interp.set_input(np.arange(1, 17, dtype=np.int8).reshape(1, 8, 2), 0)
    interp.invoke()
    assert list(interp.GetTensor(1, 0)["shape"]) == [1, 4, 2]     # 's2b': the placeholder
    out = np.asarray(interp.get_output(0)).reshape(8, 2)
    assert np.array_equal(out[0::2], np.arange(1, 17).reshape(8, 2)[0::2])   # the moved half

"""Tests of mcuforge.tflite: reading and validating .tflite flatbuffers into the typed graph.

- the MLPerf Tiny reference models (when ../shared/models exists), tensor by tensor against LiteRT;
- models made here with TensorFlow (float and full int8), when TensorFlow is installed;
- small models built here byte by byte (flatbuffers.Builder), valid and deliberately inconsistent;
- malformed input: empty, random, text, truncated and corrupted files must raise McuforgeError
  subclasses naming the file, never IndexError / struct.error / ValueError.
"""

from __future__ import annotations

import copy
import os
import random
import struct
import warnings
from pathlib import Path

import flatbuffers
import numpy as np
import pytest

from conftest import require_module
from mcuforge.errors import McuforgeError, ModelFileError, UnsupportedModelError
from mcuforge.tflite import (
    Activation,
    Conv2DOptions,
    DType,
    FullyConnectedOptions,
    Graph,
    Padding,
    Pool2DOptions,
    read_model,
    read_model_bytes,
)

SHARED_MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"
KWS = SHARED_MODELS / "kws_ref_model.tflite"
RESNET = SHARED_MODELS / "pretrainedResnet_quant.tflite"

needs_shared = pytest.mark.skipif(not KWS.exists() or not RESNET.exists(),
                                  reason="reference models in ../shared/models not present")


# ---------------------------------------------------------------------------------------------
# comparison with LiteRT


def _litert_interpreter(path: Path):
    require_module("ai_edge_litert")
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(
        model_path=str(path),
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    return interp


def assert_matches_litert(graph: Graph, path: Path) -> None:
    """Every tensor (name, dtype, shape, quantization, constant data) and every operator of the
    graph equals what LiteRT's interpreter reports for the same file."""
    interp = _litert_interpreter(path)
    n = len(graph.tensors)
    # LiteRT may append its own scratch tensors after the model's; compare the model's
    details = {d["index"]: d for d in interp.get_tensor_details() if d["index"] < n}
    assert sorted(details) == list(range(n))
    for t in graph.tensors:
        d = details[t.index]
        where = f"tensor {t.index} {t.name}"
        assert t.name == d["name"], where
        assert t.dtype.numpy == np.dtype(d["dtype"]), where
        assert t.shape == tuple(int(x) for x in d["shape"]), where
        qp = d["quantization_parameters"]
        if t.quant is None:
            assert len(qp["scales"]) == 0, where
        else:
            assert np.array_equal(np.array(t.quant.scale, np.float32), qp["scales"]), where
            assert list(t.quant.zero_point) == [int(z) for z in qp["zero_points"]], where
            assert t.quant.axis == qp["quantized_dimension"], where
            if not t.quant.per_channel:
                assert d["quantization"] == (pytest.approx(t.quant.scale[0]), t.quant.zero_point[0])
        if t.is_constant:
            ref = interp.get_tensor(t.index)
            assert t.data.dtype == ref.dtype and t.data.shape == ref.shape, where
            assert np.array_equal(t.data, ref), where
            assert not t.data.flags.writeable, where
    # constants are exactly the tensors no operator produces and that are not graph inputs
    produced = {o for op in graph.operators for o in op.outputs} | set(graph.inputs)
    assert {t.index for t in graph.tensors if t.is_constant} == set(range(n)) - produced

    if hasattr(interp, "_get_ops_details"):
        ops = interp._get_ops_details()
        assert [op.opcode for op in graph.operators] == [o["op_name"] for o in ops]
        for op, ref in zip(graph.operators, ops, strict=True):
            assert op.inputs == tuple(int(i) for i in ref["inputs"]), op
            assert op.outputs == tuple(int(i) for i in ref["outputs"]), op
    assert graph.inputs == tuple(d["index"] for d in interp.get_input_details())
    assert graph.outputs == tuple(d["index"] for d in interp.get_output_details())


# ---------------------------------------------------------------------------------------------
# the MLPerf Tiny reference models


@needs_shared
def test_kws_reference_model():
    g = read_model(KWS)
    assert g.name == "kws_ref_model"
    assert len(g.sha256) == 64
    assert g.description == "MLIR Converted."
    assert [op.opcode for op in g.operators] == (
        ["CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 4
        + ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"])
    inp, out = g.tensor(g.inputs[0]), g.tensor(g.outputs[0])
    assert (inp.dtype, inp.shape) == (DType.INT8, (1, 49, 10, 1))
    assert (out.dtype, out.shape) == (DType.INT8, (1, 12))
    assert out.quant.scale == (0.00390625,) and out.quant.zero_point == (-128,)

    conv = g.operators[0]
    assert conv.options == Conv2DOptions(padding=Padding.SAME, stride_w=2, stride_h=2,
                                         activation=Activation.RELU)
    weights = g.tensor(conv.inputs[1])
    assert weights.dtype is DType.INT8 and weights.shape == (64, 10, 4, 1)
    assert weights.quant.per_channel and weights.quant.axis == 0
    assert len(weights.quant.scale) == 64
    dw = g.tensor(g.operators[1].inputs[1])
    assert dw.shape == (1, 3, 3, 64) and dw.quant.axis == 3
    bias = g.tensor(conv.inputs[2])
    assert bias.dtype is DType.INT32 and bias.shape == (64,)
    assert g.operators[9].options == Pool2DOptions(padding=Padding.VALID, stride_w=5, stride_h=25,
                                                   filter_w=5, filter_h=25)
    assert g.operators[11].options == FullyConnectedOptions()
    assert g.operators[12].options.beta == 1.0


@needs_shared
def test_resnet_reference_model():
    g = read_model(str(RESNET))
    assert g.name == "pretrainedResnet_quant"
    assert [op.opcode for op in g.operators].count("ADD") == 3
    assert g.tensor(g.inputs[0]).shape == (1, 32, 32, 3)
    assert g.tensor(g.outputs[0]).shape == (1, 10)
    assert all(op.options is not None for op in g.operators)


@needs_shared
@pytest.mark.parametrize("path", [KWS, RESNET], ids=["kws", "resnet"])
def test_reference_models_match_litert(path):
    assert_matches_litert(read_model(path), path)


@needs_shared
def test_read_model_bytes_matches_read_model():
    data = KWS.read_bytes()
    a = read_model(KWS)
    b = read_model_bytes(bytearray(data), "kws_ref_model.tflite")
    assert a.sha256 == b.sha256
    assert a.operators == b.operators
    assert [t.shape for t in a.tensors] == [t.shape for t in b.tensors]


# ---------------------------------------------------------------------------------------------
# models made with TensorFlow


@pytest.fixture(scope="module")
def tf_models(tmp_path_factory):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = require_module("tensorflow")  # pytest.importorskip, but a failure under CI=true
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # converter chatter about statistics of int8 inputs
        return _make_tf_models(tf, tmp_path_factory.mktemp("tf_models"))


def _make_tf_models(tf, folder: Path) -> dict[str, Path]:
    tf.random.set_seed(0)
    layers = tf.keras.layers
    inp = tf.keras.Input((8, 8, 2), batch_size=1)
    x = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inp)
    y = layers.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    z = layers.Add()([x, y])
    c = layers.Concatenate()([z, x])
    m = layers.MaxPooling2D(2)(c)
    a = layers.AveragePooling2D(2)(c)
    g = layers.GlobalAveragePooling2D()(c)
    f = layers.Flatten()(layers.Concatenate()([m, a]))
    out = layers.Softmax()(layers.Dense(5)(layers.Concatenate()([f, g])))
    model = tf.keras.Model(inp, out)

    paths = {}
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    paths["float"] = folder / "tiny_float.tflite"
    paths["float"].write_bytes(converter.convert())

    rng = np.random.default_rng(0)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: (
        [rng.standard_normal((1, 8, 8, 2), dtype=np.float32)] for _ in range(8))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    paths["int8"] = folder / "tiny_int8.tflite"
    paths["int8"].write_bytes(converter.convert())

    @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32)])
    def loop(v):
        def cond(i, v):
            return tf.reduce_sum(v) < 100.0

        def body(i, v):
            return i + 1, v * 2.0 + 1.0
        return tf.while_loop(cond, body, [tf.constant(0), v])[1]

    converter = tf.lite.TFLiteConverter.from_concrete_functions([loop.get_concrete_function()],
                                                               loop)
    paths["while"] = folder / "while_loop.tflite"
    paths["while"].write_bytes(converter.convert())
    return paths


EXPECTED_TF_OPS = ["CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "CONCATENATION", "AVERAGE_POOL_2D",
                   "MEAN", "MAX_POOL_2D", "CONCATENATION", "RESHAPE", "CONCATENATION",
                   "FULLY_CONNECTED", "SOFTMAX"]


def _check_tf_graph(g: Graph) -> None:
    assert sorted(op.opcode for op in g.operators) == sorted(EXPECTED_TF_OPS)
    by = {op.opcode: op.options for op in g.operators}
    assert by["CONV_2D"] == Conv2DOptions(padding=Padding.SAME, stride_w=2, stride_h=2,
                                          activation=Activation.RELU)
    dw = by["DEPTHWISE_CONV_2D"]
    assert (dw.padding, dw.stride_w, dw.activation) == (Padding.SAME, 1, Activation.RELU6)
    for pool in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        assert by[pool] == Pool2DOptions(padding=Padding.VALID, stride_w=2, stride_h=2,
                                         filter_w=2, filter_h=2)
    assert by["CONCATENATION"].axis in (-1, 3)
    assert by["MEAN"].keep_dims is False
    assert by["ADD"].activation is Activation.NONE
    assert by["SOFTMAX"].beta == 1.0


@pytest.mark.train
def test_tensorflow_float_model(tf_models):
    g = read_model(tf_models["float"])
    assert g.name == "tiny_float"
    _check_tf_graph(g)
    assert all(t.quant is None for t in g.tensors)
    assert g.tensor(g.inputs[0]).dtype is DType.FLOAT32
    assert_matches_litert(g, tf_models["float"])


@pytest.mark.train
def test_tensorflow_int8_model(tf_models):
    g = read_model(tf_models["int8"])
    _check_tf_graph(g)
    assert g.tensor(g.inputs[0]).dtype is DType.INT8
    assert g.tensor(g.outputs[0]).dtype is DType.INT8
    conv = next(op for op in g.operators if op.opcode == "CONV_2D")
    assert g.tensor(conv.inputs[1]).quant.per_channel
    assert_matches_litert(g, tf_models["int8"])


@pytest.mark.train
def test_tensorflow_control_flow_rejected(tf_models):
    with pytest.raises(UnsupportedModelError, match="multiple subgraphs not supported") as err:
        read_model(tf_models["while"])
    assert str(err.value).startswith(str(tf_models["while"]))


# ---------------------------------------------------------------------------------------------
# models built byte by byte, to reach each check
#
# Field ids follow the TFLite schema's declaration order (see pipeline/tflite/reader.py).


def _vec(b: flatbuffers.Builder, values, dtype) -> int:
    return b.CreateNumpyVector(np.asarray(values, dtype=dtype))


def _table_vec(b: flatbuffers.Builder, offsets: list[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()


_PREPEND = {"b": "PrependInt8Slot", "B": "PrependUint8Slot", "i": "PrependInt32Slot",
            "I": "PrependUint32Slot", "Q": "PrependUint64Slot", "f": "PrependFloat32Slot",
            "?": "PrependBoolSlot", "o": "PrependUOffsetTRelativeSlot"}


def _table(b: flatbuffers.Builder, fields: dict[int, tuple[str, object]]) -> int:
    """A table from {field id: (kind, value)}; kind is a struct code or "o" for an offset."""
    b.StartObject(max(fields) + 1 if fields else 0)
    for fid, (kind, value) in sorted(fields.items()):
        getattr(b, _PREPEND[kind])(fid, value, 0 if kind != "f" else 0.0)
    return b.EndObject()


def build_model(spec: dict) -> bytes:
    """Serialize a model described by a plain dict (see BASE_SPEC)."""
    b = flatbuffers.Builder(1024)
    b.ForceDefaults(True)  # write exactly the fields the spec lists

    buffers = []
    for buf in spec["buffers"]:
        fields = {}
        if isinstance(buf, dict):  # external data: {"offset": o, "size": n}
            fields[1] = ("Q", buf["offset"])
            fields[2] = ("Q", buf["size"])
        elif buf:
            fields[0] = ("o", _vec(b, np.frombuffer(buf, np.uint8), np.uint8))
        buffers.append(_table(b, fields))

    tensors = []
    for t in spec["tensors"]:
        fields = {1: ("b", t.get("type", 9)), 2: ("I", t.get("buffer", 0))}
        if "shape" in t:
            fields[0] = ("o", _vec(b, t["shape"], np.int32))
        if "name" in t:
            fields[3] = ("o", b.CreateString(t["name"]))
        q = t.get("quant")
        if q is not None:
            qf = {6: ("i", q.get("dim", 0))}
            if "scale" in q:
                qf[2] = ("o", _vec(b, q["scale"], np.float32))
            if "zero_point" in q:
                qf[3] = ("o", _vec(b, q["zero_point"], np.int64))
            if "details_type" in q:
                qf[4] = ("B", q["details_type"])
                qf[5] = ("o", _table(b, {}))
            fields[4] = ("o", _table(b, qf))
        if t.get("sparse"):
            fields[6] = ("o", _table(b, {0: ("o", _vec(b, [0, 1], np.int32))}))
        tensors.append(_table(b, fields))

    operators = []
    for op in spec["operators"]:
        fields = {0: ("I", op["opcode"]), 1: ("o", _vec(b, op["inputs"], np.int32)),
                  2: ("o", _vec(b, op["outputs"], np.int32))}
        if "options" in op:
            tag, opt_fields = op["options"]
            fields[3] = ("B", tag)
            fields[4] = ("o", _table(b, dict(opt_fields)))
        operators.append(_table(b, fields))

    subgraphs = []
    for _ in range(spec.get("subgraphs", 1)):
        subgraphs.append(_table(b, {
            0: ("o", _table_vec(b, tensors)),
            1: ("o", _vec(b, spec["inputs"], np.int32)),
            2: ("o", _vec(b, spec["outputs"], np.int32)),
            3: ("o", _table_vec(b, operators)),
        }))

    opcodes = []
    for oc in spec["opcodes"]:
        fields = {0: ("b", oc.get("deprecated", 0)), 2: ("i", 1), 3: ("i", oc.get("builtin", 0))}
        if "custom" in oc:
            fields[1] = ("o", b.CreateString(oc["custom"]))
        opcodes.append(_table(b, fields))

    metadata = [_table(b, {0: ("o", b.CreateString(k)), 1: ("I", v)})
                for k, v in spec.get("metadata", {}).items()]

    model = _table(b, {
        0: ("I", spec.get("version", 3)),
        1: ("o", _table_vec(b, opcodes)),
        2: ("o", _table_vec(b, subgraphs)),
        3: ("o", b.CreateString(spec.get("description", "test model"))),
        4: ("o", _table_vec(b, buffers)),
        6: ("o", _table_vec(b, metadata)),
    })
    b.Finish(model, file_identifier=spec.get("identifier", b"TFL3"))
    return bytes(b.Output())


WEIGHTS = np.arange(-6, 6, dtype=np.int8).reshape(3, 4)
BIAS = np.array([100, -200, 300], dtype=np.int32)

# FULLY_CONNECTED: int8 [1, 4] x [3, 4]^T + bias -> int8 [1, 3]
BASE_SPEC = {
    "opcodes": [{"deprecated": 9, "builtin": 9}],
    "buffers": [b"", WEIGHTS.tobytes(), BIAS.tobytes(), b"1.14.0\0\0\0\0"],
    "tensors": [
        {"name": "input", "shape": [1, 4], "quant": {"scale": [0.5], "zero_point": [-3]}},
        {"name": "weights", "shape": [3, 4], "buffer": 1,
         "quant": {"scale": [0.1, 0.2, 0.3], "zero_point": [0, 0, 0], "dim": 0}},
        {"name": "bias", "shape": [3], "type": 2, "buffer": 2,
         "quant": {"scale": [0.05, 0.1, 0.15], "zero_point": [0, 0, 0]}},
        {"name": "output", "shape": [1, 3], "quant": {"scale": [0.25], "zero_point": [5]}},
    ],
    "operators": [{"opcode": 0, "inputs": [0, 1, 2], "outputs": [3],
                   "options": (8, {0: ("b", 1), 2: ("?", True)})}],
    "inputs": [0],
    "outputs": [3],
    "metadata": {"min_runtime_version": 3},
}


def spec_with(**changes) -> dict:
    spec = copy.deepcopy(BASE_SPEC)
    spec.update(changes)
    return spec


def test_built_model_reads_back():
    g = read_model_bytes(build_model(BASE_SPEC), "built/fc.tflite")
    assert g.name == "fc"
    assert g.description == "test model"
    assert g.metadata == {"min_runtime_version": "1.14.0"}
    assert g.inputs == (0,) and g.outputs == (3,)
    (op,) = g.operators
    assert op.opcode == "FULLY_CONNECTED" and op.inputs == (0, 1, 2) and op.outputs == (3,)
    assert op.options == FullyConnectedOptions(activation=Activation.RELU, keep_num_dims=True)
    w, bias = g.tensor(1), g.tensor(2)
    assert w.dtype is DType.INT8 and np.array_equal(w.data, WEIGHTS)
    assert bias.dtype is DType.INT32 and np.array_equal(bias.data, BIAS)
    assert w.quant.scale == tuple(float(np.float32(s)) for s in (0.1, 0.2, 0.3))
    assert w.quant.per_channel and w.quant.axis == 0
    assert g.tensor(0).quant.zero_point == (-3,) and not g.tensor(0).is_constant


def test_built_model_matches_litert(tmp_path):
    path = tmp_path / "fc.tflite"
    path.write_bytes(build_model(BASE_SPEC))
    assert_matches_litert(read_model(path), path)


def _one_op(opcode: dict, options=None) -> dict:
    """The base model with its one operator replaced (same tensors) and ``opcode`` as its code."""
    op = {"opcode": 0, "inputs": [0], "outputs": [3]}
    if options is not None:
        op["options"] = options
    return spec_with(opcodes=[opcode], operators=[op])


@pytest.mark.parametrize("opcode, name", [
    ({"deprecated": 9}, "FULLY_CONNECTED"),              # old file: only the int8 code
    ({"deprecated": 9, "builtin": 9}, "FULLY_CONNECTED"),
    ({"deprecated": 127, "builtin": 150}, "GELU"),       # extended code beyond the int8 range
    ({"builtin": 207}, "COMPLEX"),
    ({"builtin": 300}, "BUILTIN_300"),                   # newer than this reader's table
    ({"deprecated": 32, "builtin": 32, "custom": "MyOp"}, "CUSTOM:MyOp"),
])
def test_operator_codes(opcode, name):
    g = read_model_bytes(build_model(_one_op(opcode)), "m.tflite")
    assert g.operators[0].opcode == name
    assert (g.operators[0].options is not None) == (name == "FULLY_CONNECTED")


def test_optional_input_and_external_buffer():
    # the weights live after the flatbuffer, addressed by Buffer.offset/size (> 2 GB models)
    spec = spec_with()
    spec["operators"][0]["inputs"] = [0, 1, -1]
    spec["buffers"][1] = {"offset": 0, "size": WEIGHTS.nbytes}
    size = len(build_model(spec))  # u64 fields are forced, so the size does not change
    offset = (size + 15) // 16 * 16
    spec["buffers"][1] = {"offset": offset, "size": WEIGHTS.nbytes}
    data = build_model(spec)
    assert len(data) == size
    data += b"\0" * (offset - size) + WEIGHTS.tobytes()
    g = read_model_bytes(data, "ext.tflite")
    assert g.operators[0].inputs == (0, 1, -1)
    assert np.array_equal(g.tensor(1).data, WEIGHTS)
    # the same with the external data cut off
    with pytest.raises(ModelFileError, match="buffer 1's external data"):
        read_model_bytes(data[:-1], "ext.tflite")


def _tensor_change(index, **changes):
    def mutate(spec):
        spec["tensors"][index].update(changes)
    return mutate


def _quant_change(index, **changes):
    def mutate(spec):
        spec["tensors"][index]["quant"].update(changes)
    return mutate


def _op_change(**changes):
    def mutate(spec):
        spec["operators"][0].update(changes)
    return mutate


def _set(key, value):
    def mutate(spec):
        spec[key] = value
    return mutate


CONV_OPTIONS = {0: ("b", 0), 1: ("i", 1), 2: ("i", 1), 3: ("b", 0)}

INVALID = [
    # (id, mutation, error class, message fragment)
    ("identifier", _set("identifier", b"XYZ3"), ModelFileError, "not a TFLite flatbuffer"),
    ("version", _set("version", 2), UnsupportedModelError, "schema version 2"),
    ("subgraphs", _set("subgraphs", 2), UnsupportedModelError,
     "control flow / multiple subgraphs not supported"),
    ("no subgraph", _set("subgraphs", 0), ModelFileError, "no subgraphs"),
    ("buffer size", _tensor_change(1, shape=[3, 5]), ModelFileError,
     r"tensor 1 'weights': buffer 1 holds 12 bytes, but shape \[3, 5\] of INT8 needs 15"),
    ("buffer index", _tensor_change(1, buffer=9), ModelFileError,
     "refers to buffer 9, but the model has 4 buffers"),
    ("negative dim", _tensor_change(0, shape=[1, -4]), ModelFileError, "negative dimension"),
    ("huge shape", _tensor_change(0, shape=[2**31 - 1] * 3), ModelFileError, "impossibly large"),
    ("unknown type", _tensor_change(0, type=99), ModelFileError, "unknown tensor type 99"),
    ("int4", _tensor_change(0, type=17), UnsupportedModelError, "type INT4"),
    ("sparse", _tensor_change(1, sparse=True), UnsupportedModelError, "sparse"),
    ("scale zero", _quant_change(0, scale=[0.0]), ModelFileError,
     r"tensor 0 'input': quantization scale\[0\] is 0.0, must be finite and > 0"),
    ("scale nan", _quant_change(1, scale=[0.1, float("nan"), 0.3]), ModelFileError,
     r"scale\[1\] is nan"),
    ("scale negative", _quant_change(3, scale=[-1.0]), ModelFileError, "must be finite and > 0"),
    ("scale inf", _quant_change(3, scale=[float("inf")]), ModelFileError, "scale"),
    ("zero point int8", _quant_change(0, zero_point=[200]), ModelFileError,
     r"zero_point\[0\] is 200, outside the INT8 range \[-128, 127\]"),
    ("zero point int32", _quant_change(2, zero_point=[0, 2**40, 0]), ModelFileError,
     "outside the INT32 range"),
    ("zero point used int8", _quant_change(1, zero_point=[200, 0]), ModelFileError,
     r"tensor 1 'weights': quantization zero_point\[0\] is 200"),
    ("custom quantization", _quant_change(0, details_type=1), UnsupportedModelError,
     "quantization details"),
    ("input index", _op_change(inputs=[0, 1, 4]), ModelFileError,
     "operator 0 \\(FULLY_CONNECTED\\): input 2 is tensor 4, but the subgraph has 4 tensors"),
    ("input index -2", _op_change(inputs=[-2, 1, 2]), ModelFileError, "input 0 is tensor -2"),
    ("output -1", _op_change(outputs=[-1]), ModelFileError, "output 0 is tensor -1"),
    ("opcode index", _op_change(opcode=1), ModelFileError,
     "operator 0 has opcode index 1, but the model has 1 operator codes"),
    ("graph input", _set("inputs", [7]), ModelFileError, "subgraph 0: input 0 is tensor 7"),
    ("graph output", _set("outputs", [0, -1]), ModelFileError, "output 1 is tensor -1"),
    ("options type", _op_change(options=(1, CONV_OPTIONS)), ModelFileError,
     "builtin options of union type 1, expected FullyConnectedOptions"),
    ("shuffled weights", _op_change(options=(8, {1: ("b", 1)})), UnsupportedModelError,
     "weights format 1"),
    ("activation", _op_change(options=(8, {0: ("b", 9)})), ModelFileError,
     "unknown fused activation value 9"),
    ("metadata buffer", _set("metadata", {"x": 17}), ModelFileError, "refers to buffer 17"),
    ("custom without name", _set("opcodes", [{"deprecated": 32, "builtin": 32}]), ModelFileError,
     "custom op without a custom_code"),
    ("negative builtin", _set("opcodes", [{"deprecated": 3, "builtin": -3}]), ModelFileError,
     "invalid builtin code -3"),
    ("placeholder", _set("opcodes", [{"deprecated": 127}]), ModelFileError,
     "PLACEHOLDER_FOR_GREATER_OP_CODES"),
]


QUANT_AS_TFLM = [
    # (id, tensor, changes to its quantization, expected (scale count, zero points, axis) or
    # None for no quantization). TFLite-Micro's allocator (micro_allocator.cc) copies the
    # quantization only when the tensor has both scales and zero points, repeats zero_point[0]
    # when the counts differ, and leaves quantized_dimension to the ops that use per-channel
    # scales (filters); each rule is checked against its interpreter in
    # tests/test_reader_conformance.py.
    ("one zero point for 3 scales", 1, {"zero_point": [4]}, (3, (4, 4, 4), 0)),
    ("2 zero points for 3 scales", 1, {"zero_point": [0, 9]}, (3, (0, 0, 0), 0)),
    ("scales without zero points", 1, {"zero_point": []}, None),
    ("zero points without scales", 0, {"scale": []}, None),
    ("bias quantized_dimension 3", 2, {"dim": 3}, (3, (0, 0, 0), 3)),
    ("per-channel along another axis", 1, {"dim": 1}, (3, (0, 0, 0), 1)),
    ("quantized_dimension out of range", 1, {"dim": 5}, (3, (0, 0, 0), 5)),
    ("per-tensor quantized_dimension", 0, {"dim": 7}, (1, (-3,), 0)),
]


@pytest.mark.parametrize("index, changes, expected", [c[1:] for c in QUANT_AS_TFLM],
                         ids=[c[0] for c in QUANT_AS_TFLM])
def test_quantization_read_as_tflite_micro(index, changes, expected):
    spec = spec_with()
    _quant_change(index, **changes)(spec)
    q = read_model_bytes(build_model(spec), "q.tflite").tensor(index).quant
    if expected is None:
        assert q is None
    else:
        assert (len(q.scale), q.zero_point, q.axis) == expected


SHAPE_OP_OPTIONS = [
    # (builtin code, options, expected options or error fragment): the fallback parsers of
    # tflite/options/shape_ops.py (ops of shape arithmetic no lowering parses)
    (77, (55, {0: ("b", 4)}), "ShapeOptions(out_type=<DType.INT64: 4>)"),      # SHAPE
    (77, None, "ShapeOptions(out_type=<DType.INT32: 2>)"),
    (77, (55, {0: ("b", 99)}), "out_type is tensor type 99"),
    (77, (32, {}), "builtin options of union type 32, expected ShapeOptions"),
    (53, (37, {0: ("b", 2), 1: ("b", 4)}),                                      # CAST
     "CastOptions(in_data_type=<DType.INT32: 2>, out_data_type=<DType.INT64: 4>)"),
    (53, None, "CastOptions(in_data_type=None, out_data_type=None)"),
    (42, (29, {0: ("b", 1)}), "DivOptions(activation=<Activation.RELU: 1>)"),  # DIV
    (81, (27, {0: ("?", True)}), "ReducerOptions(keep_dims=True)"),            # REDUCE_PROD
]


@pytest.mark.parametrize("code, options, expected", SHAPE_OP_OPTIONS)
def test_shape_op_options(code, options, expected):
    data = build_model(_one_op({"deprecated": code, "builtin": code}, options=options))
    if "(" not in expected:
        with pytest.raises(ModelFileError, match=expected) as err:
            read_model_bytes(data, "opts.tflite")
        assert str(err.value).startswith("opts.tflite: operator 0 (")
        return
    assert repr(read_model_bytes(data, "opts.tflite").operators[0].options) == expected


@pytest.mark.parametrize("mutate, error, fragment", [c[1:] for c in INVALID],
                         ids=[c[0] for c in INVALID])
def test_inconsistent_models_are_rejected(mutate, error, fragment):
    spec = spec_with()
    mutate(spec)
    with pytest.raises(error, match=fragment) as err:
        read_model_bytes(build_model(spec), "bad.tflite")
    assert str(err.value).startswith("bad.tflite: ")
    assert "\n" not in str(err.value)


CONV_CASES = [
    # (opcode, options, expected error fragment or None)
    (3, (1, CONV_OPTIONS), None),
    (3, None, "has no Conv2DOptions"),
    (3, (1, {**CONV_OPTIONS, 1: ("i", 0)}), "stride_w is 0, must be >= 1"),
    (3, (1, {**CONV_OPTIONS, 0: ("b", 2)}), "unknown padding value 2"),
    (3, (1, {**CONV_OPTIONS, 5: ("i", -1)}), "dilation_h is -1"),
    (4, (2, {0: ("b", 1), 1: ("i", 1), 2: ("i", 1), 3: ("i", 1), 4: ("b", 3)}), None),
    (4, (2, {0: ("b", 1), 1: ("i", 1), 2: ("i", 0)}), "stride_h is 0"),
    (17, (5, {0: ("b", 1), 1: ("i", 2), 2: ("i", 2), 3: ("i", 2), 4: ("i", 2)}), None),
    (1, (5, {0: ("b", 1), 1: ("i", 2), 2: ("i", 2), 3: ("i", 0), 4: ("i", 2)}),
     "filter_width is 0"),
    (1, None, "has no Pool2DOptions"),
    (25, None, None),                                    # SOFTMAX: schema defaults
    (25, (9, {0: ("f", float("nan"))}), "beta is nan"),
    (22, (17, {}), None),                                # RESHAPE without new_shape
    (40, (27, {0: ("?", True)}), None),                  # MEAN keep_dims
    (2, (10, {0: ("i", -1), 1: ("b", 3)}), None),       # CONCATENATION
    (0, (11, {0: ("b", 1)}), None),                      # ADD
]


@pytest.mark.parametrize("code, options, fragment", CONV_CASES)
def test_builtin_options(code, options, fragment):
    spec = _one_op({"deprecated": code, "builtin": code}, options=options)
    data = build_model(spec)
    if fragment is not None:
        with pytest.raises(McuforgeError, match=fragment) as err:
            read_model_bytes(data, "opts.tflite")
        assert str(err.value).startswith("opts.tflite: operator 0 (")
        return
    op = read_model_bytes(data, "opts.tflite").operators[0]
    if code == 3:
        assert op.options == Conv2DOptions(padding=Padding.SAME, stride_w=1, stride_h=1)
    elif code == 4:
        assert (op.options.padding, op.options.depth_multiplier, op.options.activation) == (
            Padding.VALID, 1, Activation.RELU6)
        assert (op.options.dilation_w, op.options.dilation_h) == (1, 1)  # schema defaults
    elif code == 17:
        assert op.options == Pool2DOptions(Padding.VALID, 2, 2, 2, 2)
    elif code == 25:
        assert op.options.beta == 0.0  # the schema default when no options table is written
    elif code == 22:
        assert op.options.new_shape == ()
    elif code == 40:
        assert op.options.keep_dims is True
    elif code == 2:
        assert (op.options.axis, op.options.activation) == (-1, Activation.RELU6)
    elif code == 0:
        assert op.options.activation is Activation.RELU


# ---------------------------------------------------------------------------------------------
# malformed files: never anything but McuforgeError, always naming the file


def _check_outcome(data: bytes, name: str):
    """Parse ``data``; return the Graph or the McuforgeError (any other exception fails)."""
    try:
        return read_model_bytes(data, name)
    except McuforgeError as err:
        message = str(err)
        assert message.startswith(name + ": "), message
        assert "\n" not in message
        return err


def test_empty_file(tmp_path):
    path = tmp_path / "empty.tflite"
    path.write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty") as err:
        read_model(path)
    assert str(err.value).startswith(str(path))


@pytest.mark.parametrize("size", [1, 4, 7])
def test_tiny_file(size):
    with pytest.raises(ModelFileError, match="too small"):
        read_model_bytes(b"\x10" * size, "tiny.tflite")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelFileError, match="cannot read") as err:
        read_model(tmp_path / "nope.tflite")
    assert "nope.tflite" in str(err.value)
    with pytest.raises(ModelFileError, match="cannot read"):
        read_model(tmp_path)
    with pytest.raises(ModelFileError, match="cannot read"):
        read_model("bad\0name.tflite")


def test_text_file(tmp_path):
    path = tmp_path / "notes.tflite"
    path.write_text("This is not a model, just some text that happens to be long enough.\n")
    with pytest.raises(ModelFileError, match="not a TFLite flatbuffer") as err:
        read_model(path)
    assert str(err.value).startswith(str(path))


def test_random_bytes():
    rng = random.Random(1234)
    for i in range(300):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600)))
        assert isinstance(_check_outcome(data, f"random{i}.tflite"), McuforgeError)
        # the same with a valid header, so that the structure checks are reached
        data = struct.pack("<I", rng.randrange(0, 700)) + b"TFL3" + data
        _check_outcome(data, f"random{i}.tflite")


def test_truncated_built_model_every_byte():
    data = build_model(BASE_SPEC)
    for end in range(len(data)):
        outcome = _check_outcome(data[:end], "cut.tflite")
        assert isinstance(outcome, McuforgeError), end


def test_mutated_built_model_every_byte():
    data = build_model(BASE_SPEC)
    for pos in range(len(data)):
        for value in {0x00, 0xFF, 0x80, 0x7F, data[pos] ^ 0x01, data[pos] ^ 0x10}:
            mutated = bytearray(data)
            mutated[pos] = value
            _check_outcome(bytes(mutated), "flip.tflite")


def _constant_spans(graph: Graph, data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the file holding constant tensor data (the reader returns views)."""
    base = np.frombuffer(data, np.uint8).ctypes.data
    spans = []
    for t in graph.tensors:
        if t.is_constant and t.data.nbytes:
            start = t.data.ctypes.data - base
            assert 0 <= start < len(data)
            spans.append((start, start + t.data.nbytes))
    return spans


def _structure_positions(path: Path) -> tuple[bytes, list[int]]:
    data = path.read_bytes()
    spans = _constant_spans(read_model_bytes(data, path.name), data)
    in_data = np.zeros(len(data), bool)
    for a, b in spans:
        in_data[a:b] = True
    return data, np.flatnonzero(~in_data).tolist()


@needs_shared
@pytest.mark.parametrize("path", [KWS, RESNET], ids=["kws", "resnet"])
def test_truncated_reference_model(path):
    data = path.read_bytes()
    for end in list(range(0, len(data), 997)) + [len(data) - 1, len(data) - 16]:
        outcome = _check_outcome(data[:end], path.name)
        assert isinstance(outcome, McuforgeError), end


@needs_shared
def test_single_byte_corruptions_kws():
    data, structure = _structure_positions(KWS)
    assert 1000 < len(structure) < len(data)
    rng = random.Random(20240611)
    results = {"parsed": 0, "rejected": 0}
    for i in range(2000):
        # three quarters aimed at the flatbuffer's structure (outside the weight data)
        pos = rng.choice(structure) if i % 4 else rng.randrange(len(data))
        mutated = bytearray(data)
        mutated[pos] = (mutated[pos] + rng.randrange(1, 256)) % 256
        outcome = _check_outcome(bytes(mutated), KWS.name)
        results["parsed" if isinstance(outcome, Graph) else "rejected"] += 1
    assert results["rejected"] > 100, results


@needs_shared
def test_word_corruptions_resnet():
    # offsets and lengths are 32-bit words: overwrite aligned words with awkward values
    data, structure = _structure_positions(RESNET)
    words = sorted({p & ~3 for p in structure})
    rng = random.Random(99)
    awkward = [0, 1, 2, 3, 4, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFC, len(data),
               len(data) - 4, len(data) + 4]
    for _ in range(1000):
        pos = rng.choice(words)
        value = rng.choice(awkward) if rng.random() < 0.7 else rng.getrandbits(32)
        mutated = bytearray(data)
        mutated[pos:pos + 4] = struct.pack("<I", value)
        _check_outcome(bytes(mutated), RESNET.name)

"""Shared helpers of the kernel tests (tests/kernels/test_<op>.py): running a single-op model on
the host against TFLite-Micro, seeding case data from the case id, picking output scales, and
lowering a model's operator in pure Python.

Host tests: each case writes a small model with tests/tflite_builder.py, compiles it
(mcuforge.compile), renders the C (mcuforge.codegen), builds and runs it on the host over random
and extreme input vectors (``run_case``), and requires every output element to equal
TFLite-Micro's. LiteRT's reference kernels are run too; a disagreement with LiteRT is reported as
a warning (``LiteRTDisagreement``), never a failure (DESIGN.md: it is a second opinion only).

Test files import this module (``import kernel_testing as kt``); no test file imports another,
and nothing here comes from conftest.py except what conftest itself exports.
"""

from __future__ import annotations

import math
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

import tflite_builder as tb
from mcuforge.compile import compile_model
from mcuforge.compile.ops import LOWERINGS
from mcuforge.compile.program import KernelCall
from mcuforge.tflite.graph import Activation, FullyConnectedOptions, Graph, Padding, ReshapeOptions
from mcuforge.tflite.reader import read_model

SAME, VALID = Padding.SAME, Padding.VALID
NONE, RELU, RELU6, RELU1 = (Activation.NONE, Activation.RELU, Activation.RELU6,
                            Activation.RELU_N1_TO_1)
VECTORS = 12   # random input vectors per case (plus three extreme ones)


class LiteRTDisagreement(UserWarning):
    """LiteRT's reference kernels differ from TFLite-Micro (and so from the generated C)."""


# ---------------------------------------------------------------------------------------------
# running a model on the host and comparing


def input_vectors(shape: tuple[int, ...], zero_point: int, seed: int,
                  dtype: type = np.int8) -> np.ndarray:
    """[N, *shape]: all minimum, all maximum, all zero_point, then VECTORS random vectors of
    ``dtype`` (int8, or int16 for a 16x8 model)."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    extremes = [np.full(shape, v, dtype=dtype) for v in (info.min, info.max, zero_point)]
    random = rng.integers(info.min, info.max + 1, size=(VECTORS, *shape), dtype=dtype)
    return np.concatenate([np.stack(extremes), random])


def first_differences(got: np.ndarray, expected: np.ndarray, keep: int = 8) -> str:
    bad = np.argwhere(got.astype(np.int64) != expected.astype(np.int64))
    parts = [f"vector {i[0]} at {list(map(int, i[1:]))}: C {int(got[tuple(i)])}, "
             f"TFLM {int(expected[tuple(i)])}" for i in bad[:keep]]
    return f"{len(bad)} elements differ; first: " + "; ".join(parts)


def run_case(model: bytes, tmp_path: Path, seed: int = 0) -> None:
    """Compile + generate + build + run; assert equality with TFLite-Micro on every element."""
    from mcuforge.codegen import render_program
    from mcuforge.emulate import check_on_host
    from mcuforge.emulate.vectors import vector_shape

    path = tmp_path / "case.tflite"
    path.write_bytes(model)
    c_dir = render_program(compile_model(path), tmp_path / "c", model)
    graph = read_model(path)
    inp = graph.tensor(graph.inputs[0])
    # one vector per inference: the whole input tensor, without its batch axis when that is 1
    inputs = input_vectors(inp.shape, inp.quant.zero_point[0], seed, inp.dtype.numpy)
    inputs = inputs.reshape(len(inputs), *vector_shape(inp.shape))
    result = check_on_host(c_dir, inputs, tmp_path / "build")

    got, tflm = result.generated, result.tflm
    assert got.shape == tflm.shape, f"output shape {got.shape} != TFLM {tflm.shape}"
    if not np.array_equal(got, tflm):
        pytest.fail("generated C differs from TFLite-Micro: " + first_differences(got, tflm),
                    pytrace=False)
    if result.litert is None:
        warnings.warn(LiteRTDisagreement(f"{tmp_path.name}: {result.litert_problem}"),
                      stacklevel=2)
    elif not result.vs_litert.ok:
        count = int((result.litert != tflm).sum())
        warnings.warn(LiteRTDisagreement(
            f"{tmp_path.name}: LiteRT (BUILTIN_REF) differs from TFLite-Micro and the generated C "
            f"on {count} of {tflm.size} elements (max {result.vs_litert.max_abs_diff} LSB)"),
            stacklevel=2)


def run_on_qemu(model: bytes, tmp_path: Path, board_id: str,
                inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compile (portable kernels), build the firmware for ``board_id``, run ``inputs`` (one
    vector per row; a one-input, one-output model with int8 or int16 ends) under QEMU: (outputs,
    TFLite-Micro's outputs), same shape."""
    from conftest import require_tool
    from mcuforge.boards import get_board
    from mcuforge.builder.firmware import build_firmware
    from mcuforge.codegen import render_program
    from mcuforge.codegen.model_info import ModelInfo
    from mcuforge.emulate.qemu import QemuMachine, run_vectors
    from mcuforge.emulate.vectors import pack, unpack
    from mcuforge.reference import tflm_outputs

    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    path = tmp_path / "case.tflite"
    path.write_bytes(model)
    info = ModelInfo.load(render_program(compile_model(path), tmp_path / "c", model))
    board = get_board(board_id)
    elf = build_firmware(info, board, tmp_path / "fw", platformio=False).elf
    with QemuMachine(board, elf, timeout=120.0) as machine:
        run = run_vectors(machine, info.sha256, info.input.size, (info.output.size,),
                          pack([inputs], info.inputs))
    outputs = unpack(run.outputs, info.outputs)[0]
    return outputs, tflm_outputs(model, inputs).reshape(outputs.shape)


# ---------------------------------------------------------------------------------------------
# case data


def case_rng(case_id: str) -> np.random.Generator:
    """A generator seeded from the case id: the same data on every run."""
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def output_scale(input_scale: float, filter_scale: float, taps: int, factor: float = 1.0) -> float:
    """An output scale that spreads typical outputs of random data over the int8 range:
    the accumulator's standard deviation is about sqrt(taps) * 73 * 74 for uniform int8 data."""
    return input_scale * filter_scale * math.sqrt(taps) * 5400.0 / 50.0 * factor


def output_scale_s16(input_scale: float, filter_scale: float, taps: int,
                     factor: float = 1.0) -> float:
    """``output_scale`` for int16 activations (16x8 ops): uniform int16 data has a standard
    deviation of about 18900, so the accumulator's is about sqrt(taps) * 18900 * 73; this puts
    typical outputs near +-8000 of the int16 range."""
    return input_scale * filter_scale * math.sqrt(taps) * 18900.0 * 73.0 / 8000.0 * factor


def derived(b: tb.ModelBuilder, x: int, x_shape: tuple[int, ...], x_scale: float,
            shape: tuple[int, ...], q: tuple[float, int], rng: np.random.Generator,
            name: str) -> int:
    """A computed int8 tensor of ``shape`` quantized ``q``: FULLY_CONNECTED over the model input
    (random weights, no bias; the weights' scale spreads the outputs over the int8 range), then
    RESHAPE unless the shape is already [1, n].

    mcuforge compiles models with one input, so a second operand (of ADD or CONCATENATION) is
    computed from the model input this way: a tensor of any shape and quantization whose values
    do not simply follow the input's."""
    n_in, n_out = math.prod(x_shape), max(math.prod(shape), 1)
    weights = rng.integers(-127, 128, size=(n_out, n_in)).astype(np.int8)
    # accumulator spread ~ sqrt(n_in) * 74 * 73 for uniform int8 data (see output_scale)
    w_scale = q[0] / (x_scale * math.sqrt(n_in) * 74 * 73 / 50.0)
    w = b.add_const(weights, scale=w_scale, zero_point=0, name=f"{name}_weights")
    if tuple(shape) == (1, n_out):
        y = b.add_tensor(shape, scale=q[0], zero_point=q[1], name=name)
        b.add_operator("FULLY_CONNECTED", (x, w, -1), (y,), FullyConnectedOptions())
        return y
    flat = b.add_tensor((1, n_out), scale=q[0], zero_point=q[1], name=f"{name}_flat")
    b.add_operator("FULLY_CONNECTED", (x, w, -1), (flat,), FullyConnectedOptions())
    y = b.add_tensor(shape, scale=q[0], zero_point=q[1], name=name)
    inputs = [flat]
    if shape:   # an empty shape tensor would have no data; a scalar takes the options alone
        inputs.append(b.add_const(np.array(shape, dtype=np.int32), name=f"{name}_shape"))
    b.add_operator("RESHAPE", inputs, (y,), ReshapeOptions(new_shape=tuple(shape)))
    return y


def derived_s16(b: tb.ModelBuilder, x: int, x_shape: tuple[int, ...], x_scale: float,
                shape: tuple[int, ...], scale: float, rng: np.random.Generator,
                name: str = "other") -> int:
    """An int16 tensor of ``shape`` (scale ``scale``, zero point 0) computed from the model
    input by FULLY_CONNECTED (no bias: a 64-bit accumulator) and RESHAPE: ``derived`` for
    int16 models (a second computed operand for ADD, CONCATENATION...)."""
    n_in, n_out = math.prod(x_shape), math.prod(shape)
    weights = rng.integers(-127, 128, size=(n_out, n_in)).astype(np.int8)
    # accumulator spread ~ sqrt(n_in) * 18900 * 73 for uniform int16 data
    w_scale = scale / (x_scale * math.sqrt(n_in) * 18900 * 73 / 12000.0)
    w = b.add_const(weights, scale=w_scale, name=f"{name}_weights")
    flat = b.add_tensor((1, n_out), "int16", scale=scale, zero_point=0, name=f"{name}_flat")
    b.add_operator("FULLY_CONNECTED", (x, w, -1), (flat,), FullyConnectedOptions())
    y = b.add_tensor(shape, "int16", scale=scale, zero_point=0, name=name)
    b.add_operator("RESHAPE", (flat, b.add_const(np.array(shape, dtype=np.int32))), (y,),
                   ReshapeOptions(new_shape=tuple(shape)))
    return y


# ---------------------------------------------------------------------------------------------
# lowering in pure Python


def read_graph(model: bytes, name: str = "case") -> Graph:
    """The typed graph of a .tflite model given as bytes (through a temporary file)."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{name}.tflite"
        path.write_bytes(model)
        return read_model(path)


def lower_op(model: bytes, index: int = 0) -> KernelCall:
    """The KernelCall of operator ``index`` of ``model`` (-1: the last one), through the
    registry mcuforge.compile.ops.LOWERINGS."""
    graph = read_graph(model)
    op = graph.operators[index]
    return LOWERINGS[op.opcode](graph, op)

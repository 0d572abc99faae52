"""QUANTIZE with int16 on either side (mcuforge.compile.ops.lut, firmware/kernels/quantize_s16.c)
and RESHAPE of int16 activations: the ends of a "16x8" model, checked on the host against
TFLite-Micro (kernel_testing.run_case)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.tflite.graph import (
    Activation,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    FullyConnectedOptions,
    Padding,
    ReshapeOptions,
)


@dataclass(frozen=True)
class QCase:
    id: str
    in_type: str
    out_type: str
    in_q: tuple[float, int]
    out_q: tuple[float, int]
    shape: tuple[int, ...] = (1, 5, 7)


Q_CASES = [
    QCase("s8_to_s16", "int8", "int16", (0.05, -3), (0.05 / 200, 0)),
    QCase("s8_to_s16_saturates", "int8", "int16", (1.0, 100), (1e-3, 0)),
    QCase("s8_to_s16_coarser", "int8", "int16", (0.01, 127), (0.37, 0)),
    QCase("s16_to_s8", "int16", "int8", (1e-3, 0), (0.1, 5)),
    QCase("s16_to_s8_zp_minus128", "int16", "int8", (1e-4, 0), (0.02, -128)),
    QCase("s16_to_s16_finer", "int16", "int16", (1e-3, 0), (3e-4, 0)),
    QCase("s16_to_s16_coarser", "int16", "int16", (1e-3, 0), (7.3e-3, 0)),
    QCase("s16_to_s16_multiplier_gt_1", "int16", "int16", (2.0, 0), (0.01, 0)),
]


def quantize_model(c: QCase) -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input(c.shape, *c.in_q, dtype=c.in_type)
    y = b.add_output(c.shape, *c.out_q, dtype=c.out_type)
    b.add_operator("QUANTIZE", (x,), (y,))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", Q_CASES, ids=lambda c: c.id)
def test_quantize_s16(case: QCase, tmp_path: Path, host_cc: str):
    kt.run_case(quantize_model(case), tmp_path)


def int8_model_with_int16_inside() -> bytes:
    """int8 [1, 6, 6, 2] -> QUANTIZE -> int16 -> CONV_2D 3x3 (int64 bias) -> DEPTHWISE_CONV_2D
    3x3 stride 2 (int64 bias) -> RESHAPE [1, 18] -> FULLY_CONNECTED (int32 bias) -> QUANTIZE ->
    int8 [1, 5]: a 16x8 model with int8 ends, which a firmware build takes too."""
    rng = kt.case_rng("int8_model_with_int16_inside")
    b = tb.ModelBuilder()
    x = b.add_input((1, 6, 6, 2), 0.05, 3)
    s_in = 0.05 / 256
    x16 = b.add_tensor((1, 6, 6, 2), "int16", scale=s_in, zero_point=0)
    b.add_operator("QUANTIZE", (x,), (x16,))
    w1_scales = tuple(float(v) for v in rng.uniform(0.005, 0.02, size=4))
    w1 = b.add_const(rng.integers(-127, 128, size=(4, 3, 3, 2)).astype(np.int8),
                     scale=w1_scales, axis=0)
    b1 = b.add_const(rng.integers(-10**6, 10**6, size=4).astype(np.int64),
                     scale=tuple(s_in * v for v in w1_scales))
    s1 = 4e-4
    c16 = b.add_tensor((1, 6, 6, 4), "int16", scale=s1, zero_point=0)
    b.add_operator("CONV_2D", (x16, w1, b1), (c16,),
                   Conv2DOptions(Padding.SAME, 1, 1, activation=Activation.RELU))
    w2 = b.add_const(rng.integers(-127, 128, size=(1, 3, 3, 4)).astype(np.int8),
                     scale=(0.01, 0.02, 0.015, 0.008), axis=3)
    b2 = b.add_const(rng.integers(-10**5, 10**5, size=4).astype(np.int64),
                     scale=(s1 * 0.01, s1 * 0.02, s1 * 0.015, s1 * 0.008))
    s2 = 2e-3
    d16 = b.add_tensor((1, 3, 3, 4), "int16", scale=s2, zero_point=0)
    b.add_operator("DEPTHWISE_CONV_2D", (c16, w2, b2), (d16,),
                   DepthwiseConv2DOptions(Padding.SAME, 2, 2, depth_multiplier=1))
    r16 = b.add_tensor((1, 36), "int16", scale=s2, zero_point=0)
    shape = b.add_const(np.array([1, 36], np.int32))
    b.add_operator("RESHAPE", (d16, shape), (r16,), ReshapeOptions(new_shape=(1, 36)))
    w3 = b.add_const(rng.integers(-127, 128, size=(5, 36)).astype(np.int8), scale=0.01)
    b3 = b.add_const(rng.integers(-50_000, 50_000, size=5).astype(np.int32), scale=s2 * 0.01)
    y16 = b.add_tensor((1, 5), "int16", scale=5e-3, zero_point=0)
    b.add_operator("FULLY_CONNECTED", (r16, w3, b3), (y16,), FullyConnectedOptions())
    y = b.add_output((1, 5), 0.25, -7)
    b.add_operator("QUANTIZE", (y16,), (y,))
    return b.build()


@pytest.mark.host
def test_int8_model_with_int16_inside(tmp_path: Path, host_cc: str):
    kt.run_case(int8_model_with_int16_inside(), tmp_path)


def test_backends_keep_int16_calls_portable():
    """The optimized and CMSIS-NN backends have no int16 kernels: the calls stay portable and
    say why (the summary lists the note)."""
    from mcuforge.compile import compile_graph
    from mcuforge.compile.backends import Target

    graph = kt.read_graph(int8_model_with_int16_inside())
    program = compile_graph(graph, backend="optimized", target=Target(isa="dsp"))
    notes = {c.opcode: c.note for c in program.calls if "_s16" in c.function}
    assert notes == {op: f"optimized has no int16 {op} kernel"
                     for op in ("QUANTIZE", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")}
    assert all(c.backend == "portable" for c in program.calls)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
def test_int8_model_with_int16_inside_on_board(tmp_path: Path):
    """The same model built as firmware for the Cortex-M3 board (portable kernels) and run under
    QEMU, bit-exact with TFLite-Micro."""
    inputs = kt.input_vectors((6, 6, 2), 3, seed=1)[:6]
    outputs, expected = kt.run_on_qemu(int8_model_with_int16_inside(), tmp_path, "mps2_an385",
                                       inputs)
    assert len(np.unique(expected)) > 5, "degenerate case: outputs barely vary"
    assert np.array_equal(outputs, expected), kt.first_differences(outputs, expected)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
def test_int16_model_ends_on_board(tmp_path: Path):
    """int16 model input and output through the firmware protocol (the tensors' little-endian
    bytes) under QEMU on the Cortex-M3 board: int16 -> QUANTIZE -> int16, bit-exact."""
    inputs = np.random.default_rng(3).integers(-32768, 32768, size=(5, 5, 7), dtype=np.int16)
    outputs, expected = kt.run_on_qemu(quantize_model(Q_CASES[5]), tmp_path, "mps2_an385",
                                       inputs)
    assert outputs.dtype == np.int16 and np.abs(expected).max() > 1000
    assert np.array_equal(outputs, expected), kt.first_differences(outputs, expected)

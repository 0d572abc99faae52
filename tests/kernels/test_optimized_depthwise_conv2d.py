"""DEPTHWISE_CONV_2D on the optimized backend: mcuforge.compile.ops.optimized.depthwise_conv2d
and firmware/kernels/optimized/depthwise_conv2d_dsp.c (mps2_an386) / depthwise_conv2d_mve.c
(mps3_an547), bit-exact with TFLite-Micro under QEMU: the 3x3 kernel and the general one,
channel counts that leave a tail after the 4-channel (DSP) and 8-channel (Helium) groups, SAME
borders (padded taps must contribute exactly zero with the folded input offset, zero points at
both extremes), VALID with strides, activations, batches; depth multipliers above 1 and
dilation stay portable.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from conftest import require_tool
from kernel_testing import NONE, RELU6, SAME, VALID
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.compile.backends import OPTIMIZED, Target
from mcuforge.compile.program import KernelCall, Program
from mcuforge.emulate import check_against_references
from mcuforge.emulate.vectors import vector_shape
from mcuforge.tflite.graph import Activation, DepthwiseConv2DOptions, Graph, Padding


@dataclass(frozen=True)
class DwCase:
    id: str
    input_shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.05, -3)
    out_zp: int = 4
    multiplier: int = 1
    dilation: tuple[int, int] = (1, 1)
    bias: bool = True


CASES = [
    DwCase("kws_3x3_same_c64", (1, 9, 5, 64), (3, 3), in_q=(0.05, -128)),
    DwCase("3x3_stride2_same_asym_c13_relu6", (1, 8, 7, 13), (3, 3), stride=(2, 2), act=RELU6,
           in_q=(0.1, 127), out_zp=-100),
    DwCase("5x4_valid_stride_2x1_c10_batch2_no_bias", (2, 9, 8, 10), (5, 4), stride=(2, 1),
           padding=VALID, bias=False),
]


def dw_model(c: DwCase) -> bytes:
    rng = kt.case_rng(c.id)
    n, h, w, in_c = c.input_shape
    out_c = in_c * c.multiplier
    kh, kw = c.kernel
    filters = rng.integers(-127, 128, size=(1, kh, kw, out_c)).astype(np.int8)
    scales = tuple(float(s) for s in 0.004 * rng.uniform(0.5, 2.0, size=out_c))
    out_scale = kt.output_scale(c.in_q[0], float(np.median(scales)), kh * kw)
    bias = rng.integers(-3000, 3001, size=out_c).astype(np.int32) if c.bias else None
    opts = DepthwiseConv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                                  depth_multiplier=c.multiplier, dilation_w=c.dilation[1],
                                  dilation_h=c.dilation[0], activation=c.act)
    return tb.depthwise_conv2d_model(c.input_shape, filters, bias, c.in_q, scales,
                                     (out_scale, c.out_zp), opts)


# ---- running a case on the optimized backend under QEMU (the same in each test_optimized_*.py;
# the firmware build does not compile kernels/optimized/ yet, so the sources are added here) ----

BOARD_ISAS = {"mps2_an386": "dsp", "mps3_an547": "mve"}


def compile_optimized(model: bytes, isa: str) -> tuple[Graph, Program]:
    graph = kt.read_graph(model, "case")
    return graph, compile_graph(graph, "case", backend=OPTIMIZED, target=Target(isa=isa))


def optimized_call(program: Program, opcode: str) -> KernelCall:
    """The last call of ``opcode``, which must run on the optimized backend; every other call
    runs there or says why not."""
    call = [c for c in program.calls if c.opcode == opcode][-1]
    assert call.backend == "optimized", f"op {call.op_index} stayed portable: {call.note}"
    assert all(c.backend == "optimized" or c.note for c in program.calls)
    return call


def run_on_board(model: bytes, tmp_path: Path, board_id: str, monkeypatch, opcode: str,
                 vectors: int = 4) -> KernelCall:
    """Compile for the board's ISA, generate, build with kernels/optimized/, run the extreme and
    some random vectors under QEMU and require every output element to equal TFLite-Micro's."""
    from mcuforge.boards import get_board
    from mcuforge.builder import firmware
    from mcuforge.emulate.qemu import QemuMachine, run_vectors

    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    board = get_board(board_id)
    graph, program = compile_optimized(model, BOARD_ISAS[board_id])
    call = optimized_call(program, opcode)
    c_dir = render_program(program, tmp_path / "c", model)
    sources = firmware.firmware_sources
    monkeypatch.setattr(firmware, "firmware_sources", lambda m, b, generated: [
        *sources(m, b, generated), *sorted((m.folder / "kernels" / "optimized").glob("*.c"))])
    info = ModelInfo.load(c_dir)
    elf = firmware.build_firmware(info, board, tmp_path / "fw", platformio=False).elf
    inp = graph.tensor(graph.inputs[0])
    inputs = kt.input_vectors(inp.shape, inp.quant.zero_point[0], zlib.crc32(tmp_path.name.encode()))
    inputs = inputs[:3 + vectors].reshape(3 + vectors, *vector_shape(inp.shape))
    with QemuMachine(board, elf, timeout=120.0) as machine:
        run = run_vectors(machine, info.sha256, info.input.size, vector_shape(info.output.shape),
                          inputs)
    result = check_against_references(info, inputs, run.outputs, with_litert=False)
    assert result.generated.shape == result.tflm.shape
    if not np.array_equal(result.generated, result.tflm):
        pytest.fail(f"{board_id}: optimized C differs from TFLite-Micro: "
                    + kt.first_differences(result.generated, result.tflm), pytrace=False)
    return call


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", sorted(BOARD_ISAS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_depthwise_conv2d_on_board(case: DwCase, board: str, tmp_path: Path, monkeypatch):
    call = run_on_board(dw_model(case), tmp_path, board, monkeypatch, "DEPTHWISE_CONV_2D")
    kind = "3x3_" if case.kernel == (3, 3) else ""
    assert call.function == f"mf_opt_depthwise_conv2d_{kind}{BOARD_ISAS[board]}_s8"


@pytest.mark.parametrize("isa", ["dsp", "mve"])
def test_fallbacks(isa: str):
    def note(case: DwCase) -> str:
        _, program = compile_optimized(dw_model(case), isa)
        assert program.calls[0].backend == "portable"
        return program.calls[0].note

    assert "depth multiplier 2" in note(DwCase("mult2", (1, 5, 5, 3), (3, 3), multiplier=2))
    assert "dilation 2x2" in note(DwCase("dil", (1, 9, 9, 4), (3, 3), dilation=(2, 2)))


def test_dsp_layout():
    """DSP weights: [tap][channels padded to 4] int16, doubled, SXTB16 lane order; the quant
    groups hold 2 * (bias + input_offset * sum(w)) of 4 channels first."""
    model = dw_model(DwCase("layout", (1, 4, 4, 6), (3, 3), in_q=(0.05, -9)))
    portable = kt.lower_op(model)
    _, program = compile_optimized(model, "dsp")
    p = program.calls[0].params
    w = portable.params.filter_data.values.reshape(9, 6).astype(np.int64)
    got = p.weights.values.reshape(9, 8).astype(np.int64)
    assert list(got[0]) == [2 * w[0, i] for i in (0, 2, 1, 3)] + [2 * w[0, 4], 0, 2 * w[0, 5], 0]
    bias = portable.params.bias.values.astype(np.int64)
    q = p.quant.values.reshape(2, 4, 4).astype(np.int64)
    assert list(q[0, 0]) == list(2 * (bias[:4] + 9 * w[:, :4].sum(axis=0)))

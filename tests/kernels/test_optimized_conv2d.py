"""CONV_2D on the optimized backend: mcuforge.compile.ops.optimized.conv2d and
firmware/kernels/optimized/conv2d_dsp.c (Cortex-M4 DSP path, mps2_an386) and conv2d_mve.c
(Helium, mps3_an547), bit-exact with TFLite-Micro under QEMU.

The cases cover both kernels of each file (1x1 pointwise and the general window walk): channel
counts that are not multiples of the inner loops' blocks (4, 8, 16 taps; channel pairs and
quads), strides, SAME padding with every border kind (top/left and the bottom/right that SAME
adds with a stride), VALID, per-channel and per-tensor scales, input zero points at both
extremes (the folded offset must vanish on padded taps), activations, batches. A few configurations
stay portable on purpose (fallbacks, checked in pure Python).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from conftest import require_tool
from kernel_testing import NONE, RELU, RELU6, SAME, VALID
from mcuforge.tflite.graph import Activation, Conv2DOptions, Padding
from optimized_testing import BOARD_ISAS, compile_optimized, run_on_board


@dataclass(frozen=True)
class ConvCase:
    id: str
    input_shape: tuple[int, int, int, int]
    out_c: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: Padding = SAME
    act: Activation = NONE
    in_q: tuple[float, int] = (0.05, -3)
    out_zp: int = 4
    per_channel: bool = True
    bias: bool = True
    dilation: tuple[int, int] = (1, 1)
    filter_c: int | None = None
    out_factor: float = 1.0


CASES = [
    ConvCase("pointwise_24_to_12", (1, 6, 5, 24), 12, (1, 1), in_q=(0.05, -128)),
    ConvCase("pointwise_odd_7_to_5_stride2_relu6", (1, 7, 6, 7), 5, (1, 1), stride=(2, 2),
             act=RELU6, in_q=(0.1, 127), out_zp=-100),
    ConvCase("kws_10x4_stride2_same", (1, 13, 10, 1), 8, (10, 4), stride=(2, 2),
             in_q=(0.05, 127)),
    ConvCase("3x3_stride2_same_asym_c3_relu", (1, 8, 9, 3), 9, (3, 3), stride=(2, 2),
             act=RELU, out_zp=-128, per_channel=False, in_q=(0.05, -128)),
    ConvCase("5x5_valid_stride3_no_bias_batch2", (2, 11, 10, 4), 6, (5, 5), stride=(3, 3),
             padding=VALID, bias=False, in_q=(0.02, 100)),
]


def conv_model(c: ConvCase) -> bytes:
    rng = kt.case_rng(c.id)
    n, h, w, in_c = c.input_shape
    k_c = c.filter_c or in_c
    kh, kw = c.kernel
    filters = rng.integers(-127, 128, size=(c.out_c, kh, kw, k_c)).astype(np.int8)
    scales = (tuple(float(s) for s in 0.004 * rng.uniform(0.5, 2.0, size=c.out_c))
              if c.per_channel else (0.004,))
    out_scale = kt.output_scale(c.in_q[0], float(np.median(scales)), kh * kw * k_c, c.out_factor)
    bias = rng.integers(-3000, 3001, size=c.out_c).astype(np.int32) if c.bias else None
    opts = Conv2DOptions(padding=c.padding, stride_w=c.stride[1], stride_h=c.stride[0],
                         dilation_w=c.dilation[1], dilation_h=c.dilation[0], activation=c.act)
    return tb.conv2d_model(c.input_shape, filters, bias, c.in_q, scales, (out_scale, c.out_zp),
                           opts)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", sorted(BOARD_ISAS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_conv2d_on_board(case: ConvCase, board: str, tmp_path: Path):
    call = run_on_board(conv_model(case), tmp_path, board, "CONV_2D")
    one_by_one = case.kernel == (1, 1)
    isa = BOARD_ISAS[board]
    assert call.function == f"mf_opt_conv2d_{'1x1_' if one_by_one else ''}{isa}_s8"


# ---- what the adapter emits, and what stays portable (pure Python) ----

def test_weights_are_relaid_out_and_portable_arrays_dropped():
    """The call references only its own arrays (flash = what is emitted): DSP int16 weights,
    doubled, SXTB16 lane order (t0, t2, t1, t3), channel pairs interleaved by groups of 4, the
    input offset folded into the bias."""
    case = ConvCase("layout", (1, 4, 4, 8), 3, (1, 1), in_q=(0.05, -7))
    model = conv_model(case)
    portable = kt.lower_op(model)
    _, program = compile_optimized(model, "dsp")
    call = program.calls[0]
    assert {c.name for c in call.constants} == {"op0_weights_dsp", "op0_quant_dsp"}
    w = portable.params.filter_data.values.reshape(3, 8).astype(np.int64)
    got = call.params.weights.values.astype(np.int64)
    # channel pair (0, 1), group 0: c0 taps (0, 2, 1, 3), then c1 taps (0, 2, 1, 3)
    assert list(got[:8]) == [2 * w[0, i] for i in (0, 2, 1, 3)] + [2 * w[1, i] for i in (0, 2, 1, 3)]
    # the odd last channel follows whole: k padded to 8
    assert list(got[16:24]) == [2 * w[2, i] for i in (0, 2, 1, 3, 4, 6, 5, 7)]
    quant = call.params.quant.values.reshape(3, 4).astype(np.int64)
    bias = portable.params.bias.values.astype(np.int64)
    assert list(quant[:, 0]) == list(2 * (bias + 7 * w.sum(axis=1)))
    assert list(quant[:, 2]) == list(-portable.params.shift.values)


@pytest.mark.parametrize("isa", ["dsp", "mve"])
def test_fallbacks(isa: str):
    def note(case: ConvCase, target_isa: str = isa) -> str:
        _, program = compile_optimized(conv_model(case), target_isa)
        call = program.calls[0]
        assert call.backend == "portable"
        return call.note

    assert "DSP extension or Helium" in note(ConvCase("none", (1, 5, 5, 3), 4, (3, 3)), "none")
    assert "dilation 2x2" in note(ConvCase("dil", (1, 9, 9, 2), 3, (3, 3), dilation=(2, 2)))
    assert "grouped" in note(ConvCase("grp", (1, 5, 5, 4), 6, (3, 3), filter_c=2))


def test_left_shift_requantization_stays_portable_on_dsp_only():
    """An effective scale >= 0.5 (shift >= 0): the DSP requantization takes right shifts only;
    Helium's takes every shift."""
    case = ConvCase("big_scale", (1, 4, 4, 2), 3, (1, 1), out_factor=0.001)
    _, dsp = compile_optimized(conv_model(case), "dsp")
    assert dsp.calls[0].backend == "portable" and "right shifts only" in dsp.calls[0].note
    _, mve = compile_optimized(conv_model(case), "mve")
    assert mve.calls[0].backend == "optimized"


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
def test_left_shift_requantization_on_helium(tmp_path: Path):
    run_on_board(conv_model(ConvCase("big_scale", (1, 4, 4, 2), 3, (1, 1), out_factor=0.001)),
                 tmp_path, "mps3_an547", "CONV_2D")


def test_kernels_build_for_every_dsp_and_helium_core(tmp_path: Path):
    """The optimized kernels compile without a warning (-std=c99 -O2 -Wall -Wextra -Werror) for
    each core they target: the DSP files for M4, M7, M33 and M55, the Helium files for M55."""
    import subprocess

    from mcuforge.resources import INCLUDE_DIR, KERNELS_DIR

    gcc = require_tool("arm-none-eabi-gcc")
    (tmp_path / "mf_limits.h").write_text("#define MF_ALIGNMENT 16\n#define MF_MAX_DIMS 6\n")
    cores = {"dsp": ["cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"], "mve": ["cortex-m55"]}
    for source in sorted((KERNELS_DIR / "optimized").glob("*.c")):
        isa = source.stem.rsplit("_", 1)[1]
        for core in cores[isa]:
            cmd = [gcc, f"-mcpu={core}", "-mthumb", "-mfloat-abi=hard", "-std=c99", "-O2", "-Wall",
                   "-Wextra", "-Werror", f"-I{INCLUDE_DIR}", f"-I{tmp_path}", "-c", str(source),
                   "-o", str(tmp_path / f"{source.stem}_{core}.o")]
            run = subprocess.run(cmd, capture_output=True, text=True)
            assert run.returncode == 0, f"{source.name} for {core}:\n{run.stderr}"


def test_params_structs_match_their_python_mirrors(tmp_path: Path, host_cc: str):
    """Every optimized params struct (the headers are plain C) has the size and field offsets
    its dataclass mirror says, on the host (8-byte pointers): checked by the compiler."""
    import ctypes
    import subprocess

    from mcuforge.compile.ops.optimized import add, conv2d, depthwise_conv2d, pooling
    from mcuforge.compile.params import c_fields, struct_size
    from mcuforge.resources import INCLUDE_DIR, KERNELS_DIR

    pointer = ctypes.sizeof(ctypes.c_void_p)
    mirrors = {"conv2d_dsp": conv2d.OptConv2DDspParams, "conv2d_mve": conv2d.OptConv2DMveParams,
               "depthwise_conv2d_dsp": depthwise_conv2d.OptDepthwiseConv2DDspParams,
               "depthwise_conv2d_mve": depthwise_conv2d.OptDepthwiseConv2DMveParams,
               "add_dsp": add.OptAddDspParams, "add_mve": add.OptAddMveParams,
               "pooling_dsp": pooling.OptPool2DDspParams, "pooling_mve": pooling.OptPool2DMveParams}
    assert set(mirrors) == {h.stem for h in (KERNELS_DIR / "optimized").glob("*.h")}
    (tmp_path / "mf_limits.h").write_text("#define MF_ALIGNMENT 16\n#define MF_MAX_DIMS 6\n")
    lines = ["#include <stddef.h>"]
    lines += [f'#include "optimized/{h}.h"' for h in sorted(mirrors)]
    for cls in mirrors.values():
        offset = 0
        for name, spec in c_fields(cls):
            align = pointer if spec.kind in ("const_ptr", "arena_ptr") else 4
            offset = (offset + align - 1) // align * align
            lines.append(f"typedef char check_{cls.C_TYPE}_{name}"
                         f"[offsetof({cls.C_TYPE}, {name}) == {offset} ? 1 : -1];")
            offset += spec.size(pointer)
        lines.append(f"typedef char check_{cls.C_TYPE}_size"
                     f"[sizeof({cls.C_TYPE}) == {struct_size(cls, pointer)} ? 1 : -1];")
    source = tmp_path / "layout.c"
    source.write_text("\n".join(lines) + "\n")
    run = subprocess.run([host_cc, "-std=c99", "-Wall", "-Werror", "-Wno-unused-local-typedefs",
                          f"-I{INCLUDE_DIR}", f"-I{KERNELS_DIR}", f"-I{tmp_path}", "-c",
                          str(source), "-o", str(tmp_path / "layout.o")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr

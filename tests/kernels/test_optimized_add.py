"""ADD on the optimized backend: mcuforge.compile.ops.optimized.add and
firmware/kernels/optimized/add_dsp.c (mps2_an386) / add_mve.c (mps3_an547), bit-exact with
TFLite-Micro under QEMU: element-wise ADDs (a length that leaves a tail after Helium's 4 lanes,
zero points at the extremes, an activation, input scales far apart); broadcasting stays portable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import NONE, RELU
from mcuforge.tflite.graph import Activation, AddOptions
from optimized_testing import BOARD_ISAS, compile_optimized, run_on_board


@dataclass(frozen=True)
class AddCase:
    id: str
    x_shape: tuple[int, ...]
    other_shape: tuple[int, ...]
    x_q: tuple[float, int] = (0.05, -3)
    other_q: tuple[float, int] = (0.08, 10)
    out_q: tuple[float, int] = (0.1, 2)
    act: Activation = NONE


CASES = [
    AddCase("resnet_like_relu_zp_extremes_c13", (1, 3, 5, 13), (1, 3, 5, 13), x_q=(0.0086, -128),
            other_q=(0.0136, 127), out_q=(0.0093, -128), act=RELU),
    AddCase("scales_1000x_apart_length_7", (1, 7), (1, 7), x_q=(0.0001, 127),
            other_q=(0.1, -128), out_q=(0.1, 127)),
]


def add_model(c: AddCase) -> bytes:
    rng = kt.case_rng(c.id)
    shape = tuple(int(d) for d in np.broadcast_shapes(c.x_shape, c.other_shape))
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.x_q)
    other = kt.derived(b, x, c.x_shape, c.x_q[0], c.other_shape, c.other_q, rng, "other")
    y = b.add_output(shape, *c.out_q)
    b.add_operator("ADD", (x, other), (y,), AddOptions(activation=c.act))
    return b.build()


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", sorted(BOARD_ISAS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_add_on_board(case: AddCase, board: str, tmp_path: Path):
    call = run_on_board(add_model(case), tmp_path, board, "ADD")
    assert call.function == f"mf_opt_add_{BOARD_ISAS[board]}_s8"


@pytest.mark.parametrize("isa", ["dsp", "mve"])
def test_broadcasting_add_stays_portable(isa: str):
    _, program = compile_optimized(add_model(AddCase("bcast", (1, 4, 5, 8), (1, 1, 1, 8))), isa)
    call = [c for c in program.calls if c.opcode == "ADD"][0]
    assert call.backend == "portable" and "broadcasting ADD" in call.note

"""PAD and PADV2 on the cmsis-nn backend: mcuforge.compile.ops.cmsis_nn.pad and
firmware/kernels/cmsis_nn/pad.c (arm_pad_s8, 4-D), on the portable kernel tests' cases; more
than four padded dimensions keep the portable kernel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import cmsis_testing as ct
import tflite_builder as tb


@dataclass(frozen=True)
class PadCase:
    id: str
    shape: tuple[int, ...]
    paddings: tuple[tuple[int, int], ...]
    q: tuple[float, int] = (0.05, -3)
    constant: tuple[int, tuple[float, int]] | None = None     # PADV2: (value, its quantization)
    out_q: tuple[float, int] | None = None


PAD_CASES = [
    PadCase("mobilenet_symmetric_hw", (1, 6, 6, 4), ((0, 0), (1, 1), (1, 1), (0, 0))),
    PadCase("keras_bottom_right", (1, 6, 7, 3), ((0, 0), (0, 1), (0, 1), (0, 0))),
    PadCase("channels", (1, 3, 3, 4), ((0, 0), (0, 0), (0, 0), (2, 3))),
    PadCase("every_dimension_batch2", (2, 3, 3, 2), ((1, 1), (1, 0), (0, 2), (1, 1))),
    PadCase("no_padding", (1, 4, 4, 3), ((0, 0), (0, 0), (0, 0), (0, 0))),
    PadCase("padding_wider_than_input", (1, 2, 2, 1), ((0, 0), (3, 4), (5, 3), (0, 0))),
    PadCase("1d", (7,), ((2, 3),)),
    PadCase("3d", (1, 5, 6), ((0, 0), (1, 2), (2, 1))),
    PadCase("5d_four_padded", (1, 2, 3, 2, 2), ((0, 0), (1, 0), (0, 1), (1, 1), (0, 1))),
    PadCase("zero_point_minus128", (1, 3, 4, 2), ((0, 0), (1, 1), (1, 1), (0, 0)), q=(0.02, -128)),
    PadCase("input_output_quantization_differ", (1, 3, 3, 2), ((0, 0), (1, 1), (1, 1), (0, 0)),
            q=(0.05, -3), out_q=(0.1, 7)),
    PadCase("v2_constant", (1, 4, 4, 3), ((0, 0), (1, 2), (2, 1), (0, 0)),
            constant=(-7, (0.05, -3))),
    PadCase("v2_constant_127_channels", (1, 3, 3, 2), ((0, 0), (0, 0), (0, 0), (1, 2)),
            constant=(127, (0.05, -3))),
    PadCase("v2_constant_minus128_batch", (2, 2, 3, 2), ((1, 0), (0, 1), (1, 0), (0, 0)),
            constant=(-128, (0.05, -3))),
]


def pad_model(c: PadCase) -> bytes:
    constant = None
    if c.constant is not None:
        value, q = c.constant
        constant = (value, c.out_q or q)
    return tb.pad_model(c.shape, c.paddings, c.q, constant=constant, output_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: c.id)
def test_pad(case: PadCase, tmp_path: Path, host_cc: str):
    program = ct.run_case(pad_model(case), tmp_path)
    assert program.calls[0].function == "mf_cmsis_pad_s8"


@pytest.mark.host
def test_five_padded_dimensions_stay_portable(tmp_path: Path, host_cc: str):
    case = PadCase("5d", (2, 2, 3, 2, 2), ((1, 0), (1, 0), (0, 1), (1, 1), (0, 1)))
    ct.run_case(pad_model(case), tmp_path, fallback="5 padded dimensions: arm_pad_s8 pads at most 4")


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2_an386", "mps3_an547"])
@pytest.mark.parametrize("case", [c for c in PAD_CASES if c.id in {
    "mobilenet_symmetric_hw", "channels", "every_dimension_batch2", "v2_constant"}],
    ids=lambda c: c.id)
def test_pad_on_board(case: PadCase, board: str, tmp_path: Path, monkeypatch):
    ct.run_case_on_board(pad_model(case), tmp_path, board, monkeypatch)

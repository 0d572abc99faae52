"""PAD and PADV2: mcuforge.compile.ops.pad and firmware/kernels/pad.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case); the
lowering tests check the typed params and the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.errors import UnsupportedModelError


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
    PadCase("5d", (1, 2, 3, 2, 2), ((0, 0), (1, 0), (0, 1), (1, 1), (0, 1))),
    PadCase("zero_point_minus128", (1, 3, 4, 2), ((0, 0), (1, 1), (1, 1), (0, 0)), q=(0.02, -128)),
    # TFLite-Micro copies values without looking at the input's quantization; so does mcuforge
    PadCase("input_output_quantization_differ", (1, 3, 3, 2), ((0, 0), (1, 1), (1, 1), (0, 0)),
            q=(0.05, -3), out_q=(0.1, 7)),
    PadCase("v2_constant", (1, 4, 4, 3), ((0, 0), (1, 2), (2, 1), (0, 0)),
            constant=(-7, (0.05, -3))),
    PadCase("v2_constant_127_channels", (1, 3, 3, 2), ((0, 0), (0, 0), (0, 0), (1, 2)),
            constant=(127, (0.05, -3))),
]


def _pad_model(c: PadCase) -> bytes:
    constant = None
    if c.constant is not None:
        value, q = c.constant
        constant = (value, c.out_q or q)
    return tb.pad_model(c.shape, c.paddings, c.q, constant=constant, output_q=c.out_q)


@pytest.mark.host
@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: c.id)
def test_pad(case: PadCase, tmp_path: Path, host_cc: str):
    kt.run_case(_pad_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_pad_params():
    call = kt.lower_op(tb.pad_model((1, 6, 6, 4), ((0, 0), (1, 1), (1, 1), (0, 0)), (0.1, -5)))
    p = call.params
    # the unpadded batch of 1 is dropped; C (not padded) merges into W, scaling W's padding
    assert p.rank == 2 and p.input_dims == (6, 24)
    assert p.pad_before == (1, 4) and p.pad_after == (1, 4)
    assert p.pad_value == -5 and call.function == "mf_pad_s8" and len(call.inputs) == 1
    assert call.kernel == "pad"
    p = kt.lower_op(tb.pad_model((1, 3, 4, 2), ((0, 0), (2, 1), (0, 0), (0, 0)),
                                 (0.1, 0))).params
    # H padded, W and C not: they merge into H's rows, the padding scales with them
    assert p.rank == 1 and p.input_dims == (24,)
    assert p.pad_before == (16,) and p.pad_after == (8,)
    p = kt.lower_op(tb.pad_model((1, 3, 3, 2), ((0, 0), (1, 1), (1, 1), (0, 0)), (0.1, 4),
                                 constant=(-100, (0.1, 4)))).params
    assert p.pad_value == -100


def test_lowering_pad_rejects():
    with pytest.raises(UnsupportedModelError, match="negative paddings"):
        kt.lower_op(tb.pad_model((1, 4, 4, 1), ((0, 0), (-1, 0), (0, 0), (0, 0)), (0.1, 0)))
    with pytest.raises(UnsupportedModelError, match="not quantized like the output"):
        kt.lower_op(tb.pad_model((1, 4, 4, 1), ((0, 0), (1, 1), (0, 0), (0, 0)), (0.1, 0),
                                 constant=(3, (0.2, 0))))
    with pytest.raises(UnsupportedModelError, match="at most 5"):
        kt.lower_op(tb.pad_model((1, 2, 1, 2, 1, 2), ((0, 0),) * 5 + ((1, 1),), (0.1, 0)))

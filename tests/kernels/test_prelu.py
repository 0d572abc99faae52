"""PRELU: mcuforge.compile.ops.prelu and firmware/kernels/prelu.c.

Host tests run each case's model (a constant int8 alpha, broadcast against the model input)
against TFLite-Micro (kernel_testing.run_case). The lowering tests check the typed params and
the one-line errors in pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.compile import quant
from mcuforge.errors import ModelFileError, UnsupportedModelError


@dataclass(frozen=True)
class PreluCase:
    id: str
    x_shape: tuple[int, ...]
    alpha_shape: tuple[int, ...]
    x_q: tuple[float, int] = (0.05, -3)
    alpha_q: tuple[float, int] = (0.002, 0)      # int8 alpha in [-0.256, 0.254]
    out_q: tuple[float, int] = (0.04, -20)
    alpha_range: tuple[int, int] = (-128, 128)   # of the stored int8 values


PRELU_CASES = [
    PreluCase("per_channel_converter_style", (1, 5, 6, 8), (1, 1, 8)),
    PreluCase("per_channel_1d", (1, 5, 6, 8), (8,)),
    PreluCase("per_channel_4d", (1, 4, 3, 5), (1, 1, 1, 5)),
    PreluCase("no_broadcast", (1, 4, 5, 6), (4, 5, 6)),
    PreluCase("scalar_alpha", (1, 4, 5, 6), (1,)),
    PreluCase("per_row", (1, 4, 5, 8), (4, 1, 1)),
    PreluCase("2d", (1, 40), (40,)),
    PreluCase("5d", (1, 2, 3, 4, 5), (1, 3, 1, 5)),
    PreluCase("alpha_broadcasts_the_input", (1, 1, 1, 8), (4, 5, 8)),
    PreluCase("positive_slopes", (1, 4, 4, 8), (1, 1, 8), alpha_q=(0.001, -128),
              alpha_range=(-128, 128)),
    PreluCase("slopes_above_one", (1, 4, 4, 8), (1, 1, 8), alpha_q=(0.02, 0)),
    PreluCase("alpha_zero_point", (1, 4, 4, 8), (1, 1, 8), alpha_q=(0.003, -20)),
    PreluCase("alpha_zero_point_127", (1, 4, 4, 8), (1, 1, 8), alpha_q=(0.003, 127)),
    PreluCase("input_zero_point_-128", (1, 4, 4, 8), (1, 1, 8), x_q=(0.05, -128)),
    PreluCase("input_zero_point_127", (1, 4, 4, 8), (1, 1, 8), x_q=(0.05, 127)),
    PreluCase("output_zero_points_extreme", (1, 4, 4, 8), (1, 1, 8), out_q=(0.04, 127)),
    PreluCase("same_scales", (1, 4, 4, 8), (1, 1, 8), x_q=(0.05, 0), out_q=(0.05, 0)),
    PreluCase("multiplier_above_one_saturates", (1, 4, 4, 8), (1, 1, 8), out_q=(0.001, 0)),
    PreluCase("tiny_multipliers", (1, 4, 4, 8), (1, 1, 8), out_q=(20.0, 5)),
    PreluCase("large_negative_multiplier", (1, 4, 4, 8), (1, 1, 8), alpha_q=(0.5, 0),
              out_q=(0.01, 0)),
]


def _prelu_model(c: PreluCase, alpha: np.ndarray | None = None) -> bytes:
    rng = kt.case_rng(c.id)
    if alpha is None:
        alpha = rng.integers(*c.alpha_range, size=c.alpha_shape).astype(np.int8)
    shape = tuple(int(d) for d in np.broadcast_shapes(c.x_shape, c.alpha_shape))
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.x_q)
    a = b.add_const(alpha, scale=c.alpha_q[0], zero_point=c.alpha_q[1], name="alpha")
    y = b.add_output(shape, *c.out_q)
    b.add_operator("PRELU", (x, a), (y,))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", PRELU_CASES, ids=lambda c: c.id)
def test_prelu(case: PreluCase, tmp_path: Path, host_cc: str):
    kt.run_case(_prelu_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def test_lowering_prelu_params():
    c = PreluCase("x", (1, 5, 6, 8), (1, 1, 8), x_q=(0.05, -3), alpha_q=(0.002, 7),
                  out_q=(0.04, -20))
    alpha = np.arange(8, dtype=np.int8).reshape(1, 1, 8)
    call = kt.lower_op(_prelu_model(c, alpha))
    p = call.params
    assert call.function == "mf_prelu_s8" and call.kernel == "prelu"
    # [5, 6, 8] with a per-channel alpha: H and W merge, alpha repeats along them
    assert p.rank == 2 and p.output_dims == (30, 8)
    assert p.input_strides == (8, 1) and p.alpha_strides == (0, 1)
    assert p.input_offset == 3 and p.alpha_offset == -7 and p.output_offset == -20
    f32 = {s: float(np.float32(s)) for s in (0.05, 0.002, 0.04)}     # the file's scales
    assert (p.positive_multiplier, p.positive_shift) == quant.quantize_multiplier(
        f32[0.05] / f32[0.04])
    assert (p.negative_multiplier, p.negative_shift) == quant.quantize_multiplier(
        f32[0.05] * f32[0.002] / f32[0.04])
    assert p.alpha.name == "op0_alpha" and p.alpha.c_type == "int8_t"
    assert np.array_equal(p.alpha.values, np.arange(8)) and call.constants == (p.alpha,)
    p = kt.lower_op(_prelu_model(PreluCase("x", (1, 4, 5, 6), (4, 5, 6)))).params
    assert p.rank == 1 and p.output_dims == (120,) and p.alpha_strides == (1,)
    p = kt.lower_op(_prelu_model(PreluCase("x", (1, 1, 1, 8), (4, 5, 8)))).params
    assert p.output_dims == (20, 8) and p.input_strides == (0, 1) and p.alpha_strides == (8, 1)
    p = kt.lower_op(_prelu_model(PreluCase("x", (1, 4, 5, 8), (4, 1, 1)))).params
    assert p.output_dims == (4, 40) and p.input_strides == (40, 1) and p.alpha_strides == (1, 0)


def _model_with_alpha(alpha_tensor) -> bytes:
    """PRELU over a (1, 4, 4, 8) input with the alpha made by ``alpha_tensor(builder, x)``."""
    b = tb.ModelBuilder()
    x = b.add_input((1, 4, 4, 8), 0.05, 0)
    a = alpha_tensor(b, x)
    y = b.add_output((1, 4, 4, 8), 0.05, 0)
    b.add_operator("PRELU", (x, a), (y,))
    return b.build()


def test_lowering_prelu_rejects():
    rng = np.random.default_rng(0)
    computed = _model_with_alpha(lambda b, x: kt.derived(b, x, (1, 4, 4, 8), 0.05, (1, 1, 8),
                                                         (0.01, 0), rng, "alpha"))
    with pytest.raises(UnsupportedModelError,
                       match=r"op 2 \(PRELU\): alpha tensor 'alpha' is computed at run time"):
        kt.lower_op(computed, -1)
    per_channel = _model_with_alpha(lambda b, x: b.add_const(
        np.ones((1, 1, 8), np.int8), scale=tuple(0.01 * (i + 1) for i in range(8)),
        zero_point=0, axis=2, name="alpha"))
    with pytest.raises(UnsupportedModelError, match=r"\(PRELU\).*quantized per channel"):
        kt.lower_op(per_channel)
    float_alpha = _model_with_alpha(lambda b, x: b.add_const(
        np.full((1, 1, 8), 0.2, np.float32), name="alpha"))
    with pytest.raises(UnsupportedModelError, match=r"\(PRELU\).*float32; only int8 alpha"):
        kt.lower_op(float_alpha)
    unquantized = _model_with_alpha(lambda b, x: b.add_const(
        np.ones((1, 1, 8), np.int8), name="alpha"))
    with pytest.raises(UnsupportedModelError, match=r"\(PRELU\).*no quantization"):
        kt.lower_op(unquantized)
    mismatched = _model_with_alpha(lambda b, x: b.add_const(
        np.ones((1, 1, 5), np.int8), scale=0.01, zero_point=0, name="alpha"))
    with pytest.raises(ModelFileError, match=r"\(PRELU\).*do not broadcast"):
        kt.lower_op(mismatched)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4, 4, 8), 0.05, 0)
    a = b.add_const(np.ones((8,), np.int8), scale=0.01, zero_point=0, name="alpha")
    y = b.add_output((1, 4, 8), 0.05, 0)
    b.add_operator("PRELU", (x, a), (y,))
    with pytest.raises(ModelFileError, match=r"\(PRELU\).*output tensor 'output' has shape"):
        kt.lower_op(b.build())
    with pytest.raises(UnsupportedModelError, match=r"\(PRELU\).*input scale / output scale.*"
                                                    r"2\^30 or more"):
        kt.lower_op(_prelu_model(PreluCase("x", (1, 8), (8,), x_q=(1.0, 0),
                                           out_q=(2.0**-31, 0))))
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.05, 0)
    y = b.add_output((1, 8), 0.05, 0)
    b.add_operator("PRELU", (x,), (y,))
    with pytest.raises(ModelFileError, match=r"\(PRELU\): has 1 inputs"):
        kt.lower_op(b.build())

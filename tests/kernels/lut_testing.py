"""Shared helpers of the lookup-table op tests (test_logistic.py, test_tanh.py,
test_hard_swish.py, test_leaky_relu.py, test_elu.py, test_relu.py, test_quantize.py):
mcuforge.compile.ops.lut and firmware/kernels/lut.c.

An int8 op lowered to mf_lut_s8 is a function of 256 input values, so it is checked in full:

- ``assert_table_matches_tflm``: the table the generator computed (pure Python) against
  TFLite-Micro run on a [1, 256] input holding every int8 value once, for one quantization.
  Cheap (no C build), so each op's tests run it for many scale / zero point pairs.
- ``run_all_values``: the whole chain (compile, generate, build on the host, run) on that
  all-values input and permutations of it, every element equal to TFLite-Micro.
- ``kernel_testing.run_case`` covers other shapes with random and extreme inputs.

LiteRT's reference kernels are run beside TFLite-Micro; a disagreement is a LiteRTDisagreement
warning (kernel_testing), never a failure.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb

ALL_VALUES = np.arange(-128, 128, dtype=np.int8)
LEAKY_RELU_OPTIONS_TAG = 75     # BuiltinOptions union member LeakyReluOptions


def leaky_relu_options(alpha: float) -> tb.RawOptions:
    """LeakyReluOptions { alpha: float } for tflite_builder."""
    return tb.RawOptions(LEAKY_RELU_OPTIONS_TAG, 1, ((0, "float32", alpha),))


def unary_model(opcode: str, shape: tuple[int, ...], input_q: tuple[float, int],
                output_q: tuple[float, int], options=None) -> bytes:
    """One ``opcode`` op from the model input to the model output, both ``shape``."""
    b = tb.ModelBuilder()
    x = b.add_input(shape, *input_q)
    y = b.add_output(shape, *output_q)
    b.add_operator(opcode, (x,), (y,), options)
    return b.build()


def all_values_model(opcode: str, input_q: tuple[float, int], output_q: tuple[float, int],
                     options=None) -> bytes:
    return unary_model(opcode, (1, 256), input_q, output_q, options)


def table_of(model: bytes) -> np.ndarray:
    """The 256 entries the generator computed for the model's (only) op."""
    call = kt.lower_op(model)
    assert call.function == "mf_lut_s8" and call.kernel == "lut"
    return np.asarray(call.params.table.values, dtype=np.int8)


def _differences(got: np.ndarray, expected: np.ndarray, keep: int = 8) -> str:
    bad = np.nonzero(got.astype(np.int64) != expected.astype(np.int64))[0]
    return f"{len(bad)} of 256 entries differ; first: " + "; ".join(
        f"input {int(ALL_VALUES[i])}: mcuforge {int(got[i])}, TFLM {int(expected[i])}"
        for i in bad[:keep])


def _litert_opinion(model: bytes, reference: np.ndarray, label: str) -> None:
    from mcuforge.reference import ReferenceRunError, litert_outputs

    try:
        litert = litert_outputs(model, ALL_VALUES.reshape(1, 256)).reshape(-1)
    except ReferenceRunError as err:
        warnings.warn(kt.LiteRTDisagreement(f"{label}: LiteRT gave no opinion: {err}"),
                      stacklevel=3)
        return
    if not np.array_equal(litert, reference):
        diff = np.abs(litert.astype(np.int64) - reference.astype(np.int64))
        warnings.warn(kt.LiteRTDisagreement(
            f"{label}: LiteRT (BUILTIN_REF) differs from TFLite-Micro on {int((diff > 0).sum())} "
            f"of 256 input values (max {int(diff.max())} LSB)"), stacklevel=3)


def assert_table_matches_tflm(opcode: str, input_q: tuple[float, int],
                              output_q: tuple[float, int], options=None,
                              label: str = "") -> np.ndarray:
    """The generated table equals TFLite-Micro on all 256 input values; returns the table."""
    from mcuforge.reference import tflm_outputs

    model = all_values_model(opcode, input_q, output_q, options)
    table = table_of(model)
    tflm = tflm_outputs(model, ALL_VALUES.reshape(1, 256)).reshape(-1)
    if not np.array_equal(table, tflm):
        pytest.fail(f"{opcode} table differs from TFLite-Micro for input {input_q}, output "
                    f"{output_q}: " + _differences(table, tflm), pytrace=False)
    _litert_opinion(model, tflm, label or f"{opcode} {input_q} -> {output_q}")
    return table


def run_all_values(model: bytes, tmp_path: Path) -> None:
    """Compile + generate + build + run a [1, 256] model on every int8 value (in order,
    reversed, and shuffled twice); every output element must equal TFLite-Micro's."""
    from mcuforge.codegen import render_program
    from mcuforge.compile import compile_model
    from mcuforge.emulate import check_on_host

    path = tmp_path / "case.tflite"
    path.write_bytes(model)
    c_dir = render_program(compile_model(path), tmp_path / "c", model)
    rng = np.random.default_rng(0)
    inputs = np.stack([ALL_VALUES, ALL_VALUES[::-1], rng.permutation(ALL_VALUES),
                       rng.permutation(ALL_VALUES)])
    result = check_on_host(c_dir, inputs, tmp_path / "build")
    got, tflm = result.generated.reshape(4, 256), result.tflm.reshape(4, 256)
    if not np.array_equal(got, tflm):
        pytest.fail("generated C differs from TFLite-Micro: "
                    + kt.first_differences(got, tflm), pytrace=False)
    if result.litert is not None and not result.vs_litert.ok:
        warnings.warn(kt.LiteRTDisagreement(
            f"{tmp_path.name}: LiteRT (BUILTIN_REF) differs from TFLite-Micro and the generated C "
            f"on {int((result.litert.reshape(4, 256) != tflm).sum())} of {tflm.size} elements "
            f"(max {result.vs_litert.max_abs_diff} LSB)"), stacklevel=2)

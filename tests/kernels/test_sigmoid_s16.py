"""int16 LOGISTIC and TANH (16x8): mcuforge.compile.ops.sigmoid_s16, the nodes read back from
TFLite-Micro (mcuforge.compile.sigmoid_table) and firmware/kernels/sigmoid_s16.c.

- every int16 input through the generated C against TFLite-Micro, for LOGISTIC and TANH side by
  side at many input scales in one model (one input per scale): both power-of-two paths
  (2^-12; TANH's 2^-11; 2^-12 off by less than CheckedLog2's 1e-3), the general path (scales
  that are powers of two but not those, fine, coarse, tiny), saturation;
- other shapes, and an int16 LOGISTIC and TANH inside a 16x8 model with int8 ends;
- the lowering's params and one-line errors, and the node measurement's own checks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import tflite_builder as tb
from mcuforge.compile import compile_model, sigmoid_table
from mcuforge.compile.ops import sigmoid_s16
from mcuforge.errors import UnsupportedModelError

OUT = (2.0**-15, 0)

# input scales: power-of-two paths, general path, coarse (multiplier up to 61440, shift 0),
# tiny (right shift 31)
SCALES = [2.0**-12, 2.0**-11, 2.0**-12 * (1 + 5e-4), 2.0**-10, 2.0**-13, 1e-3, 3.0517e-5,
          0.0123, 0.37, 5.0, 1e-9]


def _side_by_side_model(shape=(1, 256)) -> bytes:
    """One int16 input per scale, each into LOGISTIC and TANH: 2 * len(SCALES) outputs."""
    b = tb.ModelBuilder()
    for k, scale in enumerate(SCALES):
        x = b.add_input(shape, scale, 0, dtype="int16", name=f"x{k}")
        for op in ("LOGISTIC", "TANH"):
            y = b.add_output(shape, *OUT, dtype="int16", name=f"{op.lower()}{k}")
            b.add_operator(op, (x,), (y,))
    return b.build()


def unary_model(op: str, shape, in_scale: float, out_q=OUT, in_zp: int = 0) -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input(shape, in_scale, in_zp, dtype="int16")
    y = b.add_output(shape, *out_q, dtype="int16")
    b.add_operator(op, (x,), (y,))
    return b.build()


@pytest.mark.host
def test_every_int16_at_every_scale_on_host(tmp_path: Path, host_cc: str):
    from mcuforge.codegen import render_program
    from mcuforge.emulate import check_on_host

    model = _side_by_side_model()
    path = tmp_path / "case.tflite"
    path.write_bytes(model)
    c_dir = render_program(compile_model(path), tmp_path / "c", model)
    every = np.arange(-32768, 32768, dtype=np.int16).reshape(256, 256)
    result = check_on_host(c_dir, [every] * len(SCALES), tmp_path / "build", with_litert=False)
    for k, (got, want) in enumerate(zip(result.generated_outputs, result.tflm_outputs)):
        what = f"{('LOGISTIC', 'TANH')[k % 2]} at input scale {SCALES[k // 2]}"
        assert np.array_equal(got, want), what + ": " + kt.first_differences(got, want)
    # the outputs cover the ranges: saturation both ways (coarse scales), the middle
    logistic = np.concatenate([np.ravel(y) for y in result.tflm_outputs[0::2]])
    tanh = np.concatenate([np.ravel(y) for y in result.tflm_outputs[1::2]])
    assert (logistic.min(), logistic.max()) == (1, 32767) and 16384 in logistic
    assert (tanh.min(), tanh.max()) == (-32767, 32767) and 0 in tanh


@pytest.mark.host
@pytest.mark.parametrize("op,shape,scale", [("LOGISTIC", (1, 4, 4, 8), 7e-4),
                                            ("TANH", (2, 3, 5), 2.0**-12), ("TANH", (1,), 0.01)],
                         ids=str)
def test_shapes_on_host(op, shape, scale, tmp_path: Path, host_cc: str):
    kt.run_case(unary_model(op, shape, scale), tmp_path)


def int8_model_with_sigmoids() -> bytes:
    """int8 [1, 24] -> QUANTIZE int16 -> FULLY_CONNECTED (int16, 16x8) -> LOGISTIC and TANH ->
    MUL (a gated unit) -> QUANTIZE -> int8."""
    from mcuforge.tflite.graph import FullyConnectedOptions

    rng = kt.case_rng("int8_model_with_sigmoids")
    b = tb.ModelBuilder()
    x = b.add_input((1, 24), 0.05, 3)
    s_in = 0.05 / 256
    x16 = b.add_tensor((1, 24), "int16", scale=s_in, zero_point=0)
    b.add_operator("QUANTIZE", (x,), (x16,))
    w = b.add_const(rng.integers(-127, 128, size=(16, 24)).astype(np.int8), scale=0.01)
    bias = b.add_const(rng.integers(-4000, 4000, size=16).astype(np.int64), scale=s_in * 0.01)
    f16 = b.add_tensor((1, 16), "int16", scale=2.0**-12, zero_point=0)
    b.add_operator("FULLY_CONNECTED", (x16, w, bias), (f16,), FullyConnectedOptions())
    g16 = b.add_tensor((1, 16), "int16", scale=2.0**-15, zero_point=0)
    b.add_operator("LOGISTIC", (f16,), (g16,))
    t16 = b.add_tensor((1, 16), "int16", scale=2.0**-15, zero_point=0)
    b.add_operator("TANH", (f16,), (t16,))
    m16 = b.add_tensor((1, 16), "int16", scale=2.0**-15, zero_point=0)
    b.add_operator("MUL", (g16, t16), (m16,))
    y = b.add_output((1, 16), 1 / 128, 0)
    b.add_operator("QUANTIZE", (m16,), (y,))
    return b.build()


@pytest.mark.host
def test_int8_model_with_sigmoids_on_host(tmp_path: Path, host_cc: str):
    kt.run_case(int8_model_with_sigmoids(), tmp_path)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
def test_int8_model_with_sigmoids_on_board(tmp_path: Path):
    """The same model as firmware for the Cortex-M4 board under QEMU, bit-exact."""
    inputs = kt.input_vectors((24,), 3, seed=2)[:6]
    outputs, expected = kt.run_on_qemu(int8_model_with_sigmoids(), tmp_path, "mps2_an386", inputs)
    assert len(np.unique(expected)) > 5, "degenerate case: outputs barely vary"
    assert np.array_equal(outputs, expected), kt.first_differences(outputs, expected)


# ---------------------------------------------------------------------------------------------
# lowering and node measurement (pure Python, but the nodes come from TFLite-Micro)


@pytest.mark.parametrize("op,scale,want", [
    ("LOGISTIC", 2.0**-12, (3, 0)), ("TANH", 2.0**-12, (3, 0)), ("TANH", 2.0**-11, (6, 0)),
    ("LOGISTIC", 2.0**-11, (24576, 12)),          # the general path: 6x exactly
    ("TANH", 2.0**-10, (24576, 11)), ("LOGISTIC", 0.37, (18186, 2)),
    ("TANH", 5.0, (61440, 0)),
])
def test_input_scaling(op, scale, want):
    assert sigmoid_s16.input_scaling(op, scale) == want


def test_lowering_params():
    call = kt.lower_op(unary_model("TANH", (1, 4, 5), 1e-3))
    p = call.params
    assert (call.kernel, call.function) == ("sigmoid_s16", "mf_tanh_s16")
    assert p.size == 20 and (p.multiplier, p.right_shift) == (25165, 11)
    assert p.table.c_type == "uint16_t" and p.table.values.shape == (256,)
    nodes = p.table.values.astype(int)
    assert nodes[0] == 32768 and np.all(np.diff(nodes) >= 0) and nodes[-1] <= 65535
    # near 65536 * sigmoid(k / 24), but not equal to it (the reason they are measured)
    ideal = 65536 / (1 + np.exp(-np.arange(256) / 24))
    assert np.max(np.abs(nodes - ideal)) < 3 and not np.array_equal(nodes, np.round(ideal))


@pytest.mark.parametrize("model,words", [
    (unary_model("LOGISTIC", (1, 8), 1e-3, in_zp=5), r"zero points 5 \(input\)"),
    (unary_model("TANH", (1, 8), 1e-3, out_q=(2.0**-15, -3)), r"zero points 0 .* -3"),
    (unary_model("LOGISTIC", (1, 8), 1e-3, out_q=(2.0**-14, 0)), r"output scale 6.10352e-05.*2\^-15"),
    (unary_model("TANH", (1, 8), 1e-3, out_q=(1 / 30000, 0)), r"output scale 3.33333e-05;.*2\^-15"),
    (unary_model("TANH", (1, 8), 6.0), r"input scale 6 .*multiplier 73728"),
    (unary_model("LOGISTIC", (1, 8), 1e-14), r"input scale 1e-14 .*multiplier 0"),
])
def test_lowering_rejects(model, words):
    with pytest.raises(UnsupportedModelError, match=r"op 0 \((LOGISTIC|TANH)\).*" + words):
        kt.lower_op(model)


def test_unreadable_nodes_are_a_one_line_error(monkeypatch):
    def fail():
        raise sigmoid_table.SigmoidTableError("segment 7 has too few samples")

    monkeypatch.setattr(sigmoid_s16, "sigmoid_nodes", fail)
    with pytest.raises(UnsupportedModelError,
                       match=r"op 0 \(TANH\).*could not be read back .*segment 7"):
        kt.lower_op(unary_model("TANH", (1, 8), 1e-3))


def test_measurement_checks_what_it_solves():
    """The solver rejects outputs that no node pair explains; the cache is checked on load."""
    nodes = sigmoid_table.sigmoid_nodes()
    v = sigmoid_table.scaled_input(np.arange(-32768, 32768), 3, 0)
    tanh = sigmoid_table.tanh_q15(nodes, v)
    assert np.array_equal(sigmoid_table._solve(tanh), nodes)
    broken = tanh.copy()
    broken[32768 + 1000] += 3
    with pytest.raises(sigmoid_table.SigmoidTableError, match="not determined"):
        sigmoid_table._solve(broken)
    assert not sigmoid_table.plausible(nodes[::-1]) and sigmoid_table.plausible(nodes)


def test_nodes_are_cached_per_tflm_version(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MCUFORGE_CACHE", str(tmp_path))
    sigmoid_table.sigmoid_nodes.cache_clear()
    try:
        first = sigmoid_table.sigmoid_nodes()
        files = list(tmp_path.glob("tflm-sigmoid-nodes-*.npy"))
        assert len(files) == 1
        files[0].write_bytes(b"garbage")           # a damaged cache is measured again
        sigmoid_table.sigmoid_nodes.cache_clear()
        assert np.array_equal(sigmoid_table.sigmoid_nodes(), first)
        assert np.array_equal(np.load(files[0]), first)
    finally:
        sigmoid_table.sigmoid_nodes.cache_clear()

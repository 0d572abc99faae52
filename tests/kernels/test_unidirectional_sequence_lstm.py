"""UNIDIRECTIONAL_SEQUENCE_LSTM: mcuforge.compile.ops.unidirectional_sequence_lstm, its options
(mcuforge.tflite.options.recurrent) and firmware/kernels/unidirectional_sequence_lstm.c.

TFLite-Micro's int16 sigmoid/tanh interpolation nodes are tuned data that no formula of ours
reproduces; the lowering reads them back from the tflite-micro interpreter at compile time
(mcuforge.compile.sigmoid_table, tested in test_sigmoid_s16.py). Against TFLite-Micro:

- host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case): 15
  invocations in a row, so the hidden and cell states (variable tensors, written with
  recurrent_testing.VariableModelBuilder) carry over from one input sequence to the next on both
  sides, from the state TFLite-Micro starts from (hidden at its zero point, cell at 0);
- the sigmoid and the cell's tanh on every int16 input against TFLite-Micro's LOGISTIC and TANH;
- the lowering's typed params and one-line errors in pure Python.

The models have no ``intermediates`` (TFLite-Micro's kernel does not read them); LiteRT's integer
LSTM needs them, so it gives no second opinion here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import recurrent_testing as rt
import tflite_builder as tb
from mcuforge.compile import compile_model
from mcuforge.compile.ops import unidirectional_sequence_lstm as lstm
from mcuforge.compile.ops.unidirectional_sequence_lstm import cell_scale_power
from mcuforge.compile.program import state_ref
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import Activation

OPCODE = "UNIDIRECTIONAL_SEQUENCE_LSTM"

TAG, SLOTS = 71, 6    # UnidirectionalSequenceLSTMOptions in union BuiltinOptions; field count
TANH = Activation.TANH


def _unary_int16_model(opcode: str, input_scale: float) -> bytes:
    b = tb.ModelBuilder()
    x = b.add_input((1, 256), input_scale, 0, dtype="int16")
    y = b.add_output((1, 256), 2.0**-15, 0, dtype="int16")
    b.add_operator(opcode, (x,), (y,))
    return b.build()


_EVERY_INT16 = np.arange(-32768, 32768, dtype=np.int16).reshape(256, 256)   # 256 invocations


def _tflm_unary(opcode: str, input_scale: float) -> np.ndarray:
    from mcuforge.reference import tflm_outputs

    out = tflm_outputs(_unary_int16_model(opcode, input_scale), _EVERY_INT16)
    return np.asarray(out).reshape(-1).astype(np.int64)


def lstm_options(time_major: bool = False, cell_clip: float = 0.0,
                 act: Activation = TANH) -> tb.RawOptions:
    return tb.RawOptions(TAG, SLOTS, ((0, "int8", act.value), (1, "float32", cell_clip),
                                      (3, "bool", time_major)))


@dataclass(frozen=True)
class LstmCase:
    id: str
    batch: int
    time: int
    input_size: int
    state: int
    time_major: bool = False
    in_q: tuple[float, int] = (0.05, -3)
    hidden_q: tuple[float, int] = (1 / 128, 0)
    cell_scale: float = 2.0**-11
    cell_clip: float = 0.0
    gate_factor: float = 1.0      # scales the weights: > 1 drives the gates into saturation
    bias_factor: float = 1.0
    bias_offset: int = 0          # added to every bias value (int32 wrap tests)


CASES = [
    LstmCase("basic", 1, 3, 5, 4),
    LstmCase("state_size_1", 1, 4, 3, 1),
    LstmCase("input_size_1", 1, 4, 1, 3),
    LstmCase("larger", 1, 8, 16, 12),
    LstmCase("batch2_batch_major", 2, 3, 4, 5),
    LstmCase("batch2_time_major", 2, 3, 4, 5, time_major=True),
    LstmCase("cell_scale_2pow_minus15", 1, 4, 5, 4, cell_scale=2.0**-15),
    LstmCase("cell_scale_2pow_minus2", 1, 4, 5, 4, cell_scale=2.0**-2),
    LstmCase("cell_scale_not_a_power_of_two", 1, 4, 5, 4, cell_scale=0.0003),
    LstmCase("cell_clip", 1, 6, 5, 4, cell_clip=0.4, gate_factor=2.0),
    LstmCase("cell_clip_tiny_clips_to_0", 1, 4, 5, 4, cell_clip=1e-6),
    LstmCase("hidden_zp_minus128", 1, 4, 5, 4, hidden_q=(1 / 128, -128)),
    LstmCase("hidden_zp_40_scale_0.01", 1, 4, 5, 4, hidden_q=(0.01, 40)),
    LstmCase("hidden_scale_tiny_multiplier_gt_1", 1, 3, 4, 3, hidden_q=(2.0**-33, 0)),
    LstmCase("input_zp_minus128", 1, 4, 5, 4, in_q=(0.02, -128)),
    LstmCase("gates_saturate", 1, 5, 6, 4, gate_factor=40.0),
    LstmCase("big_biases", 1, 5, 6, 4, bias_factor=30.0),
    LstmCase("bias_sum_wraps_int32", 1, 3, 6, 4, bias_offset=2**31 - 3000),
]


def lstm_model(c: LstmCase, rng: np.random.Generator | None = None) -> bytes:
    rng = rng or kt.case_rng(c.id)
    B, T, N, S = c.batch, c.time, c.input_size, c.state
    in_scale, _ = c.in_q
    h_scale, h_zp = c.hidden_q
    in_shape = (T, B, N) if c.time_major else (B, T, N)
    b = rt.VariableModelBuilder()
    x = b.add_input(in_shape, *c.in_q)
    inputs = [-1] * 24
    inputs[0] = x
    # gate inputs of a few units (Q3.12 covers +-8): the FC sums spread by ~sqrt(n) * 74 * 73
    w_scale = 2.0 * c.gate_factor / (in_scale * math.sqrt(N) * 74 * 73)
    r_scale = 1.5 * c.gate_factor / (h_scale * math.sqrt(S) * 74 * 50) if h_scale > 1e-6 else (
        1e-3)
    for g, gate in enumerate(("input", "forget", "cell", "output")):
        ws = w_scale * float(rng.uniform(0.7, 1.4))
        rs = r_scale * float(rng.uniform(0.7, 1.4))
        inputs[1 + g] = b.add_const(rng.integers(-127, 128, size=(S, N)).astype(np.int8),
                                    scale=ws, zero_point=0, name=f"input_to_{gate}")
        inputs[5 + g] = b.add_const(rng.integers(-127, 128, size=(S, S)).astype(np.int8),
                                    scale=rs, zero_point=0, name=f"recurrent_to_{gate}")
        bias_scale = float(np.float32(in_scale) * np.float32(ws))
        span = min(int(1.0 * c.bias_factor / bias_scale), 2**31 - 1)
        bias = rng.integers(-span, span + 1, size=S).astype(np.int64) + c.bias_offset
        bias = np.clip(bias, -2**31, 2**31 - 1).astype(np.int32)
        inputs[12 + g] = b.add_const(bias, scale=bias_scale, zero_point=0, name=f"{gate}_bias")
    inputs[18] = b.add_variable((B, S), "int8", h_scale, h_zp, name="hidden_state")
    inputs[19] = b.add_variable((B, S), "int16", c.cell_scale, 0, name="cell_state")
    y = b.add_output((*in_shape[:2], S), h_scale, h_zp)
    b.add_operator("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, (y,),
                   lstm_options(c.time_major, c.cell_clip))
    return b.build()


@pytest.mark.host
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_unidirectional_sequence_lstm(case: LstmCase, tmp_path: Path, host_cc: str):
    kt.run_case(lstm_model(case), tmp_path)


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def _model(**kw) -> bytes:
    """A small LSTM written tensor by tensor, for the lowering tests."""
    a = dict(B=1, T=2, I=3, S=2, in_q=(0.5, -3), w_scale=2.0**-6, r_scale=2.0**-5,
             hidden_q=(2.0**-7, 5), cell=("int16", 2.0**-11), options=None, extra=None,
             per_channel=False, w_zp=0, hidden_shape=None, cell_shape=None, n_inputs=24,
             extra_op=False, cell_variable=True)
    a.update(kw)
    B, T, N, S = a["B"], a["T"], a["I"], a["S"]
    b = rt.VariableModelBuilder()
    x = b.add_input((B, T, N), *a["in_q"])
    inputs = [-1] * 24
    inputs[0] = x
    for g in range(4):
        scale = (a["w_scale"],) * S if a["per_channel"] and g == 1 else a["w_scale"]
        inputs[1 + g] = b.add_const(np.full((S, N), g + 1, np.int8), scale=scale,
                                    zero_point=a["w_zp"], name=f"w{g}")
        inputs[5 + g] = b.add_const(np.full((S, S), -g, np.int8), scale=a["r_scale"],
                                    zero_point=0, name=f"r{g}")
        inputs[12 + g] = b.add_const(np.full(S, 100 * g, np.int32),
                                     scale=a["in_q"][0] * a["w_scale"], zero_point=0,
                                     name=f"b{g}")
    inputs[18] = b.add_variable(a["hidden_shape"] or (B, S), "int8", *a["hidden_q"],
                                name="hidden_state")
    add = b.add_variable if a["cell_variable"] else (
        lambda shape, dtype, scale, zp, name: b.add_tensor(shape, dtype, scale=scale,
                                                           zero_point=zp, name=name))
    inputs[19] = add(a["cell_shape"] or (B, S), a["cell"][0], a["cell"][1], 0, name="cell_state")
    if a["extra"] is not None:
        inputs[a["extra"]] = b.add_const(np.ones(S, np.int8), scale=0.1, zero_point=0,
                                         name="extra")
    opts = a["options"] if a["options"] is not None else lstm_options()
    inputs = inputs[:a["n_inputs"]]
    if a["extra_op"]:
        mid = b.add_tensor((B, T, S), scale=a["hidden_q"][0], zero_point=a["hidden_q"][1])
        b.add_operator("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, (mid,), opts)
        z = b.add_output((B, T, S), *a["hidden_q"])
        b.add_operator("RELU", (mid,), (z,))
    else:
        y = b.add_output((B, T, S), *a["hidden_q"])
        b.add_operator("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, (y,),
                       None if opts == "none" else opts)
    return b.build()


def test_lowering_params():
    call = kt.lower_op(_model())
    p = call.params
    assert call.function == "mf_unidirectional_sequence_lstm_s8"
    assert call.kernel == "unidirectional_sequence_lstm"
    assert (p.batch, p.time_steps, p.time_major, p.input_size, p.state_size) == (1, 2, 0, 3, 2)
    assert p.input_offset == 3 and p.hidden_zero_point == 5
    # input FC: 0.5 * 2^-6 / 2^-12 = 32 -> (2^30, 6); recurrent: 2^-7 * 2^-5 / 2^-12 = 1
    assert p.input_multiplier == (2**30,) * 4 and p.input_shift == (6,) * 4
    assert p.recurrent_multiplier == (2**30,) * 4 and p.recurrent_shift == (1,) * 4
    # f * c: 2^-15; i * g: 2^-30 / 2^-11 = 2^-19; tanh(c) * o: 2^-30 / 2^-7 = 2^-23
    assert (p.forget_multiplier, p.forget_shift) == (2**30, -14)
    assert (p.update_multiplier, p.update_shift) == (2**30, -18)
    assert (p.hidden_multiplier, p.hidden_shift) == (2**30, -22)
    # cell scale 2^-11: the cell's tanh input is c * 3 * 2^(12 - 11)
    assert (p.tanh_multiplier, p.tanh_right_shift) == (6, 0)
    assert (p.clip, p.cell_clip) == (0, 0)
    assert p.input_weights.values.tolist() == [1] * 6 + [2] * 6 + [3] * 6 + [4] * 6
    assert p.recurrent_weights.values.tolist() == [0] * 4 + [-1] * 4 + [-2] * 4 + [-3] * 4
    assert p.bias.values.tolist() == [0, 0, 100, 100, 200, 200, 300, 300]
    graph = kt.read_graph(_model())
    hidden, cell = graph.operators[0].inputs[18], graph.operators[0].inputs[19]
    assert p.cell_state == state_ref(cell) and p.hidden_state == state_ref(hidden)
    assert call.state == (cell, hidden) and call.scratch_bytes == 0
    assert p.sigmoid_table.c_type == "uint16_t" and p.sigmoid_table.values.size == 256
    assert call.macs == 2 * 4 * 2 * (3 + 2)
    graph = kt.read_graph(_model())
    assert call.inputs == (graph.inputs[0],) and call.outputs == (graph.outputs[0],)


def test_lowering_time_major_clip_and_fine_cell_scale():
    p = kt.lower_op(_model(options=lstm_options(time_major=True, cell_clip=3.0), T=2, B=1,
                           hidden_shape=(2, 2), cell_shape=(2, 2), cell=("int16", 2.0**-15))).params
    assert p.time_major == 1 and (p.batch, p.time_steps) == (2, 1)   # [1, 2, 3] read as [T, B]
    assert (p.clip, p.cell_clip) == (1, 32767)          # 3 / 2^-15 clamps to 32767
    assert (p.tanh_multiplier, p.tanh_right_shift) == (3, 3)
    p = kt.lower_op(_model(options=lstm_options(cell_clip=0.3))).params
    assert (p.clip, p.cell_clip) == (1, int(float(np.float32(0.3)) * 2048))


@pytest.mark.parametrize("scale,power", [(2.0**-11, -11), (2.0**-15, -15), (4.0, 2),
                                         (0.0003, -12), (1.0, 0)])
def test_cell_scale_power(scale, power):
    assert cell_scale_power(scale)[0] == power


@pytest.mark.parametrize("kw,error,words", [
    (dict(extra=9), UnsupportedModelError, "cell-to-input (peephole) weights (input 9)"),
    (dict(extra=16), UnsupportedModelError, "projection weights (input 16)"),
    (dict(extra=21), UnsupportedModelError, "forget layer-norm coefficients (input 21)"),
    (dict(per_channel=True), UnsupportedModelError, "'w1' is quantized per channel"),
    (dict(w_zp=4), UnsupportedModelError, "zero point 4"),
    (dict(options=lstm_options(act=Activation.RELU)), UnsupportedModelError,
     "cell gate activation RELU"),
    (dict(hidden_shape=(2,)), UnsupportedModelError, "second dimension"),
    (dict(cell=("int8", 2.0**-11)), UnsupportedModelError, "cell state tensor 'cell_state' is "
                                                            "int8"),
    (dict(n_inputs=20), ModelFileError, "has 20 inputs"),
    (dict(cell_variable=False), UnsupportedModelError, "is not variable"),
    (dict(cell=("int16", 8.0)), UnsupportedModelError, "too coarse"),
    (dict(cell=("int16", 2.0**-10.5)), UnsupportedModelError, "half way"),
    (dict(options="none"), ModelFileError, "has no UnidirectionalSequenceLSTMOptions"),
])
def test_lowering_rejects(kw, error, words):
    with pytest.raises(error) as info:
        kt.lower_op(_model(**kw))
    message = str(info.value)
    assert words in message and "\n" not in message
    if error is UnsupportedModelError or "inputs" in words:
        assert "op 0 (UNIDIRECTIONAL_SEQUENCE_LSTM)" in message


# ---------------------------------------------------------------------------------------------
# the int16 sigmoid and tanh on every input, against TFLite-Micro's int16 LOGISTIC and TANH
# (the same reference functions the LSTM calls: input scale 2^-12 gives the gates' sigmoid and
# tanh, other power-of-two scales the cell's tanh for that cell scale)

_HARNESS = r"""
#include <stdio.h>
#include "unidirectional_sequence_lstm.c"
#include "sigmoid_s16.c"
static const uint16_t nodes[256] = {%s};
int main(void)
{
    static const int32_t tanh_params[][2] = {%s};
    int32_t x;
    size_t k;
    for (x = -32768; x <= 32767; ++x) {
        printf("%%d", (int)mf_lstm_sigmoid(nodes, x));
        for (k = 0; k < sizeof tanh_params / sizeof tanh_params[0]; ++k) {
            printf(" %%d", (int)mf_tanh_s16_value(nodes, mf_sigmoid_s16_scale(
                x, tanh_params[k][0], tanh_params[k][1])));
        }
        printf("\n");
    }
    return 0;
}
"""

# (input scale of TFLite-Micro's TANH, the cell scale it stands for); 2^-12, the nodes' source,
# only checks the reading back
_TANH_SCALES = [2.0**-12, 2.0**-11, 2.0**-15, 2.0**-8, 2.0**-2, 4.0]


@pytest.mark.host
def test_sigmoid_and_tanh_match_tflm_on_every_int16(tmp_path: Path, host_cc: str):
    """The kernel's sigmoid (the gates) against TFLite-Micro's int16 LOGISTIC and its tanh at
    every cell scale's input scaling against int16 TANH at that scale, on all 65536 inputs."""
    import subprocess

    from mcuforge import __version__
    from mcuforge.compile.limits import render_limits_header
    from mcuforge.compile.sigmoid_table import sigmoid_nodes
    from mcuforge.resources import INCLUDE_DIR, KERNELS_DIR

    params = []
    for scale in _TANH_SCALES:
        left = 12 + cell_scale_power(scale)[0]
        params.append((3 << left, 0) if left >= 0 else (3, -left))
    (tmp_path / "mf_limits.h").write_text(render_limits_header(__version__))
    source = tmp_path / "harness.c"
    source.write_text(_HARNESS % (", ".join(map(str, sigmoid_nodes().tolist())),
                                  ", ".join(f"{{{m}, {s}}}" for m, s in params)))
    exe = tmp_path / "harness"
    subprocess.run([host_cc, "-std=c99", "-O1", "-I", str(tmp_path), "-I", str(INCLUDE_DIR),
                    "-I", str(KERNELS_DIR), str(source), "-o", str(exe)], check=True)
    got = np.loadtxt(subprocess.run([str(exe)], check=True, capture_output=True,
                                    text=True).stdout.splitlines(), dtype=np.int64)
    expected = [_tflm_unary("LOGISTIC", 2.0**-12)]
    expected += [_tflm_unary("TANH", s) for s in _TANH_SCALES]
    for k, (name, want) in enumerate(zip(["sigmoid"] + [f"tanh {s}" for s in _TANH_SCALES],
                                         expected)):
        bad = np.flatnonzero(got[:, k] != want)
        assert bad.size == 0, (f"{name}: {bad.size} inputs differ, first x = {bad[0] - 32768}: "
                               f"C {got[bad[0], k]}, TFLM {want[bad[0]]}")


# ---------------------------------------------------------------------------------------------
# registered: an LSTM among other ops compiles; without the nodes, a one-line error


def test_compiling_an_lstm_with_another_op(tmp_path: Path):
    path = tmp_path / "lstm.tflite"
    path.write_bytes(_model(extra_op=True))
    program = compile_model(path)
    assert [c.opcode for c in program.calls][0] == OPCODE


def test_unreadable_nodes_are_a_one_line_error(monkeypatch):
    from mcuforge.compile.ops import sigmoid_s16
    from mcuforge.compile.sigmoid_table import SigmoidTableError

    def fail():
        raise SigmoidTableError("TFLite-Micro did not run the probe model")

    monkeypatch.setattr(sigmoid_s16, "sigmoid_nodes", fail)
    graph = kt.read_graph(_model())
    with pytest.raises(UnsupportedModelError) as info:
        lstm.lower(graph, graph.operators[0])
    assert str(info.value).startswith(f"case.tflite: op 0 ({OPCODE}): TFLite-Micro's int16 "
                                      "sigmoid/tanh nodes could not be read back")
    assert "\n" not in str(info.value)

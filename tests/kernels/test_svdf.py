"""SVDF: mcuforge.compile.ops.svdf, its options (mcuforge.tflite.options.recurrent) and
firmware/kernels/svdf.c.

Host tests run each case's single-op model against TFLite-Micro (kernel_testing.run_case): 15
invocations in a row on one interpreter and one generated program, so the activation state
(a variable tensor, written with recurrent_testing.VariableModelBuilder) carries over from one
vector to the next on both sides, from the zero state TFLite-Micro starts from. A multi-op model
(FC -> SVDF -> SVDF -> FC) checks the planner's persistent state slots, and the generated
model_reset() is checked to restart the sequence. LiteRT only
runs int8 SVDF with a fused RELU (which TFLite-Micro's int8 path ignores), so the cases carry
one unless they test something else. The lowering
tests check the typed params and the one-line errors in pure Python.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import kernel_testing as kt
import recurrent_testing as rt
import tflite_builder as tb
from kernel_testing import NONE, RELU
from mcuforge.compile import compile_model
from mcuforge.compile.program import state_ref
from mcuforge.errors import ModelFileError, UnsupportedModelError
from mcuforge.tflite.graph import Activation

TAG, SLOTS = 6, 3    # SVDFOptions in union BuiltinOptions; its field count


def svdf_options(rank: int, act: Activation = NONE) -> tb.RawOptions:
    return tb.RawOptions(TAG, SLOTS, ((0, "int32", rank), (1, "int8", act.value)))


@dataclass(frozen=True)
class SvdfCase:
    id: str
    input_size: int
    filters: int
    memory: int
    rank: int = 1
    batch: int = 1
    state: str = "int16"                   # the state's and the time weights' type
    in_q: tuple[float, int] = (0.05, -3)
    state_zp: int = 0
    out_zp: int = 4
    # the converter writes RELU (LiteRT's int8 SVDF refuses anything else); TFLite-Micro's int8
    # path does not apply it, so outputs below the zero point show that neither side does
    act: Activation = RELU
    state_factor: float = 1.0              # < 1: a finer state scale, values saturate
    out_factor: float = 1.0                # < 1: a finer output scale (multiplier up, saturation)
    time_range: int | None = None          # |weights_time| bound (default: the type's range)
    time_constant: int | None = None       # every time weight equal to this
    bias_range: int | None = None          # default: about one output step * 20
    out_scale: float | None = None


CASES = [
    SvdfCase("basic", 8, 4, 3),
    SvdfCase("rank2", 8, 6, 4, rank=2),
    SvdfCase("rank3_memory5", 12, 9, 5, rank=3),
    SvdfCase("kws_like", 40, 32, 8, rank=2, in_q=(0.2, -20)),
    SvdfCase("memory1", 6, 4, 1),
    SvdfCase("memory_longer_than_the_run", 5, 3, 20),
    SvdfCase("single_filter_single_input", 1, 1, 4),
    SvdfCase("batch2", 7, 4, 3, batch=2),
    SvdfCase("batch3_rank2", 5, 4, 2, rank=2, batch=3),
    SvdfCase("input_zp_minus128", 8, 4, 3, in_q=(0.02, -128)),
    SvdfCase("input_zp_127", 8, 4, 3, in_q=(0.02, 127)),
    SvdfCase("output_zp_minus128", 8, 4, 3, out_zp=-128),
    SvdfCase("output_zp_127", 8, 4, 3, out_zp=127),
    SvdfCase("state_zp_int16", 8, 4, 3, state_zp=1000),
    SvdfCase("state_zp_int16_minus32768", 8, 4, 3, state_zp=-32768),
    SvdfCase("state_zp_int16_32767_wraps_on_store", 8, 4, 3, state_zp=32767, state_factor=0.2),
    SvdfCase("state_saturates_int16", 10, 4, 3, state_factor=0.05),
    SvdfCase("output_multiplier_gt_1", 8, 4, 3, out_factor=1 / 3000.0),
    SvdfCase("output_saturates", 8, 4, 3, out_factor=0.1),
    SvdfCase("tiny_output_scale_flushes_to_0", 8, 4, 3, out_scale=1e6),
    SvdfCase("activation_none", 8, 4, 3, act=NONE, out_zp=-10),
    SvdfCase("huge_bias", 8, 4, 3, bias_range=2_000_000_000),
    # time weights all 32767 and a saturated state: the int32 sums wrap in TFLite-Micro
    SvdfCase("int32_sums_wrap", 4, 2, 12, rank=2, state_factor=0.001, time_constant=32767),
    SvdfCase("int8_state", 8, 4, 3, state="int8"),
    SvdfCase("int8_state_rank2", 10, 6, 5, rank=2, state="int8"),
    SvdfCase("int8_state_zp", 8, 4, 3, state="int8", state_zp=5),
    SvdfCase("int8_state_zp_minus128", 8, 4, 3, state="int8", state_zp=-128),
    SvdfCase("int8_state_zp_127_wraps_on_store", 8, 4, 3, state="int8", state_zp=127,
             state_factor=0.3),
    SvdfCase("int8_state_saturates", 8, 4, 3, state="int8", state_factor=0.05, state_zp=-20),
]


def _spread(bits: int) -> float:
    """About the standard deviation of the values of a state of ``bits`` bits we aim for."""
    return 50.0 if bits == 8 else 6000.0


def svdf_model(c: SvdfCase, rng: np.random.Generator | None = None) -> bytes:
    b = rt.VariableModelBuilder()
    x = b.add_input((c.batch, c.input_size), *c.in_q)
    y = add_svdf(b, x, c, rng or kt.case_rng(c.id), output=True)[0]
    assert y >= 0
    return b.build()


def add_svdf(b: rt.VariableModelBuilder, x: int, c: SvdfCase, rng: np.random.Generator,
             output: bool = False) -> tuple[int, float, int]:
    """Adds the SVDF of case ``c`` over tensor ``x`` (quantized ``c.in_q``, shape [batch,
    input_size]); returns its output tensor (the model output if ``output``), scale, zero point."""
    bits = 8 if c.state == "int8" else 16
    units = c.filters // c.rank
    in_scale = c.in_q[0]
    wf_scale = 0.004
    # feature dot product ~ sqrt(n) * 74 * 73 for random int8 data
    state_scale = (in_scale * wf_scale * math.sqrt(c.input_size) * 74 * 73 / _spread(bits)
                   * c.state_factor)
    limit = c.time_range or (127 if bits == 8 else 32767)
    wt_scale = 0.5 / limit
    if c.time_constant is not None:
        time = np.full((c.filters, c.memory), c.time_constant)
    else:
        time = rng.integers(-limit, limit + 1, size=(c.filters, c.memory))
    taps = c.rank * c.memory
    acc_spread = math.sqrt(taps) * (limit / math.sqrt(3)) * _spread(bits)
    bias_scale = float(np.float32(state_scale) * np.float32(wt_scale))
    out_scale = c.out_scale or bias_scale * acc_spread / 50.0 * c.out_factor
    bias_range = c.bias_range if c.bias_range is not None else int(20 * out_scale / bias_scale)
    bias_range = min(bias_range, 2**31 - 1)

    wf = b.add_const(rng.integers(-127, 128, size=(c.filters, c.input_size)).astype(np.int8),
                     scale=wf_scale, zero_point=0, name=f"{c.id}_weights_feature")
    wt = b.add_const(time.astype(c.state), scale=wt_scale, zero_point=0,
                     name=f"{c.id}_weights_time")
    bias = b.add_const(rng.integers(-bias_range, bias_range + 1, size=units).astype(np.int32),
                       scale=bias_scale, zero_point=0, name=f"{c.id}_bias")
    state = b.add_variable((c.batch, c.memory * c.filters), c.state, state_scale, c.state_zp,
                           name=f"{c.id}_state")
    shape = (c.batch, units)
    y = (b.add_output(shape, out_scale, c.out_zp) if output
         else b.add_tensor(shape, scale=out_scale, zero_point=c.out_zp, name=f"{c.id}_out"))
    b.add_operator("SVDF", (x, wf, wt, bias, state), (y,), svdf_options(c.rank, c.act))
    return y, out_scale, c.out_zp


@pytest.mark.host
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_svdf(case: SvdfCase, tmp_path: Path, host_cc: str):
    kt.run_case(svdf_model(case), tmp_path)


def multi_op_model() -> bytes:
    """FC -> SVDF (int16 state) -> SVDF (int8 state, zero point 5) -> FC: two states in one
    arena, next to activations that the planner reuses from call to call."""
    rng = kt.case_rng("svdf_multi_op")
    b = rt.VariableModelBuilder()
    x = b.add_input((1, 20), 0.05, -3)
    first = SvdfCase("first", 12, 6, 4, rank=2, in_q=(0.04, 2))
    second = SvdfCase("second", 3, 4, 3, state="int8", state_zp=5)
    h = kt.derived(b, x, (1, 20), 0.05, (1, 12), first.in_q, rng, "fc_in")
    h, scale, zp = add_svdf(b, h, first, rng)
    h, scale, zp = add_svdf(b, h, dataclasses.replace(second, in_q=(scale, zp)), rng)
    y = kt.derived(b, h, (1, 4), scale, (1, 6), (0.02, -4), rng, "fc_out")
    b.outputs = [y]
    return b.build()


@pytest.mark.host
def test_svdf_in_a_multi_op_model(tmp_path: Path, host_cc: str):
    """15 inferences in a row on both sides: each SVDF's state lives in its own persistent slot
    while the planner reuses the other bytes; bit-exact with TFLite-Micro on every step."""
    model = multi_op_model()
    program = compile_model(_write(tmp_path, model))
    assert [c.opcode for c in program.calls] == ["FULLY_CONNECTED", "SVDF", "SVDF",
                                                 "FULLY_CONNECTED"]
    states = program.state_slots
    assert [s.size for s in states] == [1 * 4 * 6 * 2, 1 * 3 * 4]
    others = [s for s in program.slots if not s.persistent]
    assert all(s.end <= t.offset or t.end <= s.offset for s in states for t in others)
    kt.run_case(model, tmp_path)


_RESET_HARNESS = r"""
#include <stdio.h>
#include "model.h"
static const int8_t vectors[%d][MODEL_INPUT_SIZE] = {%s};
int main(void)
{
    int8_t out[MODEL_OUTPUT_SIZE];
    int pass, v, i;
    for (pass = 0; pass < 2; ++pass) {
        for (v = 0; v < (int)(sizeof vectors / sizeof vectors[0]); ++v) {
            if (model_invoke(vectors[v], out) != 0) {
                return 1;
            }
            for (i = 0; i < MODEL_OUTPUT_SIZE; ++i) {
                printf("%%d ", out[i]);
            }
            printf("\n");
        }
        model_reset();
    }
    return 0;
}
"""


@pytest.mark.host
def test_reset_restarts_the_state(tmp_path: Path, host_cc: str):
    """model_reset() puts both states back to the start: the same inputs after it give the
    same outputs as from power-on, which are TFLite-Micro's from a fresh interpreter."""
    import subprocess

    from mcuforge.codegen import render_program
    from mcuforge.reference import tflm_outputs

    model = multi_op_model()
    c_dir = render_program(compile_model(_write(tmp_path, model)), tmp_path / "c", model)
    inputs = kt.case_rng("reset").integers(-128, 128, size=(6, 20), dtype=np.int8)
    inputs[3] = inputs[0]     # the same input later in the sequence: only the state differs
    rows = ", ".join("{" + ", ".join(map(str, r)) + "}" for r in inputs.tolist())
    (tmp_path / "main.c").write_text(_RESET_HARNESS % (len(inputs), rows))
    sources = [tmp_path / "main.c", c_dir / "model.c", c_dir / "kernels" / "svdf.c",
               c_dir / "kernels" / "fully_connected.c"]
    exe = tmp_path / "reset"
    subprocess.run([host_cc, "-std=c99", "-O1", "-I", str(c_dir), "-I", str(c_dir / "kernels"),
                    *map(str, sources), "-o", str(exe)], check=True)
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    got = np.array([[int(v) for v in line.split()] for line in lines.splitlines()])
    first, again = got[:len(inputs)], got[len(inputs):]
    want = np.asarray(tflm_outputs(model, inputs)).reshape(first.shape)
    assert np.array_equal(first, want), kt.first_differences(first, want)
    assert np.array_equal(again, first)
    assert not np.array_equal(first[0], first[3])    # the state did change the output


# ---------------------------------------------------------------------------------------------
# lowering: parameters and checks (pure Python)


def _model(**kw) -> bytes:
    """A small int16 SVDF written field by field, for the lowering tests."""
    a = dict(batch=1, n_in=3, filters=4, memory=2, rank=2, in_q=(0.5, -3), wf_scale=0.25,
             wt_scale=2.0**-10, state_q=(2.0**-4, 0), out_q=(2.0**-6, 7), state_dtype="int16",
             wt_dtype="int16", bias=True, bias_scale=None, wf_zp=0, wt_zp=0, wf_scales=None,
             state_shape=None, out_shape=None, options=None, extra_op=False, n_inputs=5,
             input_shape=None, state_const=False)
    a.update(kw)
    units = a["filters"] // a["rank"]
    b = rt.VariableModelBuilder()
    x = b.add_input(a["input_shape"] or (a["batch"], a["n_in"]), *a["in_q"])
    wf = b.add_const(np.ones((a["filters"], a["n_in"]), np.int8),
                     scale=a["wf_scales"] or a["wf_scale"], zero_point=a["wf_zp"],
                     name="weights_feature")
    wt = b.add_const(np.arange(a["filters"] * a["memory"]).reshape(a["filters"], a["memory"])
                     .astype(a["wt_dtype"]), scale=a["wt_scale"], zero_point=a["wt_zp"],
                     name="weights_time")
    bias = -1
    if a["bias"]:
        bias_scale = a["bias_scale"] or float(np.float32(a["state_q"][0])
                                              * np.float32(a["wt_scale"]))
        bias = b.add_const(np.array([10 * (i + 1) for i in range(units)], np.int32),
                           scale=bias_scale, zero_point=0, name="bias")
    state_shape = a["state_shape"] or (a["batch"], a["memory"] * a["filters"])
    if a["state_const"]:
        state = b.add_const(np.zeros(state_shape, a["state_dtype"]), scale=a["state_q"][0],
                            zero_point=a["state_q"][1], name="state")
    else:
        state = b.add_variable(state_shape, a["state_dtype"], *a["state_q"])
    out_shape = a["out_shape"] or (a["batch"], units)
    inputs = (x, wf, wt, bias, state)[:a["n_inputs"]]
    opts = a["options"] if a["options"] is not None else svdf_options(a["rank"])
    if a["extra_op"]:
        mid = b.add_tensor(out_shape, scale=a["out_q"][0], zero_point=a["out_q"][1], name="mid")
        y = b.add_output(out_shape, *a["out_q"])
        b.add_operator("SVDF", inputs, (mid,), opts)
        b.add_operator("RELU", (mid,), (y,))
    else:
        y = b.add_output(out_shape, *a["out_q"])
        b.add_operator("SVDF", inputs, (y,), opts if opts != "none" else None)
    return b.build()


def test_lowering_params():
    call = kt.lower_op(_model())
    p = call.params
    assert call.function == "mf_svdf_s8" and call.kernel == "svdf"
    assert call.params_type == "mf_svdf_params"
    assert (p.batch, p.input_size, p.num_filters, p.memory_size, p.rank, p.num_units) == (
        1, 3, 4, 2, 2, 2)
    assert p.input_offset == 3 and p.output_offset == 7 and p.state_zero_point == 0
    # scale 1 = 0.5 * 0.25 / 2^-4 = 2 -> (2^30, 2); scale 2 = 2^-4 * 2^-10 / 2^-6 = 2^-8
    assert (p.feature_multiplier, p.feature_shift) == (2**30, 2)
    assert (p.output_multiplier, p.output_shift) == (2**30, -7)
    assert (p.state_min, p.state_max) == (-32768, 32767)
    assert p.weights_time_s8 is None and p.weights_time_s16.c_type == "int16_t"
    assert p.weights_time_s16.values.tolist() == list(range(8))
    assert p.bias.values.tolist() == [10, 20]
    graph = kt.read_graph(_model())
    state = graph.operators[0].inputs[4]
    assert p.state == state_ref(state) and call.state == (state,) and call.scratch_bytes == 0
    assert [c.name for c in call.constants] == ["op0_weights_feature", "op0_weights_time",
                                                "op0_bias"]
    assert call.inputs == (graph.inputs[0],) and call.outputs == (graph.outputs[0],)
    assert call.macs == 4 * (3 + 2)


def test_lowering_int8_state():
    call = kt.lower_op(_model(state_dtype="int8", wt_dtype="int8", state_q=(2.0**-4, -5)))
    p = call.params
    assert (p.state_min, p.state_max, p.state_zero_point) == (-128, 127, -5)
    assert p.weights_time_s16 is None and p.weights_time_s8.c_type == "int8_t"
    assert call.scratch_bytes == 0 and len(call.state) == 1


def test_lowering_scales_are_float32_products():
    """TFLite-Micro computes f32(f32(in * wf) / state) in float, then widens to double."""
    from mcuforge.compile import quant
    in_s, wf_s, st_s = 0.1, 0.3, 0.07
    p = kt.lower_op(_model(in_q=(in_s, 0), wf_scale=wf_s, state_q=(st_s, 0))).params
    f = np.float32
    in32, wf32, st32 = f(in_s), f(wf_s), f(st_s)
    expected = quant.quantize_multiplier(float(f(in32 * wf32) / st32))
    assert (p.feature_multiplier, p.feature_shift) == expected


def test_options_parsed():
    graph = kt.read_graph(_model(options=svdf_options(2, RELU)))
    opts = graph.operators[0].options
    assert opts.rank == 2 and opts.activation is RELU and opts.asymmetric_quantize_inputs is False


@pytest.mark.parametrize("kw,error,words", [
    (dict(bias=False), UnsupportedModelError, "has no bias"),
    (dict(bias_scale=0.5), UnsupportedModelError, "not within 1e-5"),
    (dict(wf_scales=(0.25, 0.25, 0.5, 0.5)), UnsupportedModelError,
     "weights_feature tensor 'weights_feature' is quantized per channel"),
    (dict(wf_zp=2), UnsupportedModelError, "zero point 2"),
    (dict(wt_zp=-1), UnsupportedModelError, "zero point -1"),
    (dict(state_dtype="int8"), UnsupportedModelError, "reads the state as the time weights' type"),
    (dict(wt_dtype="int32"), UnsupportedModelError, "the int8 SVDF takes int16 or int8"),
    (dict(rank=3, filters=4), ModelFileError, "not a multiple of the rank 3"),
    (dict(input_shape=(1, 1, 3)), ModelFileError, "expected 2 dimensions"),
    (dict(out_shape=(1, 3)), ModelFileError, "gives [1, 2]"),
    (dict(state_shape=(1, 9)), ModelFileError, "expected [1, 8]"),
    (dict(state_const=True), UnsupportedModelError, "is a constant"),
    (dict(n_inputs=4), ModelFileError, "has 4 inputs"),
    (dict(state_q=(1e-12, 0)), UnsupportedModelError, "too large"),
    (dict(in_q=(0.5, 0), state_q=(2.0**-4, 0), out_q=(2.0**-6, 0), options="none"),
     ModelFileError, "has no SVDFOptions"),
    (dict(options=tb.RawOptions(TAG, SLOTS, ((0, "int32", 0),))), ModelFileError, "rank is 0"),
])
def test_lowering_rejects(kw, error, words):
    with pytest.raises(error) as info:
        kt.lower_op(_model(**kw))
    message = str(info.value)
    assert words in message and "\n" not in message
    if error is UnsupportedModelError or "inputs" in words or "rank 3" in words:
        assert "op 0 (SVDF)" in message


def test_lowering_rejects_int16_input():
    b = rt.VariableModelBuilder()
    x = b.add_input((1, 3), 0.5, 0, dtype="int16")
    wf = b.add_const(np.ones((2, 3), np.int8), scale=0.25, zero_point=0)
    wt = b.add_const(np.ones((2, 2), np.int16), scale=0.01, zero_point=0)
    bias = b.add_const(np.zeros(2, np.int32), scale=0.01 * 0.1, zero_point=0)
    state = b.add_variable((1, 4), "int16", 0.1, 0)
    y = b.add_output((1, 2), 0.1, 0, dtype="int16")
    b.add_operator("SVDF", (x, wf, wt, bias, state), (y,), svdf_options(1))
    with pytest.raises(UnsupportedModelError, match=r"op 0 \(SVDF\): input tensor 'input' is "
                                                    r"int16; only int8"):
        kt.lower_op(b.build())


def _write(tmp_path: Path, model: bytes) -> Path:
    path = tmp_path / "model.tflite"
    path.write_bytes(model)
    return path


@pytest.mark.host
def test_state_carries_over_past_a_reference_chunk(tmp_path: Path, host_cc: str):
    """The reference runs inputs in chunks of 256, each on a fresh interpreter: for a model with
    state, emulate keeps one interpreter for the whole sequence, as the generated code keeps its
    state (without that, vectors 256 and 257 of this memory-3 SVDF differ)."""
    from mcuforge.codegen import render_program
    from mcuforge.emulate import check_on_host

    model = svdf_model(CASES[0])
    c_dir = render_program(compile_model(_write(tmp_path, model)), tmp_path / "c", model)
    inputs = kt.case_rng("chunks").integers(-128, 128, size=(260, CASES[0].input_size),
                                            dtype=np.int8)
    result = check_on_host(c_dir, inputs, tmp_path / "build")
    assert np.array_equal(result.generated, result.tflm), kt.first_differences(result.generated,
                                                                               result.tflm)

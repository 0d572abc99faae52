"""Models with several inputs and outputs through the whole chain: compile (order, arena), the
generated C API (indexed and packed), model_info.json, vector files, host emulation and one
board under QEMU, every output compared with TFLite-Micro on every element."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tflite_builder as tb
from board_testing import one_line_error
from conftest import require_tool
from mcuforge.cli import main
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.emulate import check_on_host
from mcuforge.emulate.compare import compare_outputs
from mcuforge.emulate.vectors import pack, random_vectors, unpack
from mcuforge.errors import UnsupportedModelError
from mcuforge.reference import tflm_run
from mcuforge.tflite.graph import (
    AddOptions,
    ConcatenationOptions,
    FullyConnectedOptions,
    Padding,
    Pool2DOptions,
    SoftmaxOptions,
)
from mcuforge.tflite.reader import read_model


def _f32(x: float) -> float:
    """A scale as the .tflite stores it (float32)."""
    return float(np.float32(x))


def two_by_two() -> bytes:
    """Inputs 'image' and 'mask' ([1, 4, 4, 3] each, different quantization, and the tensor of
    'mask' made first so tensor order and input order differ). Outputs, in this order: 'head' =
    FULLY_CONNECTED(image) [1, 5], 'merged' = CONCATENATION(ADD(image, mask), ADD(mask, mask))
    [1, 4, 4, 6]: the subgraph lists the last op's output first."""
    rng = np.random.default_rng(10)
    b = tb.ModelBuilder()
    mask = b.add_tensor((1, 4, 4, 3), scale=0.08, zero_point=7, name="mask")
    image = b.add_tensor((1, 4, 4, 3), scale=0.05, zero_point=-3, name="image")
    b.inputs += [image, mask]
    total = b.add_tensor((1, 4, 4, 3), scale=0.11, zero_point=2, name="sum")
    b.add_operator("ADD", (image, mask), (total,), AddOptions())
    double = b.add_tensor((1, 4, 4, 3), scale=0.11, zero_point=2, name="double")
    b.add_operator("ADD", (mask, mask), (double,), AddOptions())
    merged = b.add_tensor((1, 4, 4, 6), scale=0.11, zero_point=2, name="merged")
    b.add_operator("CONCATENATION", (total, double), (merged,), ConcatenationOptions(axis=3))
    w = b.add_const(rng.integers(-127, 128, (5, 48), dtype=np.int8), scale=0.01)
    bias = b.add_const(rng.integers(-500, 500, 5).astype(np.int32), scale=0.05 * 0.01)
    head = b.add_tensor((1, 5), scale=0.2, zero_point=-10, name="head")
    b.add_operator("FULLY_CONNECTED", (image, w, bias), (head,), FullyConnectedOptions())
    b.outputs += [head, merged]
    return b.build()


def one_by_three() -> bytes:
    """One input [1, 4, 4, 2]; outputs 'probs' = SOFTMAX(logits) [1, 6], 'pool' = MAX_POOL_2D
    [1, 2, 2, 2] and 'logits' [1, 6], which SOFTMAX also reads."""
    rng = np.random.default_rng(11)
    b = tb.ModelBuilder()
    x = b.add_input((1, 4, 4, 2), 0.04, 5, name="x")
    pool = b.add_tensor((1, 2, 2, 2), scale=0.04, zero_point=5, name="pool")
    b.add_operator("MAX_POOL_2D", (x,), (pool,), Pool2DOptions(Padding.VALID, 2, 2, 2, 2))
    w = b.add_const(rng.integers(-127, 128, (6, 32), dtype=np.int8), scale=0.02)
    bias = b.add_const(rng.integers(-300, 300, 6).astype(np.int32), scale=0.04 * 0.02)
    logits = b.add_tensor((1, 6), scale=0.15, zero_point=3, name="logits")
    b.add_operator("FULLY_CONNECTED", (x, w, bias), (logits,), FullyConnectedOptions())
    probs = b.add_tensor((1, 6), scale=1 / 256, zero_point=-128, name="probs")
    b.add_operator("SOFTMAX", (logits,), (probs,), SoftmaxOptions())
    b.outputs += [probs, pool, logits]
    return b.build()


@pytest.fixture(scope="session")
def models(tmp_path_factory) -> dict[str, Path]:
    """The two models as .tflite files and their generated folders, once per session."""
    root = tmp_path_factory.mktemp("multi_io")
    out = {}
    for name, build in (("two_by_two", two_by_two), ("one_by_three", one_by_three)):
        tflite = root / f"{name}.tflite"
        tflite.write_bytes(build())
        render_program(compile_graph(read_model(str(tflite))), root / name, tflite.read_bytes())
        out[name] = root / name
    return out


def test_compile_keeps_the_subgraph_order_and_plans_inputs_and_outputs_live(tmp_path):
    tflite = tmp_path / "m.tflite"
    tflite.write_bytes(two_by_two())
    program = compile_graph(read_model(str(tflite)))
    assert [t.name for t in program.inputs] == ["image", "mask"]
    assert [t.name for t in program.outputs] == ["head", "merged"]
    assert [t.shape for t in program.outputs] == [(1, 5), (1, 4, 4, 6)]
    assert [(t.scale, t.zero_point) for t in program.inputs] == [(_f32(0.05), -3), (_f32(0.08), 7)]
    end = len(program.calls)
    for t in program.inputs:
        assert program.slot(t.tensor).first_use == -1
    for t in program.outputs:
        assert program.slot(t.tensor).last_use == end
    # inputs are live together, and so are outputs: no two of either share bytes
    for group in (program.inputs, program.outputs):
        a, b = (program.slot(t.tensor) for t in group)
        assert a.end <= b.offset or b.end <= a.offset


def test_a_constant_output_is_one_line_error(tmp_path):
    b = tb.ModelBuilder()
    x = b.add_input((1, 4), 0.1, 0)
    y = b.add_output((1, 4), 0.1, 0)
    b.add_operator("ADD", (x, x), (y,), AddOptions())
    b.outputs.append(b.add_const(np.zeros((1, 4), np.int8), scale=0.1, name="fixed"))
    path = tmp_path / "m.tflite"
    path.write_bytes(b.build())
    with pytest.raises(UnsupportedModelError, match=r"m\.tflite: output 1 tensor 'fixed' is a constant"):
        compile_graph(read_model(str(path)))


def test_model_info_and_header_list_every_input_and_output(models):
    info = json.loads((models["two_by_two"] / "model_info.json").read_text())
    assert [(t["name"], t["shape"], t["dtype"], t["scale"], t["zero_point"], t["bytes"])
            for t in info["inputs"]] == [("image", [1, 4, 4, 3], "int8_t", _f32(0.05), -3, 48),
                                         ("mask", [1, 4, 4, 3], "int8_t", _f32(0.08), 7, 48)]
    assert [(t["name"], t["shape"], t["bytes"]) for t in info["outputs"]] == [
        ("head", [1, 5], 5), ("merged", [1, 4, 4, 6], 96)]
    header = (models["two_by_two"] / "two_by_two.h").read_text()
    for line in ("#define TWO_BY_TWO_INPUTS 2", "#define TWO_BY_TWO_OUTPUTS 2",
                 '#define TWO_BY_TWO_INPUT1_NAME "mask"', "#define TWO_BY_TWO_INPUT1_OFFSET 48",
                 f"#define TWO_BY_TWO_INPUT1_SCALE {_f32(0.08)!r}\n", "#define TWO_BY_TWO_INPUT1_ZERO_POINT (7)",
                 "#define TWO_BY_TWO_OUTPUT1_SHAPE {1, 4, 4, 6}", "#define TWO_BY_TWO_OUTPUT1_RANK 4",
                 "#define TWO_BY_TWO_INPUT_SIZE 96", "#define TWO_BY_TWO_OUTPUT_SIZE 101",
                 "int two_by_two_invoke(const int8_t *input, int8_t *output);",
                 "void *two_by_two_input(int i);", "const void *two_by_two_output(int i);"):
        assert line in header, line
    # the single-tensor zero-point macros would be ambiguous with several tensors
    assert "TWO_BY_TWO_INPUT_ZERO_POINT" not in header


_INDEXED_MAIN = r"""
#include <stdio.h>
#include <string.h>
#include "{name}.h"

/* The indexed API: each input written where <name>_input(i) points, each output read where
 * <name>_output(i) points; the packed layout on stdin/stdout is the same as the host driver's. */
int main(void)
{{
    static int8_t in[{P}_INPUT_SIZE];
    static const int sizes_in[] = {sizes_in}, offsets_in[] = {offsets_in};
    static const int sizes_out[] = {sizes_out};
    int i;
    if ({name}_input({P}_INPUTS) != NULL || {name}_output(-1) != NULL) {{
        return 5;
    }}
    while (fread(in, 1, sizeof in, stdin) == sizeof in) {{
        for (i = 0; i < {P}_INPUTS; ++i) {{
            memcpy({name}_input(i), in + offsets_in[i], (size_t)sizes_in[i]);
        }}
        if ({name}_run() != 0) {{
            return 3;
        }}
        for (i = 0; i < {P}_OUTPUTS; ++i) {{
            fwrite({name}_output(i), 1, (size_t)sizes_out[i], stdout);
        }}
    }}
    return 0;
}}
"""


@pytest.mark.host
def test_indexed_api_gives_what_invoke_gives_and_tflm(models, tmp_path, host_cc):
    """<name>_input(i)/_run()/_output(i) compiled into a program of our own, on the same vectors
    as the packed <name>_invoke (the host driver): both equal TFLite-Micro on every output."""
    c_dir = models["two_by_two"]
    info = ModelInfo.load(c_dir)
    vectors = random_vectors(6, info.inputs, seed=4)
    host = check_on_host(info, vectors.inputs, tmp_path / "host", with_litert=False)
    assert host.vs_tflm.ok and host.vs_tflm.vectors == 6

    def braces(values):
        return "{" + ", ".join(map(str, values)) + "}"

    offsets = np.cumsum([0] + [t.size for t in info.inputs])[:-1]
    main_c = tmp_path / "indexed.c"
    main_c.write_text(_INDEXED_MAIN.format(
        name=info.name, P=info.macro_prefix, sizes_in=braces(t.size for t in info.inputs),
        offsets_in=braces(offsets), sizes_out=braces(t.size for t in info.outputs)))
    exe = tmp_path / "indexed"
    # the model's code and the kernels it includes (not all of kernels/: a faster build)
    model_c = c_dir / f"{info.name}.c"
    used = re.findall(r'#include "(kernels/\w+)\.h"', model_c.read_text())
    subprocess.run([host_cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", str(c_dir), str(main_c),
                    str(model_c), *(str(c_dir / f"{k}.c") for k in used), "-o", str(exe)], check=True)
    result = subprocess.run([str(exe)], input=pack(vectors.inputs, info.inputs).tobytes(),
                            capture_output=True, check=True)
    flat = np.frombuffer(result.stdout, np.int8).reshape(6, -1)
    got = unpack(flat, info.outputs)
    tflm = tflm_run(info.tflite_path.read_bytes(), vectors.inputs, 2)
    assert [g.shape for g in got] == [(6, 5), (6, 4, 4, 6)]
    for g, h, t in zip(got, host.generated_outputs, tflm):
        assert np.array_equal(g, t) and np.array_equal(h, t)


@pytest.mark.host
def test_vectors_by_name_and_outputs_saved_per_output(models, tmp_path, capsys, host_cc):
    """`emulate --host` on an .npz keyed by input names (in the file's own order, not the model's),
    and on one keyed input_0/input_1; --save-outputs writes each output under its name."""
    c_dir = models["two_by_two"]
    info = ModelInfo.load(c_dir)
    rng = np.random.default_rng(1)
    image = rng.integers(-128, 128, (7, 4, 4, 3), dtype=np.int8)
    mask = rng.integers(-128, 128, (7, 4, 4, 3), dtype=np.int8)
    np.savez(tmp_path / "named.npz", mask=mask, image=image)
    np.savez(tmp_path / "indexed.npz", input_1=mask, input_0=image)
    tflm = tflm_run(info.tflite_path.read_bytes(), (image, mask), 2)
    for vectors in ("named.npz", "indexed.npz"):
        out = tmp_path / f"out_{vectors}"
        code = main(["emulate", str(c_dir), "--host", "--vectors", str(tmp_path / vectors),
                     "--save-outputs", str(out), "--json", "--quiet"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        r = json.loads(captured.out.strip().splitlines()[-1])
        assert r["vectors"] == 7 and r["bit_exact"] == 7
        with np.load(out) as saved:
            assert sorted(saved.files) == ["head", "merged"]
            assert np.array_equal(saved["head"], tflm[0]) and np.array_equal(saved["merged"], tflm[1])
    # a swap of the two inputs is caught: the outputs differ from TFLite-Micro's on those inputs
    swapped = tflm_run(info.tflite_path.read_bytes(), (mask, image), 2)
    assert not compare_outputs(swapped, tflm, ["head", "merged"]).ok


@pytest.mark.host
def test_vectors_file_errors_name_the_input(models, tmp_path, capsys, host_cc):
    c_dir = models["two_by_two"]
    ok = np.zeros((3, 4, 4, 3), np.int8)
    cases = {
        "missing.npz": (dict(image=ok), "no array for input 1 'mask' (looked for 'mask' or 'input_1'"),
        "shape.npz": (dict(image=ok, mask=np.zeros((3, 4, 3, 4), np.int8)),
                      "'mask' have shape [3, 4, 3, 4]; the model takes [N, 4, 4, 3]"),
        "count.npz": (dict(image=ok, mask=np.zeros((2, 4, 4, 3), np.int8)), "(N = 3, as 'image')"),
        "dtype.npz": (dict(image=ok.astype(np.int16), mask=ok), "'image' are int16; the model takes int8"),
    }
    for name, (arrays, fragment) in cases.items():
        np.savez(tmp_path / name, **arrays)
        code = main(["emulate", str(c_dir), "--host", "--vectors", str(tmp_path / name)])
        one_line_error(capsys, code, str(tmp_path / name), fragment)
    code = main(["emulate", str(c_dir), "--host", "--save-outputs", str(tmp_path / "out.txt")])
    one_line_error(capsys, code, "out.txt: the outputs file must be an .npz")
    # a single-input model keeps the documented 'inputs' key, and takes its name or input_0 too
    one = models["one_by_three"]
    x = np.random.default_rng(2).integers(-128, 128, (2, 4, 4, 2), dtype=np.int8)
    for key in ("inputs", "x", "input_0"):
        np.savez(tmp_path / f"{key}.npz", **{key: x})
        assert main(["emulate", str(one), "--host", "--vectors", str(tmp_path / f"{key}.npz"),
                     "--quiet"]) == 0
    capsys.readouterr()


@pytest.mark.host
def test_one_input_three_outputs_bit_exact_on_host(models, tmp_path, host_cc):
    info = ModelInfo.load(models["one_by_three"])
    vectors = random_vectors(8, info.inputs, seed=3)
    check = check_on_host(info, vectors.inputs, tmp_path / "host")
    assert [t.name for t in info.outputs] == ["probs", "pool", "logits"]
    assert [g.shape for g in check.generated_outputs] == [(8, 6), (8, 2, 2, 2), (8, 6)]
    assert check.vs_tflm.ok and check.vs_tflm.vectors == 8
    assert check.vs_litert is not None and check.vs_litert.vectors == 8   # reported, not asserted
    with pytest.raises(ValueError, match="3 tensors"):
        check.generated   # noqa: B018 - a single-output accessor on a model with three


@pytest.mark.host
def test_an_input_as_output_and_a_repeated_output(tmp_path, host_cc):
    """Outputs [y, x, y]: the input x itself (live throughout) and y twice, as TFLite-Micro gives."""
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.1, 3, name="x")
    y = b.add_output((1, 8), 0.2, -1, name="y")
    b.add_operator("ADD", (x, x), (y,), AddOptions())
    b.outputs += [x, y]
    tflite = tmp_path / "m.tflite"
    tflite.write_bytes(b.build())
    render_program(compile_graph(read_model(str(tflite))), tmp_path / "c", tflite.read_bytes())
    info = ModelInfo.load(tmp_path / "c")
    vectors = random_vectors(4, info.inputs, seed=1)
    check = check_on_host(info, vectors.inputs, tmp_path / "host", with_litert=False)
    assert check.vs_tflm.ok and check.vs_tflm.vectors == 4
    assert np.array_equal(check.generated_outputs[1], vectors.inputs[0])
    assert np.array_equal(check.generated_outputs[0], check.generated_outputs[2])


def test_compare_outputs_names_the_output():
    a = (np.zeros((2, 3), np.int8), np.zeros((2, 2, 2), np.int8))
    b = (a[0].copy(), a[1].copy())
    b[1][1, 0, 1] = 4
    cmp = compare_outputs(a, b, ["head", "merged"])
    assert (cmp.vectors, cmp.exact, cmp.max_abs_diff) == (2, 1, 4)
    assert cmp.describe_mismatches() == "vector 1 output 1 'merged' at [0, 1]: got 0, expected 4"


@pytest.mark.qemu
@pytest.mark.cross
def test_two_by_two_on_mps2_an386_with_profile(models, capsys):
    """INFER and PROFILE carry both inputs and return both outputs; every output is compared."""
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    code = main(["emulate", str(models["two_by_two"]), "--board", "mps2_an386", "--random", "3",
                 "--profile", "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["vectors"] == 3 and r["bit_exact"] == 3
    assert len(r["layers"]) == 4 and all(la["instructions"] > 0 for la in r["layers"])


@pytest.mark.qemu
@pytest.mark.cross
def test_bench_runs_a_two_input_model(models, tmp_path, capsys):
    """`mcuforge bench` packs every input into each vector and checks every output."""
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    tflite = models["two_by_two"] / "model.tflite"
    code = main(["bench", str(tflite), "--boards", "mps2_an386", "--kernels", "portable",
                 "--vectors", "2", "--out", str(tmp_path / "bench"), "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["bit_exact"] == r["vectors"] == 2 and not r["failures"]

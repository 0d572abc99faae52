"""`mcuforge check MODEL.tflite`: the compiler's verdict on every op, its figures, the arena's
timeline and the fits per board, without generating code (host only)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import tflite_builder as tb
from conftest import shared_model
from mcuforge.boards import get_board, load_boards
from mcuforge.builder.toolchain import cpu_flags
from mcuforge.check import codesize
from mcuforge.cli import main
from mcuforge.compile import compile_graph
from mcuforge.compile.backends import Target, board_isa, default_backend
from mcuforge.errors import UnsupportedModelError
from mcuforge.tflite.graph import FullyConnectedOptions, ReshapeOptions, SoftmaxOptions
from mcuforge.tflite.reader import read_model, read_model_bytes

MLPERF = ("kws_ref_model.tflite", "pretrainedResnet_quant.tflite")


def run_check(capsys, *argv: str) -> tuple[int, dict, str]:
    """Exit code, the JSON document (the last line of stdout) and stderr."""
    code = main(["check", *argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out.strip().splitlines()[-1]), err


def one_line_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("name", MLPERF)
def test_mlperf_model_supported_with_compiles_figures(name, capsys):
    path = shared_model(name)
    code, doc, _ = run_check(capsys, str(path))
    program = compile_graph(read_model(path))          # what `mcuforge compile` reports
    assert code == 0 and doc["complete"] and doc["problems"] == []
    graph = read_model(path)
    assert [op["index"] for op in doc["ops"]] == [op.index for op in graph.operators]
    assert all(op["status"] in ("supported", "folded") for op in doc["ops"])
    assert [op["opcode"] for op in doc["ops"] if op["status"] == "supported"] == \
        [c.opcode for c in program.calls]
    assert doc["arena_bytes"] == program.arena_size
    assert doc["macs"] == program.macs and doc["weight_bytes"] == program.weight_bytes
    assert {f["board"] for f in doc["boards"]} == set(load_boards())
    for f in doc["boards"]:
        board = get_board(f["board"])
        assert f["kernels"] == default_backend(board)
        # the board's arena is `mcuforge compile --board`'s: its default kernels, with scratch
        for_board = compile_graph(graph, None, f["kernels"], Target(isa=board_isa(board)))
        assert f["arena_bytes"] == for_board.arena_size
        assert f["weight_bytes"] == for_board.weight_bytes
        assert f["scratch_bytes"] == for_board.scratch_bytes
        assert f["flash_capacity"] == board.code_region.length_bytes
        assert f["ram_capacity"] == board.data_region.length_bytes
        assert f["flash_bytes"] == (f["weight_bytes"] + f["kernel_code_bytes"] + f["graph_code_bytes"]
                                   + f["runtime_flash_bytes"])
        assert f["ram_bytes"] == f["arena_bytes"] + f["stack_bytes"] + f["runtime_ram_bytes"]
        # the stack the build reserved for the reference model there (a bound + margin: small)
        assert 256 <= f["stack_bytes"] <= 2048 and f["kernel_code_bytes"] > 0
        assert f["flash_margin"] == f["flash_capacity"] - f["flash_bytes"]
        assert f["ram_margin"] == f["ram_capacity"] - f["ram_bytes"]
        assert f["fits"] == (f["flash_margin"] >= 0 and f["ram_margin"] >= 0)
        assert f["measured"], f"{f['board']} is missing from firmware/code_sizes.json"


def test_timeline_is_the_plan(capsys):
    """Each call's live tensors are those whose lifetime covers it; the bytes add up, and the
    highest byte in use reaches the arena's end (less its alignment) at some call."""
    path = shared_model("kws_ref_model.tflite")
    code, doc, _ = run_check(capsys, str(path), "--board", "mps2_an386")
    program = compile_graph(read_model(path), None, "optimized", Target(isa="dsp"))
    assert code == 0 and len(doc["boards"]) == 1 and doc["boards"][0]["board"] == "mps2_an386"
    assert doc["arena_bytes"] == program.arena_size and doc["kernels"] == "optimized"
    assert len(doc["timeline"]) == len(program.calls)
    for k, row in enumerate(doc["timeline"]):
        live = [s for s in program.slots if s.first_use <= k <= s.last_use]
        assert row["op"] == program.calls[k].op_index
        assert row["tensors"] == sorted(s.tensor for s in live if s.tensor >= 0)
        assert row["bytes"] == sum(s.size for s in live)
        assert row["scratch_bytes"] == program.calls[k].scratch_bytes
    high = max(row["high_bytes"] for row in doc["timeline"])
    assert program.arena_size - 16 < high <= program.arena_size


def _unsupported_model() -> bytes:
    """input -> FULLY_CONNECTED -> LOG_SOFTMAX -> FULLY_CONNECTED (int16 output: the lowering
    refuses it) -> SOFTMAX: two unsupported ops, for different reasons."""
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.05, -3)
    w1 = b.add_const(np.arange(-16, 16, dtype=np.int8).reshape(4, 8), scale=0.02, zero_point=0)
    h = b.add_tensor((1, 4), scale=0.1, zero_point=2, name="hidden")
    b.add_operator("FULLY_CONNECTED", (x, w1, -1), (h,), FullyConnectedOptions())
    ls = b.add_tensor((1, 4), scale=16 / 256, zero_point=127, name="log_probs")
    b.add_operator("LOG_SOFTMAX", (h,), (ls,))
    w2 = b.add_const(np.arange(-8, 8, dtype=np.int8).reshape(4, 4), scale=0.02, zero_point=0)
    wide = b.add_tensor((1, 4), "int16", scale=0.001, zero_point=0, name="wide")
    b.add_operator("FULLY_CONNECTED", (ls, w2, -1), (wide,), FullyConnectedOptions())
    y = b.add_output((1, 4), 1 / 256, -128)
    b.add_operator("SOFTMAX", (wide,), (y,), SoftmaxOptions())
    return b.build()


def test_unsupported_ops_all_listed_with_the_lowerings_reason(tmp_path, capsys):
    path = tmp_path / "odd.tflite"
    path.write_bytes(_unsupported_model())
    code, doc, err = run_check(capsys, str(path))
    assert code != 0 and not doc["complete"]
    bad = [op for op in doc["ops"] if op["status"] == "unsupported"]
    assert [(op["index"], op["opcode"]) for op in bad] == [(1, "LOG_SOFTMAX"), (2, "FULLY_CONNECTED"),
                                                           (3, "SOFTMAX")]
    # each reason is the error compile raises for that op (compile stops at the first)
    graph = read_model_bytes(path.read_bytes(), "odd.tflite")
    with pytest.raises(UnsupportedModelError) as first:
        compile_graph(graph)
    assert "LOG_SOFTMAX v1 (op 1)" in str(first.value)
    from mcuforge.compile import lower_each
    for op in bad:
        [lowered] = [x for x in lower_each(graph) if x.op.index == op["index"]]
        assert op["error"] == str(lowered.error) and op["reason"] in op["error"]
    assert "int16" in bad[1]["reason"]
    line = one_line_error(err)
    assert "odd.tflite" in line and "3 problems" in line
    assert all(f"op {op['index']} ({op['opcode']} v{op['version']}): {op['reason']}" in line
               for op in bad)
    # the figures still come, as lower bounds, and the fits table is there
    assert doc["ops"][0]["status"] == "supported" and doc["macs"] == 32
    assert doc["arena_bytes"] > 0 and len(doc["boards"]) == len(load_boards())


def test_human_output_lists_ops_timeline_and_fits(capsys):
    code = main(["check", str(shared_model("kws_ref_model.tflite")), "--board", "nucleo_l031k6"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "DEPTHWISE_CONV_2D v3" in out and "int8[1,49,10,1]" in out
    assert "arena timeline" in out and "|#" in out
    assert "nucleo_l031k6" in out and "OVER" in out     # 32 KiB flash, 8 KiB RAM


@pytest.mark.parametrize("content, fragment", [
    (None, "no such file"),
    (b"hello, this is text and not a model\n" * 10, "not a tflite flatbuffer"),
])
def test_bad_file_is_one_line(tmp_path, capsys, content, fragment):
    path = tmp_path / "bad.tflite"
    if content is not None:
        path.write_bytes(content)
    code = main(["check", str(path)])
    _, err = capsys.readouterr()
    assert code != 0
    line = one_line_error(err)
    assert "bad.tflite" in line and fragment in line.lower(), line


def test_unknown_board_is_one_line(capsys):
    code = main(["check", str(shared_model("kws_ref_model.tflite")), "--board", "nope"])
    _, err = capsys.readouterr()
    assert code != 0 and "nope" in one_line_error(err)


def test_json_structure(capsys):
    code, doc, _ = run_check(capsys, str(shared_model("kws_ref_model.tflite")))
    assert code == 0
    for key, kind in (("model", str), ("sha256", str), ("complete", bool), ("ops", list),
                      ("macs", int), ("weight_bytes", int), ("arena_bytes", int),
                      ("scratch_bytes", int), ("timeline", list), ("boards", list),
                      ("problems", list), ("kernels", str)):
        assert isinstance(doc[key], kind), key
    op = doc["ops"][0]
    assert set(op) >= {"index", "opcode", "version", "status", "reason", "kernel", "macs",
                       "inputs", "outputs"}
    assert op["inputs"][0] == {"tensor": op["inputs"][0]["tensor"], "name": op["inputs"][0]["name"],
                               "dtype": "int8", "shape": [1, 49, 10, 1], "constant": False}
    assert op["inputs"][1]["constant"] is True
    assert set(doc["timeline"][0]) == {"step", "op", "opcode", "tensors", "scratch_bytes", "bytes",
                                       "high_bytes"}


def test_does_not_import_tensorflow_and_is_fast():
    code = (f"import sys, time; t = time.perf_counter(); from mcuforge.cli import main; "
            f"rc = main(['check', {str(shared_model('kws_ref_model.tflite'))!r}, '--json']); "
            f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            f"('tensorflow', 'keras', 'tflite_micro', 'ai_edge_litert')); "
            f"print(rc, heavy, time.perf_counter() - t, file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("0 [] "), run.stderr[-2000:]    # exit 0, no heavy module imported
    assert float(last.split()[-1]) < 20                    # seconds, on a loaded 2-core machine


def test_code_size_table_covers_every_board_and_kernel():
    """firmware/code_sizes.json has every board of boards.yaml and every portable kernel for each
    board's flags (measure it again with `python -m mcuforge.check.codesize` when this fails)."""
    table = codesize.load_table()
    portable = {k for k in codesize.kernel_sources() if k.startswith("portable/")}
    for board in load_boards().values():
        assert board.id in table["runtime"], board.id
        sizes = table["kernels"][" ".join(cpu_flags(board))]
        assert portable <= set(sizes), sorted(portable - set(sizes))
        if default_backend(board) == "optimized":
            isa = board_isa(board)
            assert any(k.startswith("optimized/") and k.endswith(f"_{isa}") for k in sizes), board.id


def test_folded_ops_and_model_problems_listed(tmp_path, capsys):
    """A RESHAPE to the same shape is folded away (and says so), and an op's problem (a SOFTMAX
    from int8 to int16) is listed with the op's version, as compile words it."""
    b = tb.ModelBuilder()
    x = b.add_input((1, 8), 0.05, -3)
    w = b.add_const(np.arange(-16, 16, dtype=np.int8).reshape(4, 8), scale=0.02, zero_point=0)
    h = b.add_tensor((1, 4), scale=0.1, zero_point=2, name="hidden")
    b.add_operator("FULLY_CONNECTED", (x, w, -1), (h,), FullyConnectedOptions())
    same = b.add_tensor((1, 4), scale=0.1, zero_point=2, name="same")
    shape = b.add_const(np.array([1, 4], dtype=np.int32))
    b.add_operator("RESHAPE", (h, shape), (same,), ReshapeOptions(new_shape=(1, 4)))
    y = b.add_output((1, 4), 1 / 256, -128, dtype="int16")
    b.add_operator("SOFTMAX", (same,), (y,), SoftmaxOptions())
    path = tmp_path / "folds.tflite"
    path.write_bytes(b.build())
    code, doc, err = run_check(capsys, str(path))
    assert code != 0
    assert [op["status"] for op in doc["ops"]] == ["supported", "folded", "unsupported"]
    assert "does not change the shape" in doc["ops"][1]["reason"]
    with pytest.raises(UnsupportedModelError) as compiled:
        compile_graph(read_model(path))
    reason = str(compiled.value).split("op 2 (SOFTMAX): ", 1)[1]
    assert doc["problems"][0] == f"op 2 (SOFTMAX v1): {reason}" and "int16" in reason
    assert reason in one_line_error(err)
    assert len(doc["timeline"]) == 2          # the folded RESHAPE is no call


@pytest.mark.cross
def test_code_size_table_matches_the_compiler(tmp_path):
    """One kernel measured again with arm-none-eabi-gcc gives the table's figure (the table is
    stale when a kernel changed without `python -m mcuforge.check.codesize`)."""
    from conftest import require_tool
    from mcuforge.codegen import render_program

    gcc = require_tool("arm-none-eabi-gcc")
    path = shared_model("kws_ref_model.tflite")
    render_program(compile_graph(read_model(path), "model"), tmp_path / "c", path.read_bytes())
    board = get_board("mps2_an386")
    for kernel in ("portable/fully_connected", "optimized/depthwise_conv2d_dsp"):
        measured = codesize.measure_kernel(gcc, cpu_flags(board), codesize.kernel_sources()[kernel],
                                           tmp_path / "c")
        assert measured == codesize.load_table()["kernels"][codesize.flags_key(board)][kernel], kernel


def test_board_missing_from_the_table_takes_the_largest_figures():
    import dataclasses

    path = shared_model("kws_ref_model.tflite")
    calls = compile_graph(read_model(path)).calls
    known = get_board("mps2_an385")
    new = dataclasses.replace(known, id="new_board")
    a, b = (codesize.estimate(calls, len(calls), 502, board) for board in (known, new))
    table = codesize.load_table()
    assert a.measured and not b.measured and "largest" in b.method()
    assert b.runtime_flash == max(r["flash"] for r in table["runtime"].values())
    assert b.flash_bytes >= a.flash_bytes and b.runtime_ram >= a.runtime_ram

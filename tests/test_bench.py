"""`mcuforge bench`: models x emulated boards x kernel backends in one table, every cell checked
bit for bit; kept to one small model on one board (CI time)."""

from __future__ import annotations

import json

import pytest

from conftest import require_tool
from many_ops_model import many_ops_model
from mcuforge.bench.command import (
    BenchError,
    add_ratios,
    bench_backends,
    default_models,
    layer_tables,
)
from mcuforge.bench.measure import BenchResult
from mcuforge.cli import main
from mcuforge.cmsis import CORE_ENV, NN_ENV


def _result(backend: str, instructions: int, board: str = "b") -> BenchResult:
    return BenchResult(model="m", board=board, backend=backend, isa="dsp", calls=3, portable_calls=0,
                       fallbacks=(), macs=1000, vectors=2, bit_exact=2, instructions=instructions,
                       instructions_min=instructions, instructions_max=instructions, arena_bytes=64,
                       scratch_bytes=0, code_bytes=1, flash_bytes=2, ram_bytes=3, stack_bytes=4,
                       stack_used_bytes=1, elf="x.elf", seconds=0.1)


@pytest.mark.host
def test_ratios_compare_backends_of_one_model_and_board():
    rows = add_ratios([_result("portable", 40_000), _result("optimized", 4_000),
                       _result("cmsis-nn", 8_000), _result("portable", 10, board="other")])
    by = {(r["board"], r["backend"]): r for r in rows}
    assert by["b", "optimized"]["vs_portable"] == 10.0 and by["b", "optimized"]["vs_cmsis_nn"] == 0.5
    assert by["b", "cmsis-nn"]["vs_portable"] == 5.0 and by["b", "portable"]["vs_portable"] == 1.0
    assert by["other", "portable"]["vs_cmsis_nn"] is None
    assert by["b", "optimized"]["instructions_per_mac"] == 4.0


@pytest.mark.host
def test_layer_table_puts_each_layer_of_every_backend_side_by_side():
    """--layers: one row per operator, the backends' instructions next to each other, a layer
    that fell back marked, optimized / cmsis-nn per layer and for the inference."""
    import dataclasses

    def layers(backend: str, conv: int, pool: int) -> tuple[dict, ...]:
        return ({"op": 0, "opcode": "CONV_2D", "backend": backend, "instructions": conv},
                {"op": 1, "opcode": "AVERAGE_POOL_2D", "backend": backend, "instructions": pool})

    rows = add_ratios([
        dataclasses.replace(_result("optimized", 3_000), layers=layers("optimized", 2_000, 900)),
        dataclasses.replace(_result("cmsis-nn", 6_000), layers=layers("cmsis_nn", 4_000, 600)),
        _result("portable", 9_000)])      # measured without --layers: no column
    [(title, columns, body)] = layer_tables(rows, ["portable", "optimized", "cmsis-nn"])
    assert title == "per-layer instructions: m on b"
    assert columns == ["op", "opcode", "optimized", "cmsis-nn", "opt / cmsis-nn"]
    assert body[0] == ["0", "CONV_2D", "2,000", "4,000", "0.50"]
    assert body[1] == ["1", "AVERAGE_POOL_2D", "900", "600", "1.50"]
    assert body[2] == ["", "inference", "3,000", "6,000", "0.50"]
    fell_back = dataclasses.replace(_result("optimized", 3_000), layers=layers("portable", 1, 2))
    [(_, _, body)] = layer_tables(add_ratios([fell_back]), ["optimized"])
    assert body[0] == ["0", "CONV_2D", "1 (portable)"]


@pytest.mark.host
def test_backend_list_and_default_models(tmp_path, monkeypatch):
    assert bench_backends(None) == ["portable", "optimized", "cmsis-nn"]
    assert bench_backends("optimized, portable,optimized") == ["optimized", "portable"]
    with pytest.raises(BenchError, match="unknown backend"):
        bench_backends("portable,fast")
    (tmp_path / "runs" / "kws").mkdir(parents=True)
    (tmp_path / "runs" / "kws" / "model.tflite").write_bytes(b"x")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "a.tflite").write_bytes(b"x")
    monkeypatch.setenv("MCUFORGE_BENCH_MODELS", str(tmp_path / "more"))
    found = default_models(tmp_path / "runs")
    assert found[:2] == [(tmp_path / "runs" / "kws" / "model.tflite").resolve(),
                         (tmp_path / "more" / "a.tflite").resolve()]


@pytest.mark.qemu
@pytest.mark.cross
def test_bench_one_model_one_board(tmp_path, capsys, monkeypatch):
    """Portable and optimized kernels on mps2_an386, bit-exact; cmsis-nn skipped with a note when
    CMSIS-NN is not found; one table with the ratio between the backends."""
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    monkeypatch.delenv(NN_ENV, raising=False)
    monkeypatch.delenv(CORE_ENV, raising=False)
    model = tmp_path / "many_ops.tflite"
    model.write_bytes(many_ops_model())
    code = main(["bench", str(model), "--boards", "mps2_an386", "--kernels", "portable,optimized,cmsis-nn",
                 "--vectors", "2", "--out", str(tmp_path / "bench"), "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert [(row["board"], row["backend"]) for row in r["rows"]] == [("mps2_an386", "portable"),
                                                                    ("mps2_an386", "optimized")]
    assert r["bit_exact"] == r["vectors"] == 4 and not r["failures"]
    assert len(r["skipped"]) == 1 and "cmsis-nn skipped" in r["skipped"][0] and NN_ENV in r["skipped"][0]
    portable, optimized = r["rows"]
    assert portable["vs_portable"] == 1.0 and optimized["vs_portable"] > 1.0
    assert optimized["isa"] == "dsp" and optimized["instructions"] < portable["instructions"]
    for row in r["rows"]:
        assert row["instructions"] > 0 and row["flash_bytes"] > row["code_bytes"] > 0
        assert row["ram_bytes"] >= row["arena_bytes"] + row["stack_bytes"]
        assert row["arena_bytes"] >= row["scratch_bytes"] >= 0
    assert "mcuforge bench" in captured.err and "x portable" in captured.err

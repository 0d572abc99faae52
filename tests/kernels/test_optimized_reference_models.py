"""The optimized backend on the MLPerf Tiny reference models (../shared/models), on every
emulated board, through `mcuforge emulate --board`: every output of every vector equal to
TFLite-Micro. The M3 has neither DSP nor Helium, so it runs the portable kernels there (the
summary says so); the M4, M7 and M33 run the DSP kernels, the M55 the Helium ones."""

from __future__ import annotations

import json

import pytest

from conftest import require_tool, shared_model
from mcuforge.boards import load_boards
from mcuforge.cli import main

MODELS = ["kws_ref_model.tflite", "pretrainedResnet_quant.tflite"]
# the MPS boards (exact counters); the UART boards have tests/test_uart_boards.py
EMULATED = [b.id for b in load_boards().values() if b.counts_exactly]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    out = {}
    for name in MODELS:
        folder = tmp_path_factory.mktemp("opt") / "c"
        assert main(["compile", str(shared_model(name)), "--out", str(folder), "--quiet"]) == 0
        out[name] = folder
    return out


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.parametrize("board", EMULATED)
@pytest.mark.parametrize("name", MODELS)
def test_optimized_bit_exact_on_board(name, board, compiled, capsys):
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    code = main(["emulate", str(compiled[name]), "--board", board, "--random", "4",
                 "--kernels", "optimized", "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["vectors"] == 4 and r["bit_exact"] == 4
    with capsys.disabled():
        print(f"\n  {name} optimized on {board}: {r['instructions']:,} instructions, 4/4 bit-exact")

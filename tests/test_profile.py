"""Per-layer cost on the emulated boards (`emulate --board B --profile`, the PROFILE command):
every kernel call timed with the exact counter method, the rows summing to the whole inference
within the invoke's own overhead; the greeting names the kernels the folder was generated for."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from conftest import require_tool
from many_ops_model import many_ops_model
from mcuforge.boards import get_board, load_boards
from mcuforge.builder import build_firmware
from mcuforge.cli import main
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.emulate.protocol import PROTOCOL_VERSION, parse_hello
from mcuforge.emulate.qemu import QemuMachine, check_greeting
from mcuforge.errors import EmulationError
from mcuforge.tflite.reader import read_model

# the MPS boards (exact counters); the UART boards have tests/test_uart_boards.py
EMULATED = [b.id for b in load_boards().values() if b.counts_exactly]


@pytest.fixture(scope="module")
def small_c(tmp_path_factory):
    """The many-ops test model (every lowered op, 9,256 MACs), generated with portable kernels."""
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    folder = tmp_path_factory.mktemp("many_ops")
    tflite = folder / "many_ops.tflite"
    tflite.write_bytes(many_ops_model())
    render_program(compile_graph(read_model(str(tflite)), "many_ops"), folder / "c", tflite.read_bytes())
    return folder / "c"


@pytest.mark.host
def test_greeting_must_name_the_folders_kernels():
    line = (f"MCUFORGE {PROTOCOL_VERSION} fw=0.1.0 board=b model=m sha256={'a' * 64} in=4 out=2 "
            f"arena=16 kernels=optimized isa=dsp calls=3 counter=cmsdk_timer hz=25000000 "
            f"overhead=26 mark=48")
    hello = parse_hello(line)
    assert hello is not None
    check_greeting("b", hello, "a" * 64, 4, "optimized", "dsp", 3)
    with pytest.raises(EmulationError, match="built with kernels=optimized, the model folder says portable"):
        check_greeting("b", hello, "a" * 64, 4, "portable", "dsp")
    with pytest.raises(EmulationError, match="isa=dsp"):
        check_greeting("b", hello, "a" * 64, 4, "optimized", "mve")
    with pytest.raises(EmulationError, match="3 kernel calls"):
        check_greeting("b", hello, "a" * 64, 4, calls=4)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.parametrize("board", EMULATED)
def test_layer_rows_sum_to_the_inference(small_c, capsys, board):
    """On every emulated board (its default kernels): one row per kernel call, each with positive
    instructions, and their sum within 1 % of the whole inference (what is left is the invoke's
    copies of input and output and its call sequence); the table is printed."""
    code = main(["emulate", str(small_c), "--board", board, "--random", "3", "--profile", "--json",
                 "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    layers = r["layers"]
    model = ModelInfo.load(small_c)
    assert [la["opcode"] for la in layers] == [la.opcode for la in model.layers]
    assert all(la["instructions"] > 0 for la in layers), layers
    total = r["instructions"]
    layer_sum = sum(la["instructions"] for la in layers)
    assert layer_sum == r["layer_sum_instructions"]
    assert abs(total - layer_sum) <= 0.01 * total, (total, layer_sum)
    assert 0 < r["layer_mark_instructions"] < 60
    assert abs(sum(la["share"] for la in layers) - layer_sum / total) < 1e-3
    assert "per-layer profile" in captured.err and "kernel calls" in captured.err
    print(f"{board} ({r['kernels']}): {layer_sum:,} of {total:,} instructions in the layers, "
          f"hook {r['layer_mark_instructions']} subtracted per layer")


@pytest.mark.qemu
@pytest.mark.cross
def test_profile_command_over_the_wire(small_c, tmp_path):
    """PROFILE answers one tick count per call and the same output as INFER; a bad checksum is
    an ERR line and the device keeps serving."""
    board = get_board("mps2_an385")
    model = ModelInfo.load(small_c)
    fw = build_firmware(model, board, tmp_path / "fw", platformio=False)
    data = np.random.default_rng(5).integers(-128, 128, model.input.size, dtype=np.int8).tobytes()
    with QemuMachine(board, fw.elf, timeout=30) as machine:
        session = machine.start()
        hello = session.wait_hello()
        assert hello.get("kernels") == fw.model.backend and hello.get("isa") == fw.model.isa
        assert hello.int("calls") == len(model.layers) and hello.int("mark") > 0
        inferred = session.infer(data)
        profiled = session.profile(data)
        assert profiled.status == 0 and profiled.output == inferred.output
        assert len(profiled.layer_ticks) == len(model.layers) and all(t > 0 for t in profiled.layer_ticks)
        assert sum(profiled.layer_ticks) < profiled.ticks
        session.transport.write(f"PROFILE {len(data)} {data.hex()} {zlib.crc32(data) ^ 1:08x}\n".encode())
        assert session.read_line().startswith("ERR checksum")
        assert session.profile(data).output == inferred.output
        assert machine.finish(0) == 0

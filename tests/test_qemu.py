"""Firmware on the emulated boards under QEMU: bit-exact over the serial protocol, instruction
counts that are exact, and firmware that hangs or faults stopped with a one-line error."""

from __future__ import annotations

import json
import shutil
import zlib

import numpy as np
import pytest

from board_testing import broken_copy, one_line_error
from conftest import require_module, require_tool
from mcuforge.boards import get_board, load_boards
from mcuforge.builder import build_firmware
from mcuforge.builder.stack import stack_size_for
from mcuforge.cli import main
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile.backends import KernelRequest
from mcuforge.emulate.protocol import PROTOCOL_VERSION, infer_line
from mcuforge.emulate.qemu import QemuMachine, ticks_to_instructions

pytestmark = [pytest.mark.qemu, pytest.mark.cross]

# the MPS boards (exact counters); the UART boards have tests/test_uart_boards.py
EMULATED = [b.id for b in load_boards().values() if b.counts_exactly]
BOARDS_BY_ID = load_boards()


@pytest.mark.parametrize("board", EMULATED)
def test_kws_reference_bit_exact_on_board(kws_c, capsys, board):
    """20 random vectors through the firmware over the serial link, equal to TFLite-Micro (the
    portable kernels: the figures asserted below are theirs)."""
    code = main(["emulate", str(kws_c), "--board", board, "--random", "20", "--json", "--quiet",
                 "--kernels", "portable"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["board"] == board and r["vectors"] == 20 and r["bit_exact"] == 20
    # the stack: the static bound plus its margin, and never used beyond the bound
    assert r["arena_bytes"] == 16_000 and r["stack_bytes"] == stack_size_for(r["stack_bound_bytes"])
    assert 0 < r["stack_used_bytes"] <= r["stack_bound_bytes"]
    assert r["ram_bytes"] == r["arena_bytes"] + r["stack_bytes"] + r["other_ram_bytes"]
    assert r["scratch_bytes"] == 0          # the portable kernels need none
    assert r["flash_bytes"] > r["weights_bytes"] == 28_984
    assert r["instructions_min"] <= r["instructions"] <= r["instructions_max"]
    assert 1.0 < r["instructions_per_mac"] < 100.0
    print(f"{board}: flash {r['flash_bytes']:,} B, RAM {r['ram_bytes']:,} B (arena {r['arena_bytes']:,} + "
          f"stack {r['stack_bytes']:,} + other {r['other_ram_bytes']:,}; stack used {r['stack_used_bytes']}), "
          f"{r['instructions']:,} instructions/inference, {r['instructions_per_mac']:.2f}/MAC, "
          f"QEMU {r['qemu_seconds']:.1f} s")


@pytest.mark.parametrize("board", EMULATED)
def test_instruction_count_is_exact(kws_c, tmp_path, board):
    """LOOP k runs exactly 2k instructions (subs + bne) plus a fixed call overhead: the counts
    must differ by exactly 2 * (k2 - k1), whatever the counter's ticks per instruction
    (3.2 at 25 MHz, 2.56 at 20 MHz, 4.096 at 32 MHz under -icount shift=7)."""
    b = get_board(board)
    fw = build_firmware(ModelInfo.load(kws_c), b, tmp_path / "fw", platformio=False)
    with QemuMachine(b, fw.elf, timeout=30) as machine:
        session = machine.start()
        hello = session.wait_hello()
        hz = hello.int("hz")
        assert hz == b.counter.clock_hz
        counts = {k: ticks_to_instructions(session.loop(k), hz) for k in (1, 7, 1000, 123_457, 2_000_000)}
        assert machine.finish(0) == 0
    overheads = {k - 0: n - 2 * k for k, n in counts.items()}
    assert len(set(overheads.values())) == 1, counts
    assert 0 < next(iter(overheads.values())) < 20, counts


def test_protocol_rejects_bad_input_and_keeps_serving(kws_c, tmp_path):
    """Malformed lines get an ERR line; the next good command works; replies are checked."""
    b = get_board("mps2_an386")
    model = ModelInfo.load(kws_c)
    # the portable kernels, whose repeatable tick counts are asserted below
    fw = build_firmware(model, b, tmp_path / "fw", platformio=False,
                        kernels=KernelRequest("portable"))
    rng = np.random.default_rng(1)
    data = rng.integers(-128, 128, size=model.input.size, dtype=np.int8).tobytes()
    with QemuMachine(b, fw.elf, timeout=30) as machine:
        session = machine.start()
        hello = session.wait_hello()
        assert hello.get("model") == "kws_ref_model" and hello.get("sha256") == model.sha256
        assert hello.int("in") == 490 and hello.int("out") == 12 and hello.get("fw")
        transport = session.transport

        def ask(line: bytes) -> str:
            transport.write(line)
            return session.read_line(10)

        good = infer_line(data)
        bad_crc = good[:-8] + f"{(zlib.crc32(data) ^ 1):08x}"
        assert ask(bad_crc.encode() + b"\n").startswith("ERR checksum")
        assert ask(b"INFER 12 00ff 00000000\n").startswith("ERR length")
        assert ask(good[:200].encode() + b" 00000000\n").startswith("ERR payload")
        assert ask(b"INFER 490 zz\n").startswith("ERR payload")
        assert ask(b"FROB 1 2 3\n").startswith("ERR unknown-command FROB")
        assert ask(b"X" * 500 + b"\n").startswith("ERR unknown-command")
        assert ask(b"LOOP 0\n").startswith("ERR syntax")
        assert ask(b"\r\n\nHELLO\r\n").startswith(f"MCUFORGE {PROTOCOL_VERSION} ")
        # a good INFER sent in small pieces, with CRLF, still works and repeats exactly
        first = session.infer(data)
        for i in range(0, len(good), 97):
            transport.write(good[i:i + 97].encode())
        transport.write(b"\r\n")
        words = session.read_line(10).split()
        # the same inference: the same output and the same instruction count (the timer's tick
        # count can differ by one, its phase against the instructions is not fixed)
        hz = hello.int("hz")
        assert words[0] == "OUT" and bytes.fromhex(words[4]) == first.output
        assert ticks_to_instructions(int(words[2]), hz) == ticks_to_instructions(first.ticks, hz)
        assert session.stats()["stack_size"] == fw.memory.stack_bytes
        assert machine.finish(0) == 0


@pytest.mark.parametrize("how, fragments", [
    ("hang", ["no answer to INFER within 3 s", "last serial output:", f"MCUFORGE {PROTOCOL_VERSION}"]),
    ("fault", ["the firmware faulted: FAULT exception=0x00000003", "pc=0x"]),
])
def test_hung_or_faulting_firmware_is_stopped(kws_c, tmp_path, capsys, how, fragments):
    broken = broken_copy(kws_c, tmp_path / how, how)
    # --kernels portable: the broken folder itself is built (another backend would compile the
    # model again from its model.tflite, without the breakage)
    code = main(["emulate", str(broken), "--board", "mps2_an386", "--random", "2", "--timeout", "3",
                 "--quiet", "--kernels", "portable"])
    one_line_error(capsys, code, "mps2_an386 (QEMU mps2-an386)", *fragments)
    assert not [p for p in psutil_like_qemu_children()], "QEMU left running"


def psutil_like_qemu_children():
    """QEMU processes started by this test process that are still alive."""
    import os
    me = str(os.getpid())
    for stat in __import__("pathlib").Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
        except OSError:
            continue
        if fields[3] == me and "qemu" in fields[1]:
            yield fields[0]


def test_board_without_qemu_machine(kws_c, capsys):
    code = main(["emulate", str(kws_c), "--board", "nucleo_f746zg", "--random", "1"])
    one_line_error(capsys, code, "nucleo_f746zg has no QEMU machine", "mps2_an386", "mcuforge build")


def test_unknown_board(kws_c, capsys):
    code = main(["emulate", str(kws_c), "--board", "mps2_an38", "--random", "1"])
    one_line_error(capsys, code, "unknown board 'mps2_an38'", "mps2_an385", "mps2_an386")


def test_missing_qemu(kws_c, tmp_path, capsys, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("arm-none-eabi-gcc", "arm-none-eabi-objcopy"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bin_dir))
    code = main(["emulate", str(kws_c), "--board", "mps2_an386", "--random", "1"])
    one_line_error(capsys, code, "qemu-system-arm not found", "apt-get install qemu-system-arm")


def test_run_rejects_a_board_before_training(tmp_path, capsys):
    """`run --board` checks the board first: a typo must not cost a training run."""
    code = main(["run", "models/kws_dscnn.yaml", "--out", str(tmp_path / "run"), "--board", "nucleo_f746"])
    one_line_error(capsys, code, "unknown board 'nucleo_f746'", "nucleo_f746zg")
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
@pytest.mark.train
def test_demo_recipe_on_every_emulated_board(tmp_path, capsys, monkeypatch):
    """The demo's DS-CNN (tiny recipe): `run --board` ends the chain on mps2_an386, then the same
    generated C runs on the other emulated boards with the test split, bit-exact everywhere."""
    require_module("tensorflow")
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    from test_pipeline_e2e import TINY_RECIPE

    monkeypatch.setenv("MCUFORGE_CACHE", str(tmp_path / "cache"))
    recipe = tmp_path / "tiny_kws.yaml"
    recipe.write_text(TINY_RECIPE)
    run = tmp_path / "run"
    code = main(["run", str(recipe), "--out", str(run), "--board", "mps2_an386", "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    board_run = json.loads(captured.out.strip().splitlines()[-1])["board_run"]
    assert board_run["board"] == "mps2_an386" and board_run["bit_exact"] == board_run["vectors"] > 0
    # the run's report measured the per-layer speed on that board (README, "Report")
    assert (run / "speed" / "mps2_an386.json").is_file()
    assert 'id="fig-speed-mps2_an386"' in (run / "report.html").read_text()
    for board in EMULATED:
        if board == "mps2_an386":
            continue
        # the folder was generated for the M4's DSP kernels: each board gets its own default
        kernels = "optimized" if BOARDS_BY_ID[board].dsp or BOARDS_BY_ID[board].mve else "portable"
        code = main(["emulate", str(run / "c"), "--board", board, "--vectors", str(run / "test_vectors.npz"),
                     "--json", "--quiet", "--kernels", kernels])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        r = json.loads(captured.out.strip().splitlines()[-1])
        assert r["bit_exact"] == r["vectors"] == board_run["vectors"]

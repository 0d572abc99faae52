"""boards.yaml: the shipped boards, the schema that checks them, and `mcuforge boards`."""

from __future__ import annotations

import json

import pytest

from mcuforge.boards import get_board, load_boards, parse_boards
from mcuforge.builder.toolchain import cpu_flags
from mcuforge.cli import main
from mcuforge.errors import BoardError

EMULATED = {"mps2_an385": ("mps2-an385", "cortex-m3"), "mps2_an386": ("mps2-an386", "cortex-m4"),
            "mps2_an500": ("mps2-an500", "cortex-m7"), "mps2_an505": ("mps2-an505", "cortex-m33"),
            "mps3_an547": ("mps3-an547", "cortex-m55")}


def test_shipped_boards():
    boards = load_boards()
    for board_id, (machine, core) in EMULATED.items():
        assert boards[board_id].qemu == machine and boards[board_id].core == core
    real = [b for b in boards.values() if not b.emulated]
    assert len(real) >= 8
    assert all(b.platformio is not None for b in real)
    assert {"cortex-m0plus", "cortex-m4", "cortex-m7"} <= {b.core for b in real}
    # a few figures from the makers' data sheets
    f746 = boards["nucleo_f746zg"]
    assert (f746.flash_bytes, f746.ram_bytes, f746.clock_hz) == (1_048_576, 327_680, 216_000_000)
    assert boards["rpi_pico"].core == "cortex-m0plus" and boards["rpi_pico"].ram_bytes == 270_336
    assert boards["nucleo_l031k6"].ram_bytes == 8192 and boards["nucleo_l031k6"].flash_bytes == 32_768
    assert boards["frdm_k64f"].flash_config.words[-1] == 0xFFFFFFFE  # FSEC: unsecured


def test_get_board_accepts_dashes_and_lists_close_names():
    assert get_board("MPS2-AN386").id == "mps2_an386"
    with pytest.raises(BoardError, match="unknown board 'nucleo_f746'; close names: nucleo_f746zg"):
        get_board("nucleo_f746")


def test_cpu_flags_follow_the_core():
    boards = load_boards()
    assert cpu_flags(boards["mps2_an385"]) == ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]
    assert cpu_flags(boards["mps2_an386"]) == ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16",
                                               "-mfloat-abi=hard"]
    assert "-mfpu=fpv5-d16" in cpu_flags(boards["nucleo_h743zi2"])
    assert "-mfpu=fpv5-sp-d16" in cpu_flags(boards["nucleo_f746zg"])
    assert "-mfpu=fpv5-sp-d16" in cpu_flags(boards["mps2_an505"])
    assert cpu_flags(boards["mps3_an547"])[0] == "-mcpu=cortex-m55"
    assert cpu_flags(boards["rpi_pico"]) == ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"]


GOOD = """\
my_board:
  name: A board
  core: cortex-m4
  fpu: single
  dsp: true
  mve: false
  clock_hz: 80_000_000
  flash_bytes: 0x40000
  ram_bytes: 65_536
  memory:
    - {name: FLASH, origin: 0x08000000, length_bytes: 0x40000, kind: flash, use: code}
    - {name: SRAM, origin: 0x20000000, length_bytes: 65_536, kind: ram, use: data}
  serial: {kind: semihosting}
  counter: {kind: dwt}
  qemu: null
  platformio: {platform: ststm32, board: some_board, framework: arduino, upload_protocol: stlink}
  flash:
    methods: [pyocd]
    pyocd: {target: stm32l476rg, cite: a manual}
  note: fine
"""


def test_schema_accepts_a_good_board(tmp_path):
    board = parse_boards(GOOD, tmp_path / "b.yaml")["my_board"]
    assert board.flash_bytes == 262_144 and board.data_region.name == "SRAM"


@pytest.mark.parametrize("old, new, fragments", [
    ("  note: fine", "  note: fine\n  colour: red", ["my_board.colour", "unknown key"]),
    ("  clock_hz: 80_000_000", "  clokc_hz: 80_000_000", ["my_board.clokc_hz", "clock_hz"]),
    ("  ram_bytes: 65_536", "  ram_bytes: 64KB", ["my_board.ram_bytes", "integer number of bytes", "'64KB'"]),
    ("  ram_bytes: 65_536", "  ram_bytes: true", ["my_board.ram_bytes", "boolean"]),
    ("  ram_bytes: 65_536\n", "", ["my_board.ram_bytes", "missing"]),
    ("core: cortex-m4", "core: cortex-m5", ["my_board.core", "cortex-m5", "cortex-m55"]),
    ("fpu: single", "fpu: double", ["my_board.fpu", "cortex-m4 has no double"]),
    ("dsp: true", "dsp: false", ["my_board.dsp"]),
    ("{kind: dwt}", "{kind: dwt, base: 4}", ["my_board.counter.base", "unknown key"]),
    ("core: cortex-m4\n  fpu: single\n  dsp: true", "core: cortex-m0plus\n  fpu: none\n  dsp: false",
     ["my_board.counter.kind", "no DWT"]),
    ("origin: 0x20000000", "origin: 0x0803F000", ["my_board.memory", "overlap"]),
    ("use: data", "use: code", ["my_board.memory", "use: code"]),
    ("length_bytes: 65_536", "length_bytes: 131_072", ["my_board.ram_bytes", "131,072"]),
    ("  platformio: {platform: ststm32, board: some_board, framework: arduino, upload_protocol: stlink}",
     "  platformio: null", ["my_board.platformio", "needs a platformio entry"]),
    ("framework: arduino", "framework: zephyr", ["my_board.platformio.framework", "arduino, mbed"]),
    ("  qemu: null", "  qemu: mps2-an386", ["my_board.serial", "over a UART"]),
])
def test_schema_rejects(tmp_path, old, new, fragments):
    check_rejected(GOOD, old, new, fragments, tmp_path)


def check_rejected(text: str, old: str, new: str, fragments: list[str], tmp_path) -> None:
    """``text`` with ``old`` replaced by ``new`` is a one-line BoardError with every fragment."""
    assert old in text
    with pytest.raises(BoardError) as info:
        parse_boards(text.replace(old, new), tmp_path / "b.yaml")
    message = str(info.value)
    assert "b.yaml" in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_boards_command_json(capsys):
    assert main(["boards", "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out.strip().splitlines()[-1])
    ids = [b["id"] for b in data["boards"]]
    assert ids[:5] == list(EMULATED) and "nucleo_l031k6" in ids
    assert "mps2_an386" in err and len(out.strip().splitlines()) == 1


def test_boards_command_table(capsys):
    assert main(["boards"]) == 0
    out = capsys.readouterr().out
    for board_id in ("mps2_an386", "nucleo_f746zg", "rpi_pico"):
        assert board_id in out

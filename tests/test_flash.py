"""`mcuforge flash` without hardware: the dry-run actions of every real board and method, the
boards.yaml flash facts checked against pyOCD and OpenOCD themselves, the UF2 writer, a fake UF2
drive, OpenOCD's failures, and pyOCD's error paths through a fake pyOCD API (no probe needed).

The firmware is a small ELF written here for each board (a vector table and some code at the
start of its code region): enough for the flash stage, which only reads loadable sections.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import struct
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from board_testing import one_line_error
from conftest import require_module, require_tool
from mcuforge.boards import load_boards, parse_boards
from mcuforge.cli import main
from mcuforge.errors import BoardError, FlashError
from mcuforge.flash import pyocd_probe, uf2
from mcuforge.flash.image import read_image
from test_boards import GOOD

BOARDS = load_boards()
REAL = [b for b in BOARDS.values() if not b.emulated]
REAL_METHODS = [(b.id, m) for b in REAL for m in b.flash.methods]
# Two sections with a gap, the second not 256-byte aligned: blocks straddle and pad
TEXT_OFFSET = 0x40
TEXT_BYTES = 700
DATA_OFFSET = 0x3F0


def _section_bytes(board) -> list[tuple[str, int, bytes]]:
    origin = board.code_region.origin
    vectors = struct.pack("<II", board.data_region.origin + 0x1000, origin + TEXT_OFFSET + 1)
    vectors += bytes(range(8, 64))
    text = bytes((i * 7 + 3) & 0xFF for i in range(TEXT_BYTES))
    data = bytes((i * 13 + 1) & 0xFF for i in range(100))
    return [(".vectors", origin, vectors), (".text", origin + TEXT_OFFSET, text),
            (".data", origin + DATA_OFFSET + TEXT_OFFSET + TEXT_BYTES, data)]


def write_elf(path: Path, sections: list[tuple[str, int, bytes]]) -> Path:
    """A minimal 32-bit little-endian Arm ELF: one PT_LOAD segment per section (p_vaddr = p_paddr
    = the section address), section headers and their string table."""
    names = b"\0" + b"".join(n.encode() + b"\0" for n, _, _ in sections) + b".shstrtab\0"
    n_sec = len(sections)
    offset = 52 + 32 * n_sec
    body, placed = b"", []
    for _, _addr, data in sections:
        placed.append(offset + len(body))
        body += data + bytes(-len(data) % 4)
    strtab_off = offset + len(body)
    shoff = strtab_off + len(names) + (-len(names) % 4)
    ident = b"\x7fELF\x01\x01\x01" + bytes(9)
    header = ident + struct.pack("<HHIIIIIHHHHHH", 2, 40, 1, sections[0][1] | 1, 52, shoff,
                                 0x05000400, 52, 32, n_sec, 40, n_sec + 2, n_sec + 1)
    phdrs = b"".join(struct.pack("<8I", 1, off, addr, addr, len(data), len(data), 5, 4)
                     for off, (_, addr, data) in zip(placed, sections))
    shdrs = bytes(40)
    name_at = 1
    for off, (name, addr, data) in zip(placed, sections):
        shdrs += struct.pack("<10I", name_at, 1, 0x6, addr, off, len(data), 0, 0, 4, 0)
        name_at += len(name) + 1
    shdrs += struct.pack("<10I", name_at, 3, 0, 0, strtab_off, len(names), 0, 0, 1, 0)
    path.write_bytes(header + phdrs + body + names + bytes(-len(names) % 4) + shdrs)
    return path


@pytest.fixture
def board_elf(tmp_path):
    def make(board_id: str) -> Path:
        board = BOARDS[board_id]
        return write_elf(tmp_path / f"{board_id}.elf", _section_bytes(board))
    return make


def _flash_json(capsys, *args: str) -> tuple[dict, list[str]]:
    code = main(["flash", *args, "--json", "--quiet"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out.strip().splitlines()[-1]), out.err.splitlines()


def test_image_reads_sections_at_their_load_addresses(board_elf):
    board = BOARDS["nucleo_f746zg"]
    image = read_image(board_elf(board.id), board)
    assert [(s.name, s.address, s.data) for s in image.sections] == _section_bytes(board)
    assert image.vectors(board) == (board.data_region.origin + 0x1000, 0x08000041)


@pytest.mark.parametrize("board, method", REAL_METHODS)
def test_dry_run_prints_the_exact_actions(board_elf, capsys, board, method):
    """Every real board with every method it declares: the actions name its facts from
    boards.yaml (pyOCD target, OpenOCD config files, UF2 family and drive) and the image."""
    b = BOARDS[board]
    elf = board_elf(board)
    record, printed = _flash_json(capsys, str(elf), "--board", board, "--method", method, "--dry-run")
    actions = record["actions"]
    assert record["dry_run"] is True and record["method"] == method
    assert printed[:len(actions)] == [f"{i}. {a}" for i, a in enumerate(actions, 1)]
    sections = _section_bytes(b)
    if method == "openocd":
        configs = [c for c in b.flash.openocd.configs]
        assert actions == [shlex.join(["openocd", *sum((["-f", c] for c in configs), []), "-c",
                                       f"program {{{elf.resolve()}}} verify reset exit"])]
    elif method == "pyocd":
        target = b.flash.pyocd.target
        assert actions[0] == ("ConnectHelper.get_all_connected_probes(blocking=False, "
                              "unique_id=None): exactly one probe")
        assert actions[1] == (f"Session(probe, target_override={target!r}, auto_unlock=False, "
                              f"connect_mode='halt')")
        assert f".program({str(elf.resolve())!r}, file_format='elf')" in actions[3]
        reads = [f"target.read_memory_block8(0x{a:08x}, {len(d)}): compare with {n}"
                 for n, a, d in sections]
        assert actions[4:-1] == reads and actions[-1] == "target.reset(): run the image"
    elif method == "gdb":
        sp, pc = struct.unpack("<II", sections[0][2][:8])
        assert actions[0].startswith(f"connect to the GDB server at 127.0.0.1:{b.flash.gdb.port};")
        writes = [a for a in actions if a.startswith("write ")]
        assert writes == [f"write {n}: {len(d):,} B at 0x{a:08x}-0x{a + len(d) - 1:08x} (in a flash "
                          f"region of the map: vFlashErase of its blocks, vFlashWrite, vFlashDone; "
                          f"elsewhere X or M packets)" for n, a, d in sections]
        assert actions[-1] == (f"Me000ed08,4 = 0x{b.code_region.origin:08x} (VTOR); Pd SP = 0x{sp:08x}, "
                               f"Pf PC = 0x{pc & ~1:08x}, xPSR = 0x01000000 (Thumb); c (continue); disconnect")
    else:
        spec = b.flash.uf2
        pages = {a >> 8 for _, addr, data in sections for a in range(addr, addr + len(data))}
        assert actions[0] == (f"write {elf.with_suffix('.uf2')}: {len(pages)} blocks of 256 B, "
                              f"family id 0x{spec.family_id:08x}")
        assert f"Board-ID: {spec.board_id}" in actions[1]
    assert not elf.with_suffix(".uf2").exists()       # a dry run writes nothing


def test_dry_run_of_a_probe_selection(board_elf, capsys):
    record, _ = _flash_json(capsys, str(board_elf("nucleo_f746zg")), "--board", "nucleo_f746zg",
                            "--method", "openocd", "--probe", "0671FF", "--dry-run")
    assert record["actions"][0].startswith("openocd -c 'adapter serial 0671FF' -f board/st_nucleo_f7.cfg")
    record, _ = _flash_json(capsys, str(board_elf("rpi_pico")), "--board", "rpi_pico", "--dry-run")
    assert record["method"] == "uf2"           # the first the board declares, always available


def test_flash_facts_are_what_pyocd_knows():
    """Every pyOCD target of boards.yaml is builtin in pyOCD, or says the pack it comes from."""
    require_module("pyocd")
    from pyocd.target import TARGET

    for b in REAL:
        spec = b.flash.pyocd
        if spec is not None:
            assert spec.target in TARGET or spec.pack, (b.id, spec.target)
            assert (spec.target in TARGET) != bool(spec.pack), (b.id, "pack given for a builtin target")


def test_flash_facts_are_openocd_config_files():
    """Every OpenOCD configuration file of boards.yaml is one OpenOCD ships."""
    openocd = Path(require_tool("openocd")).resolve()
    scripts = next(p for p in (openocd.parents[1] / "share" / "openocd" / "scripts",
                               Path("/usr/share/openocd/scripts")) if p.is_dir())
    for b in REAL:
        for config in b.flash.openocd.configs:
            assert (scripts / config).is_file(), (b.id, config)


# ---------------------------------------------------------------- boards.yaml schema

# test_boards' good board, with two flash methods
FLASH_GOOD = GOOD.replace("    methods: [pyocd]\n    pyocd: {target: stm32l476rg, cite: a manual}\n",
                          "    methods: [pyocd, openocd]\n    pyocd: {target: k64f, cite: c}\n"
                          "    openocd: {configs: [board/x.cfg], cite: c}\n")


@pytest.mark.parametrize("old, new, fragment", [
    ("target: k64f", "target: cortex_m", "my_board.flash.pyocd.target: 'cortex_m' is pyOCD's generic target"),
    ("[pyocd, openocd]", "[pyocd, openocd, jtag]", "my_board.flash.methods: methods[2] 'jtag' is not one of"),
    ("[pyocd, openocd]", "[pyocd, openocd, uf2]", "my_board.flash.uf2: missing (required)"),
    ("[pyocd, openocd]", "[pyocd]", "my_board.flash.openocd: facts for openocd, which methods does not list"),
    ("target: k64f, cite: c", "target: k64f", "my_board.flash.pyocd.cite: missing"),
    ("[board/x.cfg]", "[board/x]", "my_board.flash.openocd.configs: configs[0] must be a .cfg file name"),
    ("  qemu: null", "  qemu: mps2-an386", "my_board.flash.methods: an emulated board is flashed through QEMU"),
])
def test_flash_schema_rejects(tmp_path, old, new, fragment):
    assert parse_boards(FLASH_GOOD, tmp_path / "b.yaml")["my_board"].flash.methods == ("pyocd", "openocd")
    text = FLASH_GOOD.replace(old, new)
    if "mps2" in new:
        text = text.replace("{kind: semihosting}", "{kind: cmsdk_uart, base: 0x40004000, clock_hz: "
                            "25_000_000, baud: 115_200}").replace("{kind: dwt}", "{kind: cmsdk_timer, "
                            "base: 0x40000000, clock_hz: 25_000_000}")
    with pytest.raises(BoardError) as err:
        parse_boards(text, tmp_path / "b.yaml")
    assert fragment in str(err.value), str(err.value)


# ---------------------------------------------------------------- UF2

def test_uf2_writer_follows_the_format(board_elf):
    """512-byte blocks, both start magics and the end magic, the family-id flag and id, 256-byte
    payloads at 256-byte aligned addresses in order, numbered, and together exactly the image."""
    board = BOARDS["rpi_pico"]
    image = read_image(board_elf(board.id), board)
    data = uf2.write_uf2(image, 0xE48BFF56)
    assert len(data) % 512 == 0
    blocks = uf2.read_uf2(data)
    for i, (raw, block) in enumerate(zip((data[k:k + 512] for k in range(0, len(data), 512)), blocks)):
        assert struct.unpack_from("<2I", raw) == (0x0A324655, 0x9E5D5157)
        assert struct.unpack_from("<I", raw, 508) == (0x0AB16F30,)
        assert block.flags == 0x2000 and block.family_id == 0xE48BFF56
        assert len(block.payload) == 256 and block.address % 256 == 0
        assert block.number == i and block.count == len(blocks)
    addresses = [b.address for b in blocks]
    assert addresses == sorted(set(addresses))
    memory = {b.address + k: v for b in blocks for k, v in enumerate(b.payload)}
    for s in image.sections:
        assert bytes(memory[s.address + k] for k in range(len(s.data))) == s.data
    covered = {a for s in image.sections for a in range(s.address, s.end)}
    assert all(v == 0 for a, v in memory.items() if a not in covered)       # padding


def _fake_drive(root: Path, board_id: str = "RPI-RP2") -> Path:
    drive = root / "RPI-RP2"
    drive.mkdir(parents=True)
    (drive / "INFO_UF2.TXT").write_text(f"UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: {board_id}\n")
    return drive


def test_uf2_copies_to_the_drive_and_waits_for_it_to_go(board_elf, tmp_path, monkeypatch, capsys):
    elf = board_elf("rpi_pico")
    drive = _fake_drive(tmp_path / "media")
    monkeypatch.setenv("MCUFORGE_UF2_MOUNTS", str(tmp_path / "media"))
    copied: list[bytes] = []

    def boot_loader():      # takes the file once it is complete, then reboots: the drive goes away
        target = drive / "rpi_pico.uf2"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if target.is_file() and target.stat().st_size == elf.with_suffix(".uf2").stat().st_size:
                copied.append(target.read_bytes())
                (drive / "INFO_UF2.TXT").unlink()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=boot_loader)
    thread.start()
    record, _ = _flash_json(capsys, str(elf), "--board", "rpi_pico", "--method", "uf2", "--timeout", "10")
    thread.join()
    assert copied == [elf.with_suffix(".uf2").read_bytes()]
    assert record["probe"] == str(drive) and record["verified"] is True


def test_uf2_errors(board_elf, tmp_path, monkeypatch, capsys):
    elf = board_elf("rpi_pico")
    monkeypatch.setenv("MCUFORGE_UF2_MOUNTS", str(tmp_path / "media"))
    monkeypatch.setattr(uf2, "MOUNT_ROOTS", ())
    monkeypatch.setattr(uf2, "_mounted_volumes", lambda: sorted((tmp_path / "media").glob("*")))
    args = ["flash", str(elf), "--board", "rpi_pico", "--method", "uf2", "--timeout", "0.3"]
    one_line_error(capsys, main(args), "no mounted UF2 drive with Board-ID: RPI-RP2", "BOOTSEL")
    other = _fake_drive(tmp_path / "other", "NRF52-BOOT")
    one_line_error(capsys, main([*args, "--probe", str(other)]), "NRF52-BOOT boot loader, not rpi_pico's RPI-RP2")
    _fake_drive(tmp_path / "media")
    one_line_error(capsys, main(args), "the drive was still there 0.3 s later")


# ---------------------------------------------------------------- OpenOCD

@pytest.mark.parametrize("script, fragments", [
    ('echo "Error: open failed" >&2; exit 1', ["no debug probe found", "Error: open failed"]),
    ('echo "** Programming Started **"; echo "** Verify Started **"; '
     'echo "Error: checksum mismatch - attempting binary compare" >&2; echo "** Verify Failed **"; exit 1',
     ["read-back verify failed", "partial image"]),
    ('echo "Error: JTAG scan chain interrogation failed: all ones" >&2; '
     'echo "Warn : UNEXPECTED idcode: 0x2ba01477" >&2; exit 1', ["the wrong target"]),
    ("sleep 5", ["did not finish within 0.5 s"]),
])
def test_openocd_failures_are_one_line(board_elf, tmp_path, monkeypatch, capsys, script, fragments):
    fake = tmp_path / "bin" / "openocd"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    code = main(["flash", str(board_elf("frdm_k64f")), "--board", "frdm_k64f", "--method", "openocd",
                 "--timeout", "0.5"])
    one_line_error(capsys, code, "frdm_k64f: OpenOCD", *fragments)


def test_openocd_success_needs_verified_ok(board_elf, tmp_path, monkeypatch, capsys):
    fake = tmp_path / "bin" / "openocd"
    fake.parent.mkdir()
    log = tmp_path / "args"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\necho "** Programming Finished **"\n'
                    f'echo "** Verified OK **"\necho "** Resetting Target **"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    elf = board_elf("nucleo_l031k6")
    record, _ = _flash_json(capsys, str(elf), "--board", "nucleo_l031k6", "--method", "openocd")
    assert log.read_text().splitlines() == ["-f", "interface/stlink.cfg", "-f", "target/stm32l0.cfg", "-c",
                                            f"program {{{elf.resolve()}}} verify reset exit"]
    assert record["verified"] is True


# ---------------------------------------------------------------- pyOCD, through a fake API

class FakeTarget:
    def __init__(self, cpuid: int, corrupt_at: int | None = None):
        self.memory: dict[int, int] = {}
        self.cpuid = cpuid
        self.corrupt_at = corrupt_at
        self.was_reset = False

    def read32(self, address: int) -> int:
        assert address == 0xE000ED00
        return self.cpuid

    def read_memory_block8(self, address: int, length: int) -> list[int]:
        return [self.memory.get(a, 0xFF) for a in range(address, address + length)]

    def reset(self) -> None:
        self.was_reset = True


def fake_pyocd(probes, target: FakeTarget, board, known=True):
    """A stand-in for pyOCD's API: ConnectHelper lists ``probes``, the session's target is
    ``target``, FileProgrammer writes the ELF's sections into its memory (one byte wrong at
    target.corrupt_at)."""
    class Error(Exception):
        pass

    calls: dict = {}

    class ConnectHelper:
        @staticmethod
        def get_all_connected_probes(blocking, unique_id, print_wait_message):
            calls["list"] = (blocking, unique_id)
            return [p for p in probes if unique_id is None or unique_id in p.unique_id]

    class Session:
        def __init__(self, probe, **options):
            calls["session"] = (probe.unique_id, options)
            self.target = target

        def open(self):
            if not known:
                raise Error("Target type stm32f746zgtx not recognized. Use 'pyocd list --targets'")

        def close(self):
            calls["closed"] = True

    class FileProgrammer:
        def __init__(self, session, **kwargs):
            calls["programmer"] = kwargs

        def program(self, path, file_format):
            for s in read_image(Path(path), board).sections:
                for k, v in enumerate(s.data):
                    target.memory[s.address + k] = v
            if target.corrupt_at is not None:
                target.memory[target.corrupt_at] ^= 0x01

    return SimpleNamespace(ConnectHelper=ConnectHelper, Session=Session,
                           FileProgrammer=FileProgrammer, Error=Error), calls


def _probe(uid: str, board_target: str | None = None, name: str = "NUCLEO"):
    info = SimpleNamespace(name=name, target=board_target) if board_target else None
    return SimpleNamespace(unique_id=uid, description=f"STM32 STLink {uid[-2:]}",
                           associated_board_info=info)


M7_CPUID = 0x411FC270


def test_pyocd_flashes_verifies_and_resets(board_elf, monkeypatch, capsys):
    board = BOARDS["nucleo_f746zg"]
    target = FakeTarget(M7_CPUID)
    api, calls = fake_pyocd([_probe("0671FF485550755187121723", "stm32f746zgtx"), _probe("AB12")], target, board)
    monkeypatch.setattr(pyocd_probe, "_pyocd", lambda: api)
    record, _ = _flash_json(capsys, str(board_elf(board.id)), "--board", board.id, "--method", "pyocd",
                            "--probe", "0671FF")
    assert calls["list"] == (False, "0671FF")
    assert calls["session"] == ("0671FF485550755187121723", {"target_override": "stm32f746zgtx",
                                                             "auto_unlock": False, "connect_mode": "halt"})
    assert calls["programmer"]["chip_erase"] == "sector" and calls["closed"]
    assert target.was_reset and record["verified"] is True


@pytest.mark.parametrize("case, fragments", [
    ("none", ["nucleo_f746zg: no debug probe connected"]),
    ("two", ["2 debug probes are connected", "0671FF (STM32 STLink FF)", "--probe ID"]),
    ("board", ["the wrong target", "NUCLEO-L476RG (pyOCD target stm32l476rg)", "nothing was written"]),
    ("core", ["the wrong target", "reaches a cortex-m4, not the board's cortex-m7", "nothing was written"]),
    ("verify", ["verify failed at 0x08000123 (.text+0xe3)"]),
    ("pack", ["pyOCD does not know target stm32f746zgtx", "pyocd pack install stm32f746zg"]),
])
def test_pyocd_errors_are_one_line(board_elf, monkeypatch, capsys, case, fragments):
    board = BOARDS["nucleo_f746zg"]
    probes = {"none": [], "two": [_probe("0671FF"), _probe("0672AB")],
              "board": [_probe("0671FF", "stm32l476rg", "NUCLEO-L476RG")]}.get(case, [_probe("0671FF")])
    target = FakeTarget(0x410FC241 if case == "core" else M7_CPUID,
                        corrupt_at=0x08000123 if case == "verify" else None)
    api, calls = fake_pyocd(probes, target, board, known=case != "pack")
    monkeypatch.setattr(pyocd_probe, "_pyocd", lambda: api)
    code = main(["flash", str(board_elf(board.id)), "--board", board.id, "--method", "pyocd"])
    one_line_error(capsys, code, *fragments)
    if case in ("board", "core"):
        assert not target.memory and "programmer" not in calls


def test_pyocd_refuses_a_generic_target(board_elf):
    import dataclasses

    board = BOARDS["frdm_k64f"]
    generic = dataclasses.replace(board, flash=dataclasses.replace(
        board.flash, pyocd=dataclasses.replace(board.flash.pyocd, target="cortex_m")))
    with pytest.raises(FlashError, match="refusing pyOCD's generic target"):
        pyocd_probe.plan(generic, read_image(board_elf(board.id), board), None)


# ---------------------------------------------------------------- the command's own errors

def test_flash_command_errors(board_elf, tmp_path, capsys):
    elf = board_elf("nucleo_f746zg")
    one_line_error(capsys, main(["flash", str(elf), "--board", "nucleo_f746zg", "--method", "uf2"]),
                   "nucleo_f746zg declares no uf2 method", "pyocd, openocd")
    one_line_error(capsys, main(["flash", str(elf), "--board", "frdm_k64f", "--dry-run",
                                 "--method", "openocd"]),
                   "section .vectors loads at 0x08000000", "outside frdm_k64f's flash")
    (tmp_path / "fw.bin").write_bytes(b"\0" * 8)
    one_line_error(capsys, main(["flash", str(tmp_path / "fw.bin"), "--board", "frdm_k64f"]),
                   "give the .elf")
    one_line_error(capsys, main(["flash", str(tmp_path), "--board", "frdm_k64f"]),
                   "no model_info.json")
    (tmp_path / "junk.elf").write_bytes(b"not an elf at all")
    one_line_error(capsys, main(["flash", str(tmp_path / "junk.elf"), "--board", "frdm_k64f",
                                 "--method", "openocd", "--dry-run"]), "not an ELF file")
    an386 = write_elf(tmp_path / "an386.elf", _section_bytes(BOARDS["mps2_an386"]))
    one_line_error(capsys, main(["flash", str(an386), "--board", "mps2_an386", "--probe", "127.0.0.1:1",
                                 "--timeout", "2"]), "mps2_an386: GDB server 127.0.0.1:1: cannot connect")


@pytest.mark.parametrize("command", ["flash", "run", "build", "emulate", "compile", "bench"])
def test_help_of_each_command(capsys, command):
    """--help prints (argparse %-formats help texts: a stray % once made it raise)."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0 and "--json" in capsys.readouterr().out

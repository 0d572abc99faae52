"""`mcuforge run --board B --flash` for a real board: the chain ends with the board's firmware
built and flashed (here a dry run: the exact OpenOCD command for the ELF it built). Training
and quantization are replaced as in test_run_once; the rest is the real chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from board_testing import one_line_error
from conftest import require_tool
from mcuforge import chain
from mcuforge.cli import main
from mcuforge.compile.backends import KernelRequest
from mcuforge.rundir import RunDir
from mcuforge.ui import Summary
from test_run_once import _fake_training


@pytest.mark.host
@pytest.mark.cross
def test_run_ends_with_the_firmware_built_and_flashed(tmp_path, monkeypatch, host_cc, capsys):
    require_tool("arm-none-eabi-gcc")
    run = RunDir(tmp_path / "run")
    _fake_training(monkeypatch, run, vectors=2)
    summary = Summary("run")
    chain.do_run("unused.yaml", str(run.root), None, "nucleo_f746zg", None, 60.0, False, summary,
                 kernels=KernelRequest("portable"), flash=True, method="openocd", dry_run=True)
    flashed = summary.data["flash"]
    elf = Path(flashed["elf"])
    assert elf == run.root / "firmware" / "nucleo_f746zg" / "kws_ref_model.elf" and elf.is_file()
    assert flashed["built"] is True and flashed["dry_run"] is True
    assert flashed["actions"] == [f"openocd -f board/st_nucleo_f7.cfg -c 'program {{{elf.resolve()}}} "
                                  f"verify reset exit'"]
    assert capsys.readouterr().out.splitlines()[0] == f"1. {flashed['actions'][0]}"
    assert summary.data["bit_exact"] == summary.data["vectors"] == 2       # the host run came first
    assert any(label == "nucleo_f746zg: method" for label, _ in summary.rows)
    # `flash` of the same C folder finds that firmware up to date instead of building it again
    assert main(["flash", str(run.c_dir), "--board", "nucleo_f746zg", "--method", "openocd",
                 "--dry-run", "--json", "--quiet"]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["built"] is False and again["actions"] == flashed["actions"]


@pytest.mark.parametrize("args, fragment", [
    (["--flash"], "--flash needs --board"),
    (["--board", "nucleo_f746zg", "--dry-run"], "--dry-run go with --flash"),
    (["--board", "nucleo_f746zg", "--flash", "--method", "uf2"], "nucleo_f746zg declares no uf2 method"),
])
def test_run_flash_usage_errors_come_before_training(tmp_path, capsys, args, fragment):
    one_line_error(capsys, main(["run", str(tmp_path / "never_read.yaml"), *args]), fragment)

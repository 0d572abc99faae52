"""`mcuforge device`: the firmware driven over a serial port. Under QEMU the board's UART is a pty
(as a real board's USB serial port would be): bit-exact outputs, firmware of another model
detected as stale, a port held by another program refused. Ptys made here (os.openpty) play a
device that stays silent and one that sends garbage: each a one-line error, within its timeout."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from board_testing import one_line_error
from conftest import require_tool
from mcuforge.boards import get_board
from mcuforge.builder import build_firmware
from mcuforge.cli import main
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.tflite import FullyConnectedOptions
from tflite_builder import fully_connected_model


def other_model_c(tmp: Path) -> Path:
    """A generated folder of another model (a small FULLY_CONNECTED) with the KWS model's 490 B
    input, so only its sha256 tells the firmware is not its own."""
    w = np.random.default_rng(5).integers(-127, 128, size=(12, 490), dtype=np.int8)
    tflite = tmp / "other.tflite"
    tflite.write_bytes(fully_connected_model((1, 490), w, None, (0.5, 0), [0.01] * 12, (0.25, 0),
                                             FullyConnectedOptions()))
    assert main(["compile", str(tflite), "--out", str(tmp / "other_c"), "--quiet"]) == 0
    return tmp / "other_c"


@pytest.fixture
def qemu_pty(kws_c, tmp_path):
    """mps2_an386 firmware of the KWS model under QEMU with its UART on a pty: yields the pty."""
    b = get_board("mps2_an386")
    fw = build_firmware(ModelInfo.load(kws_c), b, tmp_path / "fw", platformio=False)
    with qemu_on_pty(fw.elf, b.qemu, tmp_path / "qemu.log") as pty:
        yield pty


@contextlib.contextmanager
def qemu_on_pty(elf: Path, machine: str, log: Path):
    """QEMU running ``elf`` with -icount shift=7 and the UART on a pty, which QEMU names on its
    output ("char device redirected to /dev/pts/N"): yields the pty's path."""
    require_tool("qemu-system-arm")
    with open(log, "wb") as out:
        proc = subprocess.Popen([shutil.which("qemu-system-arm"), "-M", machine, "-kernel", str(elf),
                                 "-icount", "shift=7", "-nographic", "-monitor", "none", "-serial", "pty",
                                 "-semihosting-config", "enable=on,target=native"],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not (m := re.search(r"char device redirected to (/dev/pts/\d+)", log.read_text())) \
                and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert m, log.read_text()
        yield m.group(1)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.qemu
@pytest.mark.cross
def test_device_over_qemu_pty(kws_c, qemu_pty, tmp_path, capsys):
    import serial

    pty = qemu_pty
    # held by another program (a serial monitor takes the same advisory lock): refused, named
    with serial.Serial(pty, 115_200, exclusive=True):
        code = main(["device", str(kws_c), "--port", pty, "--random", "1", "--quiet", "--timeout", "2"])
        line = one_line_error(capsys, code, pty, "held by another program")
        assert f"pid {os.getpid()}" not in line      # this process is not "another program"

    # firmware built for another model: stale, naming both
    other = other_model_c(tmp_path)
    code = main(["device", str(other), "--port", pty, "--random", "1", "--quiet"])
    one_line_error(capsys, code, "stale firmware", "kws_ref_model", "other",
                   ModelInfo.load(kws_c).sha256[:12], ModelInfo.load(other).sha256[:12])

    # the firmware's own folder: bit-exact, timed per layer, with the stack's high-water mark
    code = main(["device", str(kws_c), "--port", pty, "--random", "3", "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["board"] == "mps2_an386" and r["vectors"] == 3 and r["bit_exact"] == 3
    assert r["counter"] == "cmsdk_timer" and r["counter_hz"] == 25_000_000 == r["clock_hz"]
    # a 25 MHz timer on a 25 MHz board: cycles = ticks, ms = ticks / 25,000
    assert r["latency_cycles"] == round(r["latency_ticks"]) > 0
    assert r["latency_ms"] == pytest.approx(r["latency_ticks"] / 25_000)
    model = ModelInfo.load(kws_c)
    assert [la["op"] for la in r["layers"]] == [la.op for la in model.layers]
    layer_sum = sum(la["ticks"] for la in r["layers"])
    assert 0.98 * r["latency_ticks"] < layer_sum <= r["latency_ticks"]
    assert 0 < r["stack_used_bytes"] <= r["stack_size_bytes"]
    assert "per-layer profile" in captured.err and "CONV_2D" in captured.err


def _fake_device(reply: bytes | None, seconds: float):
    """A pty whose far end answers every read with ``reply`` (None: never answers) for
    ``seconds``; yields the slave's path."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    stop = threading.Event()

    def serve():
        os.set_blocking(master, False)
        end = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < end:
            try:
                os.read(master, 4096)       # drain the HELLOs
            except OSError:
                pass
            if reply is not None:
                try:
                    os.write(master, reply)
                except OSError:
                    pass
            time.sleep(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return path, stop, thread, (master, slave)


@pytest.mark.parametrize("reply, mode, fragment", [
    (None, [], "the device sent nothing within 1.5 s"),
    (b"\xfe\x8f\x13 boot v1.2 \x00\x97\r\n", [], "does not speak the mcuforge protocol"),
    (b"\xfe\x8f\x13 boot v1.2 \x00\x97\r\n", ["--mlperf"], "no answer in the MLPerf Tiny mode"),
], ids=["silent", "garbage", "garbage-mlperf"])
def test_device_silent_or_garbage(kws_c_host, capsys, reply, mode, fragment):
    path, stop, thread, fds = _fake_device(reply, 10.0)
    try:
        t0 = time.monotonic()
        code = main(["device", str(kws_c_host), "--port", path, "--random", "1", "--quiet",
                     "--timeout", "1.5", *mode])
        elapsed = time.monotonic() - t0
        one_line_error(capsys, code, path, fragment)
        assert elapsed < 5.0          # bounded: the timeout, not a hang
    finally:
        stop.set()
        thread.join()
        for fd in fds:
            os.close(fd)


def test_port_held_by_another_process(kws_c_host, capsys):
    """The program holding the port is named (from /proc)."""
    import sys

    master, slave = os.openpty()
    path = os.ttyname(slave)
    holder = subprocess.Popen([sys.executable, "-c", "import serial, sys, time; "
                               f"p = serial.Serial({path!r}, exclusive=True); print(flush=True); "
                               "time.sleep(30)"], stdout=subprocess.PIPE)
    try:
        holder.stdout.readline()
        code = main(["device", str(kws_c_host), "--port", path, "--quiet"])
        one_line_error(capsys, code, path, "held by another program", f"(pid {holder.pid})")
    finally:
        holder.kill()
        holder.wait()
        os.close(master)
        os.close(slave)


def test_device_missing_port(kws_c_host, capsys):
    code = main(["device", str(kws_c_host), "--port", "/dev/does-not-exist", "--quiet"])
    one_line_error(capsys, code, "/dev/does-not-exist", "no such serial port")


@pytest.fixture(scope="module")
def kws_c_host(tmp_path_factory) -> Path:
    """The KWS reference model's generated C (no cross compiler needed: nothing is built)."""
    from board_testing import compile_reference

    return compile_reference(tmp_path_factory.mktemp("kws") / "c")

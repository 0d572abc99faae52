"""`mcuforge flash --method gdb` against QEMU's GDB server: QEMU starts halted with empty code
memory (-S, no -kernel), the flash command loads the firmware, reads it back and starts it, and
the firmware then answers over its serial port bit-exact with TFLite-Micro. One byte changed
after loading (through our own RSP client) is reported at its exact address."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import numpy as np
import pytest

from conftest import require_tool
from mcuforge.boards import get_board
from mcuforge.builder import build_firmware
from mcuforge.cli import main
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.emulate.protocol import DeviceSession
from mcuforge.emulate.qemu import _free_port, _SocketTransport
from mcuforge.errors import FlashError
from mcuforge.flash import gdb
from mcuforge.flash.image import read_image
from mcuforge.flash.rsp import GdbRemote
from mcuforge.reference.tflm import tflm_outputs

pytestmark = [pytest.mark.qemu, pytest.mark.cross]
BOARD = get_board("mps2_an386")


@pytest.fixture(scope="module")
def firmware(kws_c, tmp_path_factory):
    return build_firmware(ModelInfo.load(kws_c), BOARD, tmp_path_factory.mktemp("fw") / "an386",
                          platformio=False)


def _connect(port: int, deadline: float) -> socket.socket:
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1.0)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class HaltedQemu:
    """qemu-system-arm -M mps2-an386 -S -gdb tcp:127.0.0.1:G, serial on a TCP server S: halted,
    with nothing loaded. ``serial`` is connected first (QEMU waits for it), then the GDB port opens."""

    def __enter__(self):
        require_tool("qemu-system-arm")
        self.gdb_port, serial_port = _free_port(), _free_port()
        self.proc = subprocess.Popen(
            ["qemu-system-arm", "-M", BOARD.qemu, "-S", "-gdb", f"tcp:127.0.0.1:{self.gdb_port}",
             "-nographic", "-monitor", "none", "-icount", "shift=7",
             "-serial", f"tcp:127.0.0.1:{serial_port},server=on,wait=on",
             "-semihosting-config", "enable=on,target=native"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        self.serial = _connect(serial_port, deadline)
        _connect(self.gdb_port, deadline).close()    # the gdbstub listens: ready
        return self

    def __exit__(self, *exc):
        self.serial.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def test_flash_gdb_loads_verifies_and_runs(firmware, capsys):
    model = firmware.model
    rng = np.random.default_rng(7)
    vector = rng.integers(-128, 128, model.inputs[0].size, dtype=np.int8)
    with HaltedQemu() as qemu:
        code = main(["flash", str(firmware.elf), "--board", BOARD.id, "--method", "gdb",
                     "--probe", f"127.0.0.1:{qemu.gdb_port}", "--timeout", "20", "--json", "--quiet"])
        out = capsys.readouterr()
        assert code == 0, out.err
        record = json.loads(out.out.strip().splitlines()[-1])
        assert record["verified"] is True and record["started"] is True
        assert record["image_bytes"] == sum(s["bytes"] for s in record["sections"]) > 60_000
        session = DeviceSession(_SocketTransport(qemu.serial), "an386 (flashed over GDB)", 30)
        hello = session.wait_hello()
        assert hello.get("sha256") == model.sha256 and hello.get("board") == BOARD.id
        result = session.infer(vector.tobytes())
        session.exit(0)
        assert qemu.proc.wait(timeout=10) == 0
    shape = tuple(model.inputs[0].shape)[1:]
    reference = tflm_outputs(model.tflite_path.read_bytes(), vector.reshape(1, *shape))
    assert result.status == 0 and reference.dtype == np.int8
    assert np.array_equal(np.frombuffer(result.output, dtype=np.int8), reference.reshape(-1))


def test_corrupted_byte_is_reported_at_its_address(firmware):
    image = read_image(firmware.elf, BOARD)
    rodata = next(s for s in image.sections if s.name == ".rodata")
    first, second = rodata.address + 4321, rodata.address + 9000
    with HaltedQemu() as qemu, GdbRemote("127.0.0.1", qemu.gdb_port, 20, "an386 gdb") as remote:
        remote.handshake()
        assert remote.packet_size > 0
        gdb.load(remote, image)
        gdb.verify(remote, image)               # as loaded: equal
        for address in (second, first):
            remote.write_memory(address, bytes([image.read(address, 1)[0] ^ 0x5A]))
        with pytest.raises(FlashError) as err:
            gdb.verify(remote, image)
    assert f"verify failed at 0x{first:08x} (.rodata+0x{4321:x})" in str(err.value)
    assert f"wrote 0x{image.read(first, 1)[0]:02x}, read back 0x{image.read(first, 1)[0] ^ 0x5A:02x}" \
        in str(err.value)

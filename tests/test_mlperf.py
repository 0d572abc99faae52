"""MLPerf Tiny mode (`build --app mlperf`, firmware/app/mf_mlperf.c) under QEMU, driven over the
board's UART on a pty the way the benchmark's runner drives a board: name, profile, the KWS
reference model's input loaded in 31-byte `db` chunks, `infer N W` with warm-up, results. The
results, read back to int8, equal TFLite-Micro's outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from board_testing import one_line_error
from mcuforge.boards import get_board
from mcuforge.builder import build_firmware
from mcuforge.builder.apps import FirmwareApp
from mcuforge.cli import main
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.device import DeviceError
from mcuforge.device.mlperf import CHUNK_BYTES, MlperfSession, quantized
from mcuforge.device.port import PortTransport
from mcuforge.errors import BuildError
from mcuforge.reference import tflm_outputs
from test_device import other_model_c, qemu_on_pty


@pytest.mark.qemu
@pytest.mark.cross
def test_mlperf_mode_under_qemu(kws_c, tmp_path, capsys):
    model = ModelInfo.load(kws_c)
    b = get_board("mps2_an386")
    fw = build_firmware(model, b, tmp_path / "fw", platformio=False, app=FirmwareApp("mlperf", "kws01"))
    x = np.random.default_rng(7).integers(-128, 128, size=(2, 49, 10, 1), dtype=np.int8)
    expected = tflm_outputs(model.tflite_path.read_bytes(), x).reshape(2, -1)
    with qemu_on_pty(fw.elf, b.qemu, tmp_path / "qemu.log") as pty:
        with PortTransport(pty) as port:
            drive_as_the_runner(MlperfSession(port, pty, timeout=30), model, x, expected)

        # `mcuforge device --mlperf` does the same with its vectors: bit-exact, timed
        code = main(["device", str(kws_c), "--port", pty, "--mlperf", "--random", "2", "--json",
                     "--quiet"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        r = json.loads(captured.out.strip().splitlines()[-1])
        assert r["bit_exact"] == r["vectors"] == 2 and r["mlperf_model"] == "kws01"
        assert r["board"] == "mps2_an386" and r["latency_ms"] > 0
        # and refuses it for another model's folder
        code = main(["device", str(other_model_c(tmp_path)), "--port", pty, "--mlperf", "--quiet"])
        one_line_error(capsys, code, "stale firmware", "kws_ref_model")


def drive_as_the_runner(dut: MlperfSession, model: ModelInfo, x: np.ndarray, expected: np.ndarray):
    """name, profile, then per input: db load, db in 31-byte chunks, db print, infer 2 1,
    results; then the errors a runner may meet."""
    dut.sync()
    assert dut.name_of_device() == "mcuforge"
    profile, model_id = dut.profile()
    assert model_id == "kws01" and model.sha256 in profile

    # before any input: infer is refused, and an unknown command is an e- line
    with pytest.raises(DeviceError, match="0 input bytes loaded, the model takes 490"):
        dut.infer(1, 0)
    with pytest.raises(DeviceError, match="Unknown command: bogus"):
        dut.command("bogus")

    laps = []
    for k, row in enumerate(x):
        data = row.tobytes()
        assert len(data) > CHUNK_BYTES          # loaded in several db commands
        dut.load(data)
        # db print gives the loaded bytes back, 8 per line
        printed = "".join(ln.removeprefix("m-buffer-").replace("-", "")
                          for ln in dut.command("db print"))
        assert bytes.fromhex(printed) == data
        run = dut.infer(2, 1)
        assert run.lines[0] == "m-warmup-start-1" and "m-infer-start-2" in run.lines
        got = quantized(run.results, model.outputs)
        assert np.array_equal(got, expected[k]), (got, expected[k])
        assert dut.results() == run.results
        laps.append(run.elapsed_us)
    once = dut.infer(1, 0).elapsed_us
    # under -icount shift=7 virtual time is exact: 2 inferences take twice as long as one
    # (within the few instructions that differ with the input)
    assert laps[-1] == pytest.approx(2 * once, rel=0.01) and once > 0

    # a partial load is refused by infer; the results of the last inference stay
    dut.command("db load 490")
    dut.command("db 00ff")
    with pytest.raises(DeviceError, match="2 input bytes loaded"):
        dut.infer(1, 0)
    assert dut.results() == run.results
    with pytest.raises(DeviceError, match="odd number of hex digits"):
        dut.command("db 0f0")


def test_mlperf_app_needs_a_model_id():
    with pytest.raises(BuildError, match="--app mlperf needs --mlperf-model"):
        FirmwareApp("mlperf")
    with pytest.raises(BuildError, match="unknown firmware application"):
        FirmwareApp("arduino")

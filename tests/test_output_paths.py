"""Nothing lost, nothing half-done: where outputs go (a folder mcuforge did not make is not
replaced without --force; a file, a folder holding the input, a parent it cannot write into are
one-line errors before any work), damaged inputs (a generated folder without its model, a vectors
file with garbage or out-of-range labels), sizes over the stated limit, and SIGTERM mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tflite_builder as tb
from board_testing import one_line_error
from mcuforge import fsutil
from mcuforge.cli import main
from mcuforge.compile.limits import MAX_BYTES
from mcuforge.tflite.graph import Padding, Pool2DOptions

pytestmark = pytest.mark.host


@pytest.fixture
def model(tmp_path) -> Path:
    path = tmp_path / "m.tflite"
    path.write_bytes(tb.softmax_model((1, 12), (0.1, 3)))
    return path


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_out_holding_the_input_is_refused_even_with_force(model, capsys):
    folder = model.parent
    before = _tree(folder)
    for extra in ([], ["--force"]):
        code = main(["compile", str(model), "--out", str(folder), "--quiet", *extra])
        one_line_error(capsys, code, str(folder), "holds the input", "m.tflite")
        assert _tree(folder) == before


def test_a_users_folder_is_kept_unless_forced(model, tmp_path, capsys):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    code = main(["compile", str(model), "--out", str(user), "--quiet"])
    one_line_error(capsys, code, f"{user}: exists and mcuforge did not make it", "--force")
    assert _tree(user) == {"notes.txt": b"mine"}
    assert main(["compile", str(model), "--out", str(user), "--quiet", "--force"]) == 0
    assert not (user / "notes.txt").exists() and (user / "model_info.json").is_file()
    assert not list(tmp_path.glob(".mine*")), "a temporary or .old folder was left behind"


def test_a_folder_mcuforge_made_is_replaced_whole(model, tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compile", str(model), "--out", str(out), "--quiet"]) == 0
    assert (out / fsutil.MARKER).is_file()
    (out / "stale.c").write_text("left from an older model")
    assert main(["compile", str(model), "--out", str(out), "--quiet"]) == 0
    assert not (out / "stale.c").exists() and (out / "model_info.json").is_file()
    # an empty folder is not the user's work either
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["compile", str(model), "--out", str(empty), "--quiet"]) == 0


@pytest.mark.parametrize("out, fragment", [("f.txt", "f.txt: is a file, not a folder"),
                                           ("f.txt/sub", "f.txt is a file, not a folder")])
def test_a_file_where_the_folder_goes(model, tmp_path, capsys, out, fragment):
    (tmp_path / "f.txt").write_text("keep me")
    code = main(["compile", str(model), "--out", str(tmp_path / out), "--quiet"])
    one_line_error(capsys, code, fragment)
    assert (tmp_path / "f.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt", "m.tflite"]


def test_a_parent_without_write_permission(model, tmp_path, capsys, monkeypatch):
    """Checked with os.access before any work (as root every folder is writable, so the refusal
    is simulated there by os.access saying no for that one folder)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(fsutil.os, "access",
                        lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    code = main(["compile", str(model), "--out", str(locked / "c"), "--quiet"])
    one_line_error(capsys, code, f"cannot write into {locked} (permission denied)")
    code = main(["build", str(locked), "--board", "mps2_an386", "--out", str(locked / "fw"), "--quiet"])
    assert code != 0 and list(locked.iterdir()) == []
    capsys.readouterr()


def test_train_checks_its_run_folder_before_training(tmp_path, capsys):
    """The run folder is checked before data and training: a user's folder fails at once."""
    repo = Path(__file__).resolve().parents[1]
    user = tmp_path / "run"
    user.mkdir()
    (user / "thesis.tex").write_text("mine")
    t0 = time.monotonic()
    code = main(["train", str(repo / "models" / "kws_dscnn.yaml"), "--out", str(user), "--quiet"])
    one_line_error(capsys, code, f"{user}: exists and mcuforge did not make it")
    assert time.monotonic() - t0 < 30 and _tree(user) == {"thesis.tex": b"mine"}


def test_generated_folder_without_its_model(model, tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compile", str(model), "--out", str(out), "--quiet"]) == 0
    (out / "model.tflite").unlink()
    code = main(["emulate", str(out), "--host", "--random", "2", "--quiet"])
    one_line_error(capsys, code, f"{out}: model.tflite is missing")


def test_vectors_file_with_garbage_or_bad_labels(model, tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compile", str(model), "--out", str(out), "--quiet"]) == 0
    garbage = tmp_path / "garbage.npz"
    with zipfile.ZipFile(garbage, "w") as z:
        z.writestr("inputs.npy", b"not an array" * 8)
    code = main(["emulate", str(out), "--host", "--vectors", str(garbage), "--quiet"])
    one_line_error(capsys, code, f"{garbage}: not a vectors .npz", "'inputs' is not an .npy array")
    labels = tmp_path / "labels.npz"
    np.savez(labels, inputs=np.zeros((2, 12), np.int8), labels=np.array([99, 1]))
    code = main(["emulate", str(out), "--host", "--vectors", str(labels), "--quiet"])
    one_line_error(capsys, code, f"{labels}: 'labels' holds 99; the model has 12 classes")


def test_sizes_over_the_limit_name_the_tensor(tmp_path, capsys):
    """A batch of 2^31 - 1 on every activation: a one-line error naming the tensor, and nothing
    written (it used to compile into `static int8_t arena[34359738352000]`)."""
    n = 2**31 - 1
    path = tmp_path / "huge.tflite"
    b = tb.ModelBuilder()
    x = b.add_input((n, 4, 4, 2), 0.1, 0)
    y = b.add_output((n, 2, 2, 2), 0.1, 0)
    b.add_operator("MAX_POOL_2D", (x,), (y,), Pool2DOptions(padding=Padding.VALID, stride_w=2, stride_h=2,
                                                            filter_w=2, filter_h=2))
    path.write_bytes(b.build())
    code = main(["compile", str(path), "--out", str(tmp_path / "c"), "--quiet"])
    one_line_error(capsys, code, "huge.tflite: tensor 0", f"the limit is {MAX_BYTES:,} B")
    assert not (tmp_path / "c").exists()


def test_sigterm_leaves_the_old_output_or_none(tmp_path):
    """SIGTERM at random moments of a compile (seeded, across start-up, reading, lowering,
    writing and the arena measurement): the output folder is the previous complete one, never
    half; no temporary is left once the process has gone."""
    model = tmp_path / "kws.tflite"
    model.write_bytes((Path(__file__).resolve().parents[2] / "shared" / "models" /
                       "kws_ref_model.tflite").read_bytes())
    out = tmp_path / "c"
    cmd = [sys.executable, "-m", "mcuforge", "compile", str(model), "--out", str(out), "--quiet"]
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    complete = _tree(out)
    for delay in np.random.default_rng(13).uniform(0.2, 2.0, 6).round(2):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        assert _tree(out) == complete, f"SIGTERM after {delay} s changed the output"
        left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".c.")]
        assert not left, f"SIGTERM after {delay} s left {left}"

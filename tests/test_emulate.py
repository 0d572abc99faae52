"""Host emulation plumbing: comparison, reference isolation, vector files."""

from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import shared_model
from mcuforge import reference
from mcuforge.cli import main
from mcuforge.emulate.compare import compare_exact
from mcuforge.reference import ReferenceRunError
from mcuforge.reference.isolated import run_isolated


def test_compare_exact_reports_first_positions():
    expected = np.zeros((3, 2, 4), dtype=np.int8)
    got = expected.copy()
    got[1, 0, 3] = 2
    got[2, 1, 1] = -1
    cmp = compare_exact(got, expected)
    assert (cmp.vectors, cmp.exact, cmp.max_abs_diff, cmp.ok) == (3, 1, 2, False)
    assert [(m.vector, m.position, m.got, m.expected) for m in cmp.mismatches] == [
        (1, (0, 3), 2, 0), (2, (1, 1), -1, 0)]
    assert "vector 1 at [0, 3]: got 2, expected 0" in cmp.describe_mismatches()
    assert compare_exact(expected, expected).ok


def _abort_worker(model: bytes, inputs: np.ndarray) -> np.ndarray:
    os.abort()


def test_a_crashing_reference_is_an_error_not_a_crash():
    with pytest.raises(ReferenceRunError, match="crashed"):
        run_isolated(_abort_worker, "TFLite-Micro", b"", np.zeros((2, 4), np.int8), None)
    model = shared_model("kws_ref_model.tflite").read_bytes()
    out = reference.tflm_outputs(model, np.zeros((2, 49, 10, 1), np.int8))  # a fresh child works
    assert out.shape == (2, 12)


def test_tflm_arena_report():
    model = shared_model("kws_ref_model.tflite").read_bytes()
    assert reference.tflm_arena_bytes(model) == 24272  # the figure ../shared/models/README.md gives


@pytest.mark.host
def test_vectors_file_errors(tmp_path, capsys, host_cc):
    model = shared_model("kws_ref_model.tflite")
    c_dir = tmp_path / "c"
    assert main(["compile", str(model), "--out", str(c_dir), "--quiet"]) == 0
    cases = {
        "wrong.npz": (dict(inputs=np.zeros((3, 10, 49, 1), np.int8)), "shape [3, 10, 49, 1]"),
        "empty.npz": (dict(inputs=np.zeros((0, 49, 10, 1), np.int8)), "N >= 1"),
        "float.npz": (dict(inputs=np.full((2, 49, 10, 1), 300.7)), "float64"),
        "labels.npz": (dict(inputs=np.zeros((2, 49, 10, 1), np.int8), labels=np.zeros(3, np.int64)),
                       "'labels' must be 2 integers"),
    }
    paths = []
    for name, (arrays, fragment) in cases.items():
        np.savez(tmp_path / name, **arrays)
        paths.append((tmp_path / name, fragment))
    np.save(tmp_path / "array.npy", np.zeros((2, 49, 10, 1), np.int8))
    not_npz = tmp_path / "text.npz"
    not_npz.write_text("hello")
    paths += [(tmp_path / "array.npy", "not a vectors .npz"), (not_npz, "not a vectors .npz"),
              (tmp_path / "none.npz", "no such vectors file")]
    for path, fragment in paths:
        capsys.readouterr()
        assert main(["emulate", str(c_dir), "--host", "--vectors", str(path)]) != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and fragment in err[0], err
    for n in ("0", "-1", "x"):  # usage errors: exit code 2, one line
        with pytest.raises(SystemExit) as stop:
            main(["emulate", str(c_dir), "--host", "--random", n])
        err = capsys.readouterr().err.strip().splitlines()
        assert stop.value.code == 2 and len(err) == 1 and "--random" in err[0], err

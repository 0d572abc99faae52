"""`mcuforge run` does each piece of work once: the TFLite-Micro arena is measured by the compile
stage and handed to the host row, and the reference outputs of the host run are handed to the
board run instead of running the interpreters over the test split again.

Training and quantization are replaced by a run folder holding the MLPerf Tiny KWS reference
model and a few test vectors; everything after them is the real chain (mcuforge.chain.do_run).
"""

from __future__ import annotations

import shutil
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import require_tool, shared_model
from mcuforge import chain
from mcuforge.compile.backends import KernelRequest
from mcuforge.reference import litert, tflm
from mcuforge.rundir import RunDir
from mcuforge.ui import Summary

ONCE_EACH = {
    "mcuforge.reference.tflm._arena_report": 1,   # the arena figure
    "mcuforge.reference.tflm._run_chunk": 1,      # TFLite-Micro over the test vectors
    "mcuforge.reference.litert._run_chunk": 1,    # LiteRT's reference kernels over them
}


def _count_reference_runs(monkeypatch) -> Counter:
    """Every run of a reference interpreter goes through run_isolated: count them by worker."""
    calls: Counter = Counter()
    for module in (tflm, litert):
        def counting(worker, *args, _original=module.run_isolated, **kwargs):
            fn = getattr(worker, "func", worker)   # functools.partial for LiteRT
            calls[f"{fn.__module__}.{fn.__name__}"] += 1
            return _original(worker, *args, **kwargs)
        monkeypatch.setattr(module, "run_isolated", counting)
    return calls


def _fake_training(monkeypatch, run: RunDir, vectors: int) -> None:
    model = shared_model("kws_ref_model.tflite")

    def train(recipe_path, out, data, progress, summary, force=False):
        run.root.mkdir(parents=True)
        shutil.copyfile(model, run.tflite)
        rng = np.random.default_rng(0)
        np.savez(run.test_vectors, labels=rng.integers(0, 12, vectors),
                 inputs=rng.integers(-128, 128, (vectors, 49, 10, 1), dtype=np.int8))
        return SimpleNamespace(name="kws_ref_model", is_image=False), run

    def quantize(run_path, progress, summary):
        return run, SimpleNamespace(float_accuracy=0.5, int8_accuracy=0.5,
                                    tflite_bytes=run.tflite.stat().st_size)

    monkeypatch.setattr(chain, "do_train", train)
    monkeypatch.setattr(chain, "do_quantize", quantize)


@pytest.mark.host
@pytest.mark.parametrize("board", [None, pytest.param("mps2_an386", marks=[pytest.mark.cross,
                                                                         pytest.mark.qemu])])
def test_run_measures_every_reference_figure_once(tmp_path, monkeypatch, host_cc, board):
    if board:
        require_tool("arm-none-eabi-gcc")
        require_tool("qemu-system-arm")
    run = RunDir(tmp_path / "run")
    _fake_training(monkeypatch, run, vectors=6)
    calls = _count_reference_runs(monkeypatch)
    summary = Summary("run")
    # the portable kernels: the arena asserted below is theirs (a DSP board defaults to others)
    chain.do_run("unused.yaml", str(run.root), None, board, 3 if board else None, 60.0, False, summary,
                 kernels=KernelRequest("portable"))

    expected = dict(ONCE_EACH)
    if board:
        # the run's report measures per-layer speed on the board with random vectors of its own
        # (README, "Report"), each checked against TFLite-Micro: one more run, on other inputs
        expected["mcuforge.reference.tflm._run_chunk"] += 1
    assert dict(calls) == expected
    assert summary.data["bit_exact"] == summary.data["vectors"] == 6
    assert summary.data["tflm_arena_bytes"] == 24272 and summary.data["arena_bytes"] == 16_000
    if board:
        on_board = summary.data["board_run"]
        assert on_board["bit_exact"] == on_board["vectors"] == 3   # the first 3 of the host's
        assert on_board["litert_exact"] is not None

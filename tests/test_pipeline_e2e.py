"""The whole chain on a tiny synthetic set: recipe -> data -> train -> int8 -> C -> host, bit-exact."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import require_module
from mcuforge.cli import main


def tiny_kws_recipe(name: str = "tiny_kws", epochs: int = 2, extra: str = "") -> str:
    """A DS-CNN recipe small enough for a test: 8 synthetic clips a class, width 8, one block;
    ``extra`` is appended (more recipe sections)."""
    return f"""\
name: {name}
dataset:
  kind: synthetic_speech
  clips_per_class: 8
  seed: 1
model:
  architecture: ds_cnn
  width: 8
  blocks: 1
training:
  epochs: {epochs}
  batch_size: 16
quantization:
  representative_samples: 16
{extra}"""


TINY_RECIPE = tiny_kws_recipe()


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.host
def test_run_tiny_recipe_end_to_end(tmp_path, capsys, monkeypatch, host_cc):
    require_module("tensorflow")
    monkeypatch.setenv("MCUFORGE_CACHE", str(tmp_path / "cache"))
    recipe = tmp_path / "tiny_kws.yaml"
    recipe.write_text(TINY_RECIPE)
    run = tmp_path / "run"

    code = main(["run", str(recipe), "--out", str(run), "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    for name in ("recipe.yaml", "features.npz", "model.keras", "model.tflite", "test_vectors.npz",
                 "train_metrics.json", "quantize_metrics.json", "c/tiny_kws.c", "c/model_info.json"):
        assert (run / name).is_file(), name
    with np.load(run / "test_vectors.npz") as f:
        n_test = len(f["labels"])
        assert f["inputs"].dtype == np.int8 and f["inputs"].shape[1:] == (49, 10, 1)
    assert n_test > 0
    assert summary["vectors"] == n_test and summary["bit_exact"] == n_test
    assert 0.0 <= summary["int8_accuracy"] <= 1.0 and 0.0 <= summary["float_accuracy"] <= 1.0
    # the generated C classifies exactly as the int8 model does under the reference interpreter
    metrics = json.loads((run / "quantize_metrics.json").read_text())
    assert len(metrics["confusion_int8"]) == 12 and sum(map(sum, metrics["confusion_int8"])) == n_test

    # stages one at a time on the same run folder
    assert main(["quantize", str(run), "--quiet"]) == 0
    assert main(["compile", str(run / "model.tflite"), "--out", str(run / "c2"), "--quiet"]) == 0
    capsys.readouterr()
    code = main(["emulate", str(run / "c2"), "--host", "--vectors", str(run / "test_vectors.npz"),
                 "--json", "--quiet"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and result["bit_exact"] == n_test
    assert result["accuracy"] == pytest.approx(summary["accuracy"])

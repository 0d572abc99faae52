"""Streaming KWS without a compiler: the int8 input rule the device uses, the recipe's stream
section, labels and scoring, and one-line errors for bad input to `mcuforge stream`."""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest

from mcuforge.cli import main
from mcuforge.data.wav import encode_wav
from mcuforge.stream.config import FEATURE_BOUND, input_thresholds, quantize_features
from mcuforge.stream.events import Detection, Label, LabelsError, read_labels, score

pytestmark = pytest.mark.host


@pytest.mark.parametrize("scale,zero_point", [(0.5847029089927673, 83), (0.1, -128), (0.0371, 5)])
def test_thresholds_give_the_float_quantization_of_every_feature(scale, zero_point):
    f = np.arange(-FEATURE_BOUND, FEATURE_BOUND + 1, dtype=np.int64)
    t = input_thresholds(scale, zero_point)
    assert t.dtype == np.int32 and np.all(np.diff(t.astype(np.int64)) >= 0)
    # the device's rule: -128 + the number of thresholds <= f
    device = (np.searchsorted(t, f, side="right") - 128).astype(np.int8)
    assert np.array_equal(device, quantize_features(f, scale, zero_point))


def test_scoring_follows_the_matching_rule():
    labels = (Label("yes", 1.0, 1.5), Label("no", 5.0, 5.4), Label("yes", 9.0, 9.5))
    dets = (Detection("yes", int(2.4 * 16000), 600),    # within end + 1 s: hit
            Detection("yes", int(2.6 * 16000), 600),    # second one: false alarm
            Detection("up", int(5.2 * 16000), 600),     # wrong word: false alarm, "no" missed
            Detection("yes", int(8.9 * 16000), 600))    # before the start: false alarm
    s = score(dets, labels, 3600.0)
    assert (s.hits, s.false_alarms, s.labels) == (1, 3, 3)
    assert [la.word for la in s.missed] == ["no", "yes"]
    assert s.false_alarms_per_hour == 3.0


@pytest.mark.parametrize("text,problem", [
    ("word,start,end\nyes,1.0\n", "row 2: expected word,start,end, got 2 fields"),
    ("yes,one,2\n", "row 1: start and end must be seconds"),
    ("yes,3,2\n", "row 1: need 0 <= start <= end"),
    ("marvin,1,2\n", "row 1: 'marvin' is not a keyword of the model"),
])
def test_labels_that_do_not_parse(tmp_path, text, problem):
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(LabelsError, match=problem):
        read_labels(path, ("yes", "no"))


def test_labels_parse(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("word,start,end\nno,5,5.5\n\nyes, 1.25 ,1.75\n")
    assert read_labels(path, ("yes", "no")) == (Label("yes", 1.25, 1.75), Label("no", 5.0, 5.5))


def _fake_c_dir(tmp_path):
    """Enough of a run folder for the stream command to reach its input checks."""
    c = tmp_path / "run" / "c"
    c.mkdir(parents=True)
    io = {"shape": [1, 49, 10, 1], "dtype": "int8_t", "scale": 0.5, "zero_point": 0, "bytes": 490}
    out = {"shape": [1, 3], "dtype": "int8_t", "scale": 1 / 256, "zero_point": -128, "bytes": 3}
    (c / "model_info.json").write_text(json.dumps({
        "generator": "mcuforge 0.1.0", "name": "m", "macro_prefix": "M", "source": "m.tflite",
        "sha256": "0" * 64, "arena_bytes": 0, "weight_bytes": 0, "macs": 0,
        "inputs": [{"name": "in", **io}], "outputs": [{"name": "out", **out}], "layers": []}))
    (c / "model.tflite").write_bytes(b"")   # never read: the inputs fail first
    (c.parent / "quantize_metrics.json").write_text(json.dumps({"classes": ["_silence_", "yes", "no"]}))
    return c


def _wav(samples: np.ndarray, rate: int = 16000, channels: int = 1) -> bytes:
    data = samples.astype("<i2").tobytes()
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1,
                       channels, rate, rate * 2 * channels, 2 * channels, 16, b"data",
                       len(data)) + data


@pytest.mark.parametrize("name,content,message", [
    ("rate.wav", _wav(np.zeros(32000), rate=8000), "sample rate 8000 Hz, expected 16000"),
    ("stereo.wav", _wav(np.zeros(64000), channels=2), "2 channels, expected mono"),
    ("truncated.wav", _wav(np.zeros(32000))[:20000], "truncated: data chunk says 64000 bytes"),
    ("short.wav", encode_wav(np.zeros(8000, np.int16)), "0.50 s of audio; a stream needs at least 1 s"),
    ("labels", encode_wav(np.zeros(32000, np.int16)), "labels.csv: row 1: start and end must be"),
    ("linked", encode_wav(np.zeros(32000, np.int16)), "--linked links the audio into a board's "
     "firmware: give --board too"),
    ("tune", encode_wav(np.zeros(32000, np.int16)), "--tune chooses the settings on a labelled "
     "stream: give --labels too"),
    ("tune-board", encode_wav(np.zeros(32000, np.int16)), "--tune computes the posteriors on the "
     "host"),
    ("budget", encode_wav(np.zeros(32000, np.int16)), "--max-false-alarms is the budget of --tune: "
     "give --tune too"),
])
def test_bad_input_is_one_line(tmp_path, capsys, name, content, message):
    c = _fake_c_dir(tmp_path)
    wav = tmp_path / (name if name.endswith(".wav") else "ok.wav")
    wav.write_bytes(content)
    labels = tmp_path / "labels.csv"
    labels.write_text("yes,soon,2\n")
    argv = ["stream", str(c), str(wav)] + (["--labels", str(labels)] if name == "labels" else [])
    argv += ["--linked"] if name == "linked" else []
    argv += {"tune": ["--tune"], "tune-board": ["--tune", "--board", "mps2_an386"],
             "budget": ["--max-false-alarms", "2"]}.get(name, [])
    assert main(argv) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and message in err, err


@pytest.mark.parametrize("section,message", [
    ("stream:\n  threshold: 1.5\n", "stream.threshold: a mean posterior, must be in (0, 1)"),
    ("stream:\n  average_window: 17\n", "stream.average_window: must be in 1..16"),
    ("stream:\n  infer_every_hops: 0\n", "stream.infer_every_hops: must be positive"),
    ("stream:\n  refractory: 1\n", "unknown key 'stream.refractory' (did you mean 'refractory_s'?)"),
    ("task: image_classification\nstream:\n  threshold: 0.5\n", "stream applies to task keyword_spotting only"),
])
def test_recipe_stream_section_errors(tmp_path, section, message):
    from mcuforge.errors import RecipeError
    from mcuforge.recipe import load_recipe

    path = tmp_path / "r.yaml"
    path.write_text("name: r\n" + section)
    with pytest.raises(RecipeError, match=re.escape(message)):
        load_recipe(path)


def test_default_recipe_has_its_stream_settings():
    from mcuforge.recipe import load_recipe
    from mcuforge.resources import DATA_ROOT

    spec = load_recipe(DATA_ROOT / "models" / "kws_dscnn.yaml").stream
    assert (spec.infer_every_hops, spec.average_window) == (4, 8)
    assert 0 < spec.threshold < 1 and spec.refractory_s > 0

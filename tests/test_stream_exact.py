"""The streaming application in C gives exactly the detections its Python twin gives from the
references (the front end's Python definition, the test vectors' input quantization,
TFLite-Micro's interpreter, the smoothing and detection rules; mcuforge.stream.reference): on the
host build over a synthetic stream of held-out voices, and under QEMU (mps2_an386) on an excerpt
of it, with the same samples and scores.

The model is a tiny DS-CNN trained for one epoch on a small synthetic set (any trained model will
do: what is checked is that the C does what the definition says, not how well it spots words),
with the threshold set from the reference's own scores so that the stream fires often (such a
model's posteriors stay near 1/12)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from conftest import require_module, require_tool
from mcuforge.boards import get_board
from mcuforge.cli import main
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.data.streams import labels_csv, make_stream
from mcuforge.data.wav import encode_wav
from mcuforge.emulate.qemu import QemuMachine
from mcuforge.errors import EmulationError
from mcuforge.stream.board import build_stream_firmware, play
from mcuforge.stream.config import stream_params
from mcuforge.stream.host import build_stream_host, run_stream_host
from mcuforge.stream.reference import detections_from, reference_detections, reference_posteriors
from test_pipeline_e2e import tiny_kws_recipe

TINY_RECIPE = tiny_kws_recipe("tiny_stream", epochs=1, extra="""\
stream:
  infer_every_hops: 2
  average_window: 2
  refractory_s: 0.3
""")
STREAM_SECONDS = 12.0
QEMU_WARMUP_SECONDS = 1.5    # the excerpt starts this long before the first detection


@pytest.fixture(scope="module")
def stream_setup(tmp_path_factory):
    require_module("tensorflow")
    require_tool("cc", "gcc", "clang")
    root = tmp_path_factory.mktemp("stream")
    recipe = root / "tiny_stream.yaml"
    recipe.write_text(TINY_RECIPE)
    run = root / "run"
    assert main(["train", str(recipe), "--out", str(run), "--quiet"]) == 0
    assert main(["quantize", str(run), "--quiet"]) == 0
    assert main(["compile", str(run / "model.tflite"), "--out", str(run / "c"), "--quiet",
                 "--kernels", "portable"]) == 0
    params = stream_params(ModelInfo.load(run / "c"))
    audio, labels = make_stream(STREAM_SECONDS, seed=1)
    (root / "stream.wav").write_bytes(encode_wav(audio))
    (root / "stream.csv").write_text(labels_csv(labels))
    ends, posts = reference_posteriors(params, audio)
    # a threshold that about 10 % of the full windows' best keyword reach
    w, keywords = params.spec.average_window, list(params.keywords)
    kw = [params.classes.index(k) for k in keywords]
    best = [posts[i + 1 - w:i + 1, kw].sum(axis=0).max() for i in range(w - 1, len(posts))]
    threshold = float(np.percentile(best, 90)) / (w / params.model.output.scale) - 1e-6
    params = stream_params(params.model, dataclasses.replace(params.spec, threshold=threshold))
    reference = detections_from(params, ends, posts)
    assert len(reference) >= 3, reference       # the stream fires: the test can fail
    return params, audio, reference, root


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.host
def test_host_stream_equals_the_reference(stream_setup):
    params, audio, reference, root = stream_setup
    exe = build_stream_host(params, root / "host")
    run = run_stream_host(exe, params, audio)
    assert run.detections == reference
    assert run.hops == (len(audio) - 480) // 320 + 1
    # the same stream in odd-sized pieces is the same stream (the host driver reads 4,096 samples
    # at a time; here the cut falls inside a frame)
    cut = 16000 * 5 + 77
    first, second = run_stream_host(exe, params, audio[:cut]), run.detections
    assert first.detections == tuple(d for d in second if d.sample <= cut)


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.host
def test_tune_reports_the_best_setting_of_the_grid(stream_setup, capsys):
    """`stream --tune` on the labelled stream: its setting for the budget scores, by the
    reference rule, what it says, and no setting of the grid within the budget has more hits."""
    from mcuforge.stream.events import read_labels, score
    from mcuforge.stream.tune import REFRACTORY_S, THRESHOLDS, WINDOWS

    params, audio, _, root = stream_setup
    budget = 400.0                               # per hour: a few false alarms in 12 s
    assert main(["stream", str(params.model.folder), str(root / "stream.wav"), "--labels",
                 str(root / "stream.csv"), "--tune", "--max-false-alarms", str(budget),
                 "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    chosen = out["recipe"]
    best = next(b for b in out["best"] if b["max_false_alarms_per_hour"] == budget)
    labels = read_labels(root / "stream.csv", params.keywords)
    ends, posts = reference_posteriors(params, audio)
    seconds = len(audio) / 16000

    def scored(window, threshold, refractory):
        spec = dataclasses.replace(params.spec, average_window=window, threshold=threshold,
                                   refractory_s=refractory)
        return score(detections_from(stream_params(params.model, spec), ends, posts), labels, seconds)

    s = scored(chosen["average_window"], chosen["threshold"], chosen["refractory_s"])
    assert (s.hits, s.false_alarms) == (best["hits"], best["false_alarms"])
    assert s.false_alarms_per_hour <= budget
    most = max(r.hits for r in (scored(w, t, rf) for w in WINDOWS[:4] for t in THRESHOLDS
                                for rf in REFRACTORY_S) if r.false_alarms_per_hour <= budget)
    assert s.hits >= most


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.cross
@pytest.mark.qemu
def test_qemu_stream_equals_the_reference(stream_setup):
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    params, audio, reference, root = stream_setup
    excerpt = _excerpt(params, audio, reference)
    board = get_board("mps2_an386")
    fw = build_stream_firmware(params, board, root / "fw")
    with QemuMachine(board, fw.elf, timeout=120.0) as machine:
        run = play(machine, params, excerpt, progress=False)
    expected = reference_detections(params, excerpt)
    assert expected, "the excerpt must hold a detection"
    assert run.detections == expected
    assert run.hops == (len(excerpt) - 480) // 320 + 1
    assert run.frontend_instructions and run.model_instructions
    assert run.inferences == (run.hops - 49) // params.spec.infer_every_hops + 1
    assert fw.memory.named_flash == ()
    with QemuMachine(board, fw.elf, timeout=60.0) as machine:
        session = machine.start()
        assert session.wait_hello().int("linked") == 0
        with pytest.raises(EmulationError, match="rejected PLAY: ERR unsupported"):
            session.play(320)
        session.exit(0)

    # the same excerpt linked into the firmware and played there: the same detections and the
    # same instructions (the frames are read from flash instead of the serial buffer), to within
    # the counter: each timed frame or inference is converted from whole ticks of a counter that
    # runs at a fixed number of ticks per instruction, whose phase differs between two images, so
    # each may round one instruction apart
    linked = build_stream_firmware(params, board, root / "fw-linked", linked=excerpt)
    with QemuMachine(board, linked.elf, timeout=120.0) as machine:
        from_flash = play(machine, params, excerpt, progress=False)
    assert (from_flash.detections, from_flash.hops, from_flash.inferences) == \
        (run.detections, run.hops, run.inferences)
    assert abs(from_flash.frontend_instructions - run.frontend_instructions) <= run.hops
    assert abs(from_flash.model_instructions - run.model_instructions) <= run.inferences


def _excerpt(params, audio, reference):
    """An excerpt around the first detection, starting on the inference grid (any excerpt is a
    stream of its own; this one is short and fires)."""
    grid = 320 * params.spec.infer_every_hops
    start = max(0, reference[0].sample - int(QEMU_WARMUP_SECONDS * 16000)) // grid * grid
    return audio[start:reference[0].sample + 8000]


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.cross
@pytest.mark.qemu
def test_play_stops_at_the_end_of_the_linked_pcm(stream_setup):
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    params, audio, _, root = stream_setup
    board = get_board("mps2_an386")
    fw = build_stream_firmware(params, board, root / "fw-short", linked=audio[:2000])
    assert fw.memory.named_flash == (("linked audio", 2 * 2000),)
    assert "+ linked audio 4,000 + other " in fw.memory.flash_parts()
    with QemuMachine(board, fw.elf, timeout=60.0) as machine:
        session = machine.start()
        hello = session.wait_hello()
        assert hello.int("linked") == 2000
        first = session.play(1600)
        assert (first.status, first.hops) == (0, (1600 - 480) // 320 + 1)
        for bad, problem in ((401, "past the end"), (0, "sample count"), (1601, "sample count")):
            with pytest.raises(EmulationError, match=f"ERR length {problem}"):
                session.play(bad)
        assert session.play(400).hops == (2000 - 480) // 320 + 1 - first.hops
        session.reset_stream()                    # from the start again
        again = session.play(1600)
        # the same result; the timings to within one counter tick per timed frame or inference
        # (the counter's phase differs on the replay, see test_qemu_stream_equals_the_reference)
        assert dataclasses.replace(again, frontend_ticks=0, model_ticks=0) == \
            dataclasses.replace(first, frontend_ticks=0, model_ticks=0)
        assert abs(again.frontend_ticks - first.frontend_ticks) <= first.hops
        assert abs(again.model_ticks - first.model_ticks) <= first.inferences
        session.exit(0)

    with pytest.raises(EmulationError, match="links 2000 samples of PCM, not the 3000 to play"):
        with QemuMachine(board, fw.elf, timeout=60.0) as machine:
            play(machine, params, audio[:3000], progress=False)


def test_params_follow_the_recipe(stream_setup):
    params = stream_setup[0]
    assert params.score_threshold == int(np.ceil(params.spec.threshold * 2 * 256 - 1e-9))
    assert params.refractory_hops == 15
    assert params.keywords == tuple(c for c in params.classes if not c.startswith("_"))
    assert dataclasses.asdict(params.spec)["infer_every_hops"] == 2

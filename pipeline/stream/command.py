"""`mcuforge stream C_DIR AUDIO.wav [--host | --board B] [--labels CSV]`: play a long recording
through the streaming application (host build or an emulated board) and print the detections;
with labels, hits, misses and false alarms per hour (matching rule: pipeline/stream/events.py).
With ``--tune``, choose the detection settings on the labelled recording instead (stream/tune.py).

`mcuforge make-stream OUT.wav`: a synthetic test stream of held-out voices and its labels CSV
(pipeline/data/streams.py)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from ..codegen.model_info import ModelInfo
from ..data.wav import read_wav
from ..errors import DatasetError
from ..ui import Summary, percent
from .config import SAMPLE_RATE, StreamError, StreamParams, stream_params
from .events import DEFAULT_TOLERANCE_S, StreamRun, read_labels, score
from .host import build_stream_host, run_stream_host


def do_stream(c_dir: str, wav: str, board_name: str | None, labels_path: str | None,
              tolerance_s: float, timeout: float, summary: Summary, as_json: bool = False,
              excerpt_s: float | None = None, linked: bool = False) -> StreamRun:
    if linked and not board_name:
        raise StreamError("--linked links the audio into a board's firmware: give --board too")
    model = ModelInfo.load(c_dir)
    params = stream_params(model)
    audio = _read_stream(wav, excerpt_s)
    labels = read_labels(labels_path, params.keywords) if labels_path else None
    seconds = len(audio) / SAMPLE_RATE
    t0 = time.monotonic()
    if board_name:
        from .board import run_stream_board
        run = run_stream_board(params, board_name, audio, timeout, summary, linked=linked)
        where = f"{board_name} (QEMU{', audio linked in' if linked else ''})"
    else:
        with tempfile.TemporaryDirectory(prefix="mcuforge-stream-") as tmp:
            exe = build_stream_host(params, Path(tmp))
            run = run_stream_host(exe, params, audio)
        where = "host build"
    wall = time.monotonic() - t0
    if not as_json:
        print_timeline(run, labels, tolerance_s)
    summary.add("stream", f"{wav}: {seconds:.1f} s on the {where}, {run.hops} hops, "
                f"{run.inferences} inferences", "seconds", round(seconds, 3))
    summary.add("settings", params.describe(), "settings", {
        "infer_every_hops": params.spec.infer_every_hops, "average_window": params.spec.average_window,
        "threshold": params.spec.threshold, "refractory_s": params.spec.refractory_s})
    summary.add("detections", str(len(run.detections)), "detections",
                [{"word": d.word, "seconds": round(d.seconds, 3), "score": d.score}
                 for d in run.detections])
    if labels is not None:
        result = score(run.detections, labels, seconds, tolerance_s)
        summary.add("recall", f"{percent(result.recall)} ({result.hits} of {result.labels} keywords; "
                    f"a detection of the word from its start to {tolerance_s:g} s after its end)",
                    "recall", result.recall)
        summary.add("misses", str(result.labels - result.hits), "misses", result.labels - result.hits)
        summary.add("false alarms", f"{result.false_alarms} ({result.false_alarms_per_hour:.1f} per hour)",
                    "false_alarms_per_hour", round(result.false_alarms_per_hour, 2))
    summary.add("wall time", f"{wall:.0f} s", "wall_seconds", round(wall, 1))
    return run


def do_tune(c_dir: str, wav: str, labels_path: str | None, tolerance_s: float,
            max_false_alarms_per_hour: float | None, summary: Summary, progress: bool = True,
            as_json: bool = False, excerpt_s: float | None = None, on_board: bool = False) -> None:
    """The best detection settings on a labelled stream within the false-alarm budget (None:
    DEFAULT_FALSE_ALARM_BUDGET; ``on_board``: --board or --linked was given, which --tune does
    not take)."""
    from ..ui import progress_bar
    from .reference import inference_ends, reference_posteriors
    from .tune import (
        DEFAULT_FALSE_ALARM_BUDGET,
        FALSE_ALARM_LEVELS,
        REFRACTORY_S,
        THRESHOLDS,
        WINDOWS,
        best_within,
        sweep,
    )

    if on_board:
        raise StreamError("--tune computes the posteriors on the host (TFLite-Micro, which the "
                          "firmware equals): leave out --board and --linked")
    if not labels_path:
        raise StreamError("--tune chooses the settings on a labelled stream: give --labels too")
    if max_false_alarms_per_hour is None:
        max_false_alarms_per_hour = DEFAULT_FALSE_ALARM_BUDGET
    model = ModelInfo.load(c_dir)
    params = stream_params(model)
    audio = _read_stream(wav, excerpt_s)
    labels = read_labels(labels_path, params.keywords)
    seconds = len(audio) / SAMPLE_RATE
    t0 = time.monotonic()
    inferences = len(inference_ends(params, len(audio)))
    with progress_bar(inferences, "posteriors (TFLite-Micro)", progress, unit="inference") as bar:
        ends, posts = reference_posteriors(params, audio, on_step=bar.update)
    settings = sweep(params, ends, posts, labels, seconds, tolerance_s)
    levels = sorted({*FALSE_ALARM_LEVELS, max_false_alarms_per_hour})
    rows = [(level, best_within(settings, level)) for level in levels]
    if not as_json:
        print(f"{'budget':>14}  {'window':>6}  {'threshold':>9}  {'refractory':>10}  "
              f"{'recall':>8}  {'false alarms':>12}")
        for level, best in rows:
            if best is None:
                print(f"{f'<= {level:g}/h':>14}  none of the {len(settings)} settings")
                continue
            sp, sc = best.params.spec, best.score
            print(f"{f'<= {level:g}/h':>14}  {sp.average_window:>6}  {sp.threshold:>9g}  "
                  f"{sp.refractory_s:>8g} s  {percent(sc.recall):>8}  "
                  f"{sc.false_alarms:>4} ({sc.false_alarms_per_hour:.1f}/h)")
    summary.add("stream", f"{wav}: {seconds:.1f} s, {len(labels)} keywords, {len(ends)} inferences "
                f"(every {params.spec.infer_every_hops} hops, the recipe's)", "seconds",
                round(seconds, 3))
    summary.add("grid", f"{len(settings)} settings: window {WINDOWS[0]}-{WINDOWS[-1]}, threshold "
                f"{THRESHOLDS[0]:g}-{THRESHOLDS[-1]:g}, refractory {REFRACTORY_S[0]:g}-"
                f"{REFRACTORY_S[-1]:g} s")
    summary.data["best"] = [
        {"max_false_alarms_per_hour": level} | ({} if best is None else {
            "average_window": best.params.spec.average_window,
            "threshold": best.params.spec.threshold,
            "refractory_s": best.params.spec.refractory_s, "recall": best.score.recall,
            "hits": best.score.hits, "false_alarms": best.score.false_alarms,
            "false_alarms_per_hour": round(best.score.false_alarms_per_hour, 2)})
        for level, best in rows]
    chosen = dict(rows)[max_false_alarms_per_hour]
    if chosen is None:
        summary.add("best", f"no setting has at most {max_false_alarms_per_hour:g} false alarms "
                    "per hour on this stream", "recipe", None)
    else:
        sp, sc = chosen.params.spec, chosen.score
        summary.add("best", f"recall {percent(sc.recall)} ({sc.hits} of {sc.labels}) at "
                    f"{sc.false_alarms} false alarms ({sc.false_alarms_per_hour:.1f} per hour)")
        summary.add("recipe", f"stream: average_window: {sp.average_window}, threshold: "
                    f"{sp.threshold:g}, refractory_s: {sp.refractory_s:g}", "recipe",
                    {"average_window": sp.average_window, "threshold": sp.threshold,
                     "refractory_s": sp.refractory_s})
    summary.add("wall time", f"{time.monotonic() - t0:.0f} s", "wall_seconds",
                round(time.monotonic() - t0, 1))


def _read_stream(wav: str, excerpt_s: float | None) -> np.ndarray:
    audio = read_wav(wav)
    if excerpt_s is not None:
        audio = audio[:int(excerpt_s * SAMPLE_RATE)]
    if len(audio) < SAMPLE_RATE:
        raise DatasetError(f"{wav}: {len(audio) / SAMPLE_RATE:.2f} s of audio; a stream needs at "
                           "least 1 s (the model's window)")
    return audio


def print_timeline(run: StreamRun, labels, tolerance_s: float) -> None:
    """One line per detection (and, with labels, per miss), in time order."""
    rows = [(d.seconds, f"{d.seconds:9.2f} s  {d.word:<8} score {d.score}") for d in run.detections]
    if labels is not None:
        result = score(run.detections, labels, run.samples / SAMPLE_RATE, tolerance_s)
        false = set(result.false)
        rows = [(d.seconds, f"{d.seconds:9.2f} s  {d.word:<8} score {d.score}"
                 + ("  FALSE ALARM" if d in false else "")) for d in run.detections]
        rows += [(la.start, f"{la.start:9.2f} s  {la.word:<8} MISSED (said {la.start:.2f}-"
                  f"{la.end:.2f} s)") for la in result.missed]
    for _, line in sorted(rows):
        print(line)


def do_make_stream(out_wav: str, labels: str | None, minutes: float, seed: int,
                   summary: Summary, dataset_seed: int = 0, voices: str = "test") -> None:
    from ..data.streams import write_stream

    wav = Path(out_wav)
    csv = Path(labels) if labels else wav.with_suffix(".csv")
    if wav.suffix.lower() != ".wav":
        raise DatasetError(f"{wav}: the stream file must end in .wav")
    if not wav.parent.is_dir():
        raise DatasetError(f"{wav}: no such folder {wav.parent}")
    samples, keywords = write_stream(wav, csv, minutes * 60.0, seed, dataset_seed, voices)
    summary.add("stream", f"{wav} ({samples / SAMPLE_RATE:.1f} s, the {voices} voices of the "
                f"synthetic set of seed {dataset_seed}, stream seed {seed})",
                "wav", str(wav))
    summary.add("labels", f"{csv} ({keywords} keywords)", "labels", str(csv))


__all__ = ["DEFAULT_TOLERANCE_S", "StreamParams", "do_make_stream", "do_stream", "do_tune"]

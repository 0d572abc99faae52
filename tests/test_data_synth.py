"""The offline eSpeak NG keyword-spotting set (mcuforge.data.synth)."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import require_module
from mcuforge.data import CLASSES, KEYWORDS, load_speech_commands, read_wav, speaker_of, synth
from mcuforge.data.synth import default_synth_dir, synthesize_speech_commands
from mcuforge.errors import DatasetError

require_module("espeakng_loader")

TINY = 3  # clips per class: one per split


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return synthesize_speech_commands(tmp_path_factory.mktemp("synth") / "kws", clips_per_class=TINY,
                                      seed=0, progress=False)


def test_layout_and_manifest(tiny):
    manifest = json.loads((tiny / "manifest.json").read_text())
    assert manifest["clips_per_class"] == TINY and manifest["seed"] == 0
    assert manifest["generator_version"] == synth.GENERATOR_VERSION
    # 3 clips of every keyword, 9 unknown-word clips: one of each in validation and test
    assert manifest["clips"] == {"train": 10 + 7, "validation": 11, "test": 11}
    for word in KEYWORDS:
        assert len(list((tiny / word).glob("*_nohash_*.wav"))) == TINY
    noise = sorted(p.name for p in (tiny / "_background_noise_").iterdir())
    assert noise == ["brown_noise.wav", "pink_noise.wav", "white_noise.wav"]
    assert len(read_wav(tiny / "_background_noise_" / "pink_noise.wav")) == 60 * 16000
    clip = read_wav(next((tiny / "yes").glob("*.wav")))
    assert clip.shape == (16000,)
    peak_dbfs = 20 * np.log10(np.abs(clip.astype(np.float64)).max() / 32767)
    assert -20.1 <= peak_dbfs <= -0.9
    # nothing but the dataset next to it: the temporary build folder is gone
    assert [p.name for p in tiny.parent.iterdir()] == ["kws"]


def test_byte_identical_for_the_same_seed(tiny, tmp_path):
    again = synthesize_speech_commands(tmp_path / "kws", clips_per_class=TINY, seed=0, progress=False)
    assert all_files(again) == all_files(tiny)


def test_cached_second_call_is_instant(tiny):
    before = (tiny / "manifest.json").stat().st_mtime_ns
    start = time.monotonic()
    assert synthesize_speech_commands(tiny, clips_per_class=TINY, seed=0, progress=False) == tiny
    assert time.monotonic() - start < 0.5
    assert (tiny / "manifest.json").stat().st_mtime_ns == before


def test_other_parameters_in_the_same_folder_are_refused(tiny):
    with pytest.raises(DatasetError, match=r"manifest.json: made with clips_per_class=3, seed=0 .* "
                                           r"but clips_per_class=3, seed=1 .* was asked for"):
        synthesize_speech_commands(tiny, clips_per_class=TINY, seed=1, progress=False)


def test_a_folder_that_is_not_a_synthetic_set_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(DatasetError, match="mine: exists but has no manifest.json"):
        synthesize_speech_commands(tmp_path / "mine", clips_per_class=TINY, progress=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_readable_by_the_reader(tiny):
    ds = load_speech_commands(tiny, progress=False)
    assert ds.classes == CLASSES
    for name in ("train", "validation", "test"):
        counts = ds.split(name).class_counts(len(CLASSES))
        assert list(counts) == [1] * 12  # 10 keywords, then 1 silence and 1 unknown (10 % of 10)
    more = load_speech_commands(tiny, progress=False, train_unknown_fraction=0.5)
    assert [more.split(n).class_counts(len(CLASSES))[-1] for n in ("train", "validation", "test")] \
        == [5, 1, 1]                     # the train split's 7 unknown clips hold 50 % of 10


def test_held_out_voices_never_speak_in_train(tiny):
    manifest = json.loads((tiny / "manifest.json").read_text())
    ds = load_speech_commands(tiny, progress=False, unknown_fraction=1.0)
    speakers = {name: {speaker_of(s) for s in ds.split(name).sources if not s.startswith("_silence_")}
                for name in ("train", "validation", "test")}
    assert not speakers["train"] & speakers["test"]
    assert not speakers["train"] & speakers["validation"]
    assert not speakers["validation"] & speakers["test"]
    randoms = {synth.voice_key(v) for v in manifest["random_voices"]["voices"]}
    assert len(randoms) == synth.RANDOM_VOICES
    for name in ("train", "validation", "test"):
        keys = {synth.voice_key(v) for v in manifest["variants"][name]}
        assert speakers[name] <= keys | (randoms if name == "train" else set())


def test_random_voices_speak_about_half_of_the_train_clips_only():
    variants = tuple(f"v{i}" for i in range(100))
    randoms = synth.voice_names(7)
    specs = synth.plan_clips(200, 0, ("en",), synth.split_variants(variants, seed=0), randoms)
    for split in ("validation", "test"):
        assert not any(s.voice.split("+", 1)[1] in randoms for s in specs if s.split == split)
    train = [s for s in specs if s.split == "train"]
    share = np.mean([s.voice.split("+", 1)[1] in randoms for s in train])
    assert abs(share - synth.RANDOM_VOICE_FRACTION) < 0.05
    # the held-out clips are drawn exactly as without random voices
    plain = synth.plan_clips(200, 0, ("en",), synth.split_variants(variants, seed=0))
    assert [s for s in specs if s.split != "train"] == [s for s in plain if s.split != "train"]


def test_random_voices_are_voice_files_espeak_reads(tmp_path):
    from mcuforge.data.random_voices import overlay_data_folder, random_voice

    texts = {name: random_voice(np.random.default_rng(i), name)
             for i, name in enumerate(synth.voice_names(2))}
    assert texts[synth.voice_names(2)[0]] != texts[synth.voice_names(2)[1]]
    installed = synth._espeak_paths()[1]
    data = overlay_data_folder(installed, tmp_path, texts, ("en",))
    assert sorted(p.name for p in Path(installed).iterdir()) == sorted(p.name for p in data.iterdir())
    assert [p.name for p in (data / "lang").rglob("*") if p.is_file()] == ["en"]
    (tmp_path / "many").mkdir()
    with pytest.raises(DatasetError, match="more than the 349 eSpeak NG can list"):
        overlay_data_folder(installed, tmp_path / "many", dict.fromkeys(synth.voice_names(300), ""),
                            ("en",))
    voices = ("en", *(f"en+{n}" for n in texts))
    spectra = {voice: np.abs(np.fft.rfft(audio.astype(np.float64), 8192))
               for voice, audio in zip(voices, _speak_in_fresh_process(str(data), voices))}
    # each random voice changes the sound of the same word (a missing variant would fall back
    # to the plain voice: the same spectrum)
    for voice, spectrum in spectra.items():
        if voice != "en":
            assert np.corrcoef(spectra["en"], spectrum)[0, 1] < 0.95, voice


def _speak_in_fresh_process(data: str, voices: tuple[str, ...]) -> list[np.ndarray]:
    """eSpeak NG is global per process: a fresh one reads the overlay folder."""
    import concurrent.futures
    import multiprocessing

    with concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_speak, data, voices).result()


def _speak(data: str, voices: tuple[str, ...]) -> list[np.ndarray]:
    engine = synth.Espeak(data)
    return [engine.synthesize("yes", voice, 160, 50, 50, 1) for voice in voices]


def test_a_failed_build_leaves_nothing(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise DatasetError("simulated failure")

    monkeypatch.setattr(synth, "_run_lanes", fail)
    with pytest.raises(DatasetError, match="simulated failure"):
        synthesize_speech_commands(tmp_path / "kws", clips_per_class=TINY, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_dead_runs_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "_run_lanes", lambda *a, **k: None)
    dead = tmp_path / f".kws.{socket.gethostname()}-999999999-abc.tmp"
    dead.mkdir()
    synthesize_speech_commands(tmp_path / "kws", clips_per_class=TINY, progress=False)
    assert not dead.exists()


def test_too_few_clips_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="clips_per_class must be at least 3"):
        synthesize_speech_commands(tmp_path / "kws", clips_per_class=2, progress=False)


def test_default_synth_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MCUFORGE_CACHE", str(tmp_path))
    assert default_synth_dir(1500, 0) == tmp_path / f"synth-kws-v{synth.GENERATOR_VERSION}-1500pc-seed0"
    monkeypatch.delenv("MCUFORGE_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_synth_dir(400, 7).parent == tmp_path / "home" / ".cache" / "mcuforge"


def test_variants_come_from_the_listing(tmp_path):
    folder = tmp_path / "voices" / "!v"
    folder.mkdir(parents=True)
    for name in ("m3", "Mr serious", "fast", "f1"):
        (folder / name).write_text("language variant\n")
    (folder / "subdir").mkdir()
    assert synth.available_variants(tmp_path) == ("Mr serious", "f1", "m3")
    assert synth.voice_key("Mr serious") == "mr-serious"


def test_the_installed_data_has_the_languages_and_variants():
    data = synth._espeak_paths()[1]
    assert len(synth.available_languages(data)) == len(synth.LANGUAGES)
    variants = synth.available_variants(data)
    assert len(variants) > 50 and "fast" not in variants


def test_plan_splits_voices_and_clips_exactly():
    variants = tuple(f"v{i}" for i in range(100))
    voices = synth.split_variants(variants, seed=0)
    assert (len(voices.test), len(voices.validation), len(voices.train)) == (15, 10, 75)
    assert not set(voices.test) & set(voices.train) and not set(voices.validation) & set(voices.train)
    specs = synth.plan_clips(40, 0, ("en", "en-us"), voices)
    assert len(specs) == 40 * (10 + synth.UNKNOWN_CLIP_FACTOR) and len({s.path for s in specs}) == len(specs)
    for spec in specs:
        assert spec.voice.split("+", 1)[1] in voices.pool(spec.split)
        assert synth.RATE_WPM[0] <= spec.rate <= synth.RATE_WPM[1]
    yes = [s for s in specs if s.text == "yes"]
    assert [sum(s.split == n for s in yes) for n in ("train", "validation", "test")] == [30, 4, 6]
    assert specs == synth.plan_clips(40, 0, ("en", "en-us"), voices)


@pytest.mark.parametrize("color, slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_colored_noise_spectrum(color, slope):
    x = synth.colored_noise(np.random.default_rng(0), 16000 * 8, color)
    assert abs(np.sqrt(np.mean(x ** 2)) - 1.0) < 1e-9 and abs(x.mean()) < 1e-9
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 16000)
    band = (freqs > 100) & (freqs < 4000)
    fitted = np.polyfit(np.log10(freqs[band]), np.log10(power[band]), 1)[0]
    assert abs(fitted - slope) < 0.1


def test_a_worker_error_reaches_the_caller_as_one_line(tmp_path):
    spec = synth.ClipSpec(path="yes/x_nohash_0.wav", split="train", text="yes", voice="xx-nowhere+m3",
                          rate=150, pitch=50, pitch_range=50, espeak_seed=1, shift=0.5,
                          noise_color="white", noise_seed=1, snr_db=20.0, peak_dbfs=-6.0)
    (tmp_path / "yes").mkdir()
    with pytest.raises(DatasetError, match="eSpeak NG voice 'xx-nowhere\\+m3' not found"):
        synth._run_lanes(tmp_path, [spec, spec], progress=False)

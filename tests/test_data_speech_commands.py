"""Reading the Google Speech Commands layout (mcuforge.data.speech_commands)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from mcuforge.data import CLASSES, KEYWORDS, load_speech_commands, write_wav
from mcuforge.data.speech_commands import hash_split, speaker_of
from mcuforge.errors import DatasetError

SPEAKERS = [f"{i:08x}" for i in range(0x1a2b3c00, 0x1a2b3c00 + 40)]


def clip(value: int, n: int = 16000) -> np.ndarray:
    return np.full(n, value, np.int16)


def make_dataset(root: Path, *, words=KEYWORDS + ("bed", "cat", "tree"), speakers=SPEAKERS,
                 takes: int = 1, noise: bool = True) -> Path:
    """A tiny Speech Commands folder: every speaker says every word ``takes`` times. The sample
    value encodes the word index, so tests can tell clips apart."""
    for w, word in enumerate(words):
        (root / word).mkdir(parents=True)
        for speaker in speakers:
            for take in range(takes):
                write_wav(root / word / f"{speaker}_nohash_{take}.wav", clip(w + 1, 16000 - 100 * take))
    if noise:
        (root / "_background_noise_").mkdir()
        ramp = (np.arange(10 * 16000) % 20000).astype(np.int16)  # sample value = position mod 20000
        write_wav(root / "_background_noise_" / "ramp.wav", ramp)
        (root / "_background_noise_" / "README.md").write_text("not a wav")
    return root


def rel_paths(root: Path, words=KEYWORDS + ("bed", "cat", "tree")) -> list[str]:
    return sorted(f"{p.parent.name}/{p.name}" for w in words for p in (root / w).glob("*.wav"))


def test_hash_split_keeps_speakers_together(tmp_path):
    root = make_dataset(tmp_path / "sc", takes=2)
    ds = load_speech_commands(root, progress=False)
    split_of_speaker = defaultdict(set)
    for name in ("train", "validation", "test"):
        for source in ds.split(name).sources:
            if not source.startswith("_silence_"):
                split_of_speaker[speaker_of(source)].add(name)
                assert hash_split(speaker_of(source)) == name
    assert all(len(splits) == 1 for splits in split_of_speaker.values())
    assert {s for splits in split_of_speaker.values() for s in splits} == {"train", "validation", "test"}


def test_hash_split_is_stable_and_roughly_proportional():
    speakers = [f"{i:08x}" for i in range(20000)]
    counts = defaultdict(int)
    for s in speakers:
        counts[hash_split(s)] += 1
    assert 0.08 < counts["validation"] / len(speakers) < 0.12
    assert 0.08 < counts["test"] / len(speakers) < 0.12
    assert hash_split("0a7c2a8d") == hash_split("0a7c2a8d")
    assert speaker_of("yes/0a7c2a8d_nohash_3.wav") == "0a7c2a8d"


def test_split_lists_are_honoured(tmp_path):
    root = make_dataset(tmp_path / "sc")
    paths = rel_paths(root)
    validation, test = paths[::7], paths[3::7]  # both hold keyword and unknown clips
    (root / "validation_list.txt").write_text("\n".join(validation) + "\n\n")
    (root / "testing_list.txt").write_text("\n".join(test) + "\n")
    ds = load_speech_commands(root, progress=False, unknown_fraction=10.0)  # take every unknown clip
    assert {s for s in ds.validation.sources if not s.startswith("_")} == set(validation)
    assert {s for s in ds.test.sources if not s.startswith("_")} == set(test)
    assert {s for s in ds.train.sources if not s.startswith("_")} == set(paths) - set(validation) - set(test)


def test_list_entries_of_absent_words_are_ignored_but_missing_files_are_errors(tmp_path):
    root = make_dataset(tmp_path / "sc")
    (root / "validation_list.txt").write_text("marvin/abc_nohash_0.wav\n")  # no marvin/ folder
    (root / "testing_list.txt").write_text("yes/nobody_nohash_0.wav\n")
    with pytest.raises(DatasetError, match=r"testing_list.txt: 1 listed clip\(s\) not found: yes/nobody"):
        load_speech_commands(root, progress=False)
    (root / "testing_list.txt").write_text("")
    ds = load_speech_commands(root, progress=False)
    assert len(ds.test) == 0 and len(ds.validation) == 0


def test_one_list_without_the_other_is_an_error(tmp_path):
    root = make_dataset(tmp_path / "sc")
    (root / "testing_list.txt").write_text("")
    with pytest.raises(DatasetError, match="validation_list.txt: missing"):
        load_speech_commands(root, progress=False)


def test_silence_and_unknown_counts_and_labels(tmp_path):
    root = make_dataset(tmp_path / "sc", takes=3)
    ds = load_speech_commands(root, silence_fraction=0.25, unknown_fraction=0.15, progress=False)
    assert ds.classes == CLASSES
    silence, unknown = CLASSES.index("_silence_"), CLASSES.index("_unknown_")
    for name in ("train", "validation", "test"):
        split = ds.split(name)
        counts = split.class_counts(len(CLASSES))
        n_keyword = int(counts[:10].sum())
        assert counts[silence] == int(np.floor(0.25 * n_keyword + 0.5))
        assert counts[unknown] == int(np.floor(0.15 * n_keyword + 0.5))
        assert split.audio.shape == (len(split), 16000) and split.audio.dtype == np.int16
        assert split.labels.dtype == np.int64
        for label, source, audio in zip(split.labels, split.sources, split.audio):
            if label == silence:
                assert source.startswith("_silence_:_background_noise_/ramp.wav@")
            else:
                word = source.split("/")[0]
                assert (CLASSES.index(word) if word in KEYWORDS else unknown) == label
                assert audio[0] == (KEYWORDS + ("bed", "cat", "tree")).index(word) + 1


def test_silence_comes_from_the_split_own_part_of_the_noise(tmp_path):
    root = make_dataset(tmp_path / "sc")
    ds = load_speech_commands(root, silence_fraction=1.0, progress=False)
    n = 10 * 16000
    parts = {"train": (0, int(0.8 * n)), "validation": (int(0.8 * n), int(0.9 * n)),
             "test": (int(0.9 * n), n)}
    for name, (lo, hi) in parts.items():
        split = ds.split(name)
        silence = [(s, a) for s, a in zip(split.sources, split.audio) if s.startswith("_silence_")]
        assert len(silence) > 0
        for source, audio in silence[:25]:
            offset = int(source.rsplit("@", 1)[1])
            assert lo <= offset and offset + 16000 <= hi
            # a gain-scaled ramp: the crop is the file's samples at that offset, scaled
            ramp = (np.arange(offset, offset + 16000) % 20000).astype(np.float64)
            gain = float(audio.astype(np.float64) @ ramp / (ramp @ ramp))
            assert 10 ** (-30 / 20) - 1e-3 <= gain <= 1.0 + 1e-3
            assert np.abs(audio - ramp * gain).max() <= 1


def test_generated_silence_without_a_noise_folder(tmp_path):
    root = make_dataset(tmp_path / "sc", takes=2, noise=False)
    ds = load_speech_commands(root, progress=False)
    rows = ds.train.audio[ds.train.labels == CLASSES.index("_silence_")]
    assert len(rows) > 0
    rms = np.sqrt(np.mean(rows.astype(np.float64) ** 2, axis=1))
    assert np.all(rms > 0.5) and np.all(rms < 150)
    assert all(s.startswith("_silence_:generated@") for s, label in zip(ds.train.sources, ds.train.labels)
               if label == CLASSES.index("_silence_"))


def test_deterministic_for_a_seed(tmp_path):
    root = make_dataset(tmp_path / "sc", takes=3)
    a = load_speech_commands(root, progress=False, seed=1)
    b = load_speech_commands(root, progress=False, seed=1)
    c = load_speech_commands(root, progress=False, seed=2)
    np.testing.assert_array_equal(a.train.audio, b.train.audio)
    assert a.train.sources == b.train.sources
    assert a.train.sources != c.train.sources


def test_short_clips_padded_at_the_end_long_ones_cut(tmp_path):
    root = make_dataset(tmp_path / "sc", speakers=SPEAKERS[:3])
    for speaker in SPEAKERS[:3]:
        write_wav(root / "yes" / f"{speaker}_nohash_0.wav", clip(7, 4000))
        write_wav(root / "no" / f"{speaker}_nohash_0.wav", np.arange(20000).astype(np.int16))
    ds = load_speech_commands(root, progress=False, clip_samples=16000)
    everything = {s: a for n in ("train", "validation", "test") for s, a in
                  zip(ds.split(n).sources, ds.split(n).audio)}
    short = everything[f"yes/{SPEAKERS[0]}_nohash_0.wav"]
    assert np.all(short[:4000] == 7) and np.all(short[4000:] == 0)
    np.testing.assert_array_equal(everything[f"no/{SPEAKERS[0]}_nohash_0.wav"], np.arange(16000))


def test_custom_keywords_order_the_classes(tmp_path):
    root = make_dataset(tmp_path / "sc")
    ds = load_speech_commands(root, keywords=("yes", "no"), progress=False)
    assert ds.classes == ("yes", "no", "_silence_", "_unknown_")
    assert set(np.unique(np.concatenate([ds.train.labels, ds.test.labels]))) <= {0, 1, 2, 3}


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(DatasetError, match="nowhere: dataset folder not found"):
        load_speech_commands(tmp_path / "nowhere", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty: dataset folder is empty"):
        load_speech_commands(tmp_path / "empty", progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetError, match="file: not a folder"):
        load_speech_commands(tmp_path / "file", progress=False)
    (tmp_path / "noise_only" / "_background_noise_").mkdir(parents=True)
    with pytest.raises(DatasetError, match="noise_only: no word folders"):
        load_speech_commands(tmp_path / "noise_only", progress=False)


def test_missing_keyword_folders_are_all_named(tmp_path):
    root = make_dataset(tmp_path / "sc", words=("yes", "no", "bed"), speakers=SPEAKERS[:2])
    with pytest.raises(DatasetError) as info:
        load_speech_commands(root, progress=False)
    message = str(info.value)
    assert message.startswith(f"{root}: keyword folders missing: down/, go/, left/")
    assert "yes/" not in message and "\n" not in message


def test_empty_keyword_folder(tmp_path):
    root = make_dataset(tmp_path / "sc", speakers=SPEAKERS[:2])
    for p in (root / "stop").iterdir():
        p.unlink()
    with pytest.raises(DatasetError, match="stop: keyword folder holds no .wav files"):
        load_speech_commands(root, progress=False)


def test_unknown_needs_non_keyword_folders(tmp_path):
    root = make_dataset(tmp_path / "sc", words=KEYWORDS, speakers=SPEAKERS[:2])
    with pytest.raises(DatasetError, match="no non-keyword word folders"):
        load_speech_commands(root, progress=False)
    assert len(load_speech_commands(root, unknown_fraction=0, progress=False).train) > 0


def test_all_bad_files_reported_at_once(tmp_path):
    root = make_dataset(tmp_path / "sc", speakers=SPEAKERS[:4])
    s = SPEAKERS
    (root / "yes" / f"{s[0]}_nohash_0.wav").write_bytes(b"garbage")
    write_wav(root / "no" / f"{s[1]}_nohash_0.wav", clip(1, 100))
    bad_rate = (root / "no" / f"{s[1]}_nohash_0.wav").read_bytes()
    bad_rate = bad_rate[:24] + (8000).to_bytes(4, "little") + bad_rate[28:]
    (root / "no" / f"{s[1]}_nohash_0.wav").write_bytes(bad_rate)
    truncated = (root / "up" / f"{s[2]}_nohash_0.wav").read_bytes()[:1000]
    (root / "up" / f"{s[2]}_nohash_0.wav").write_bytes(truncated)
    with pytest.raises(DatasetError) as info:
        load_speech_commands(root, progress=False, unknown_fraction=0)
    message = str(info.value)
    assert message.startswith(f"{root}: 3 bad WAV files: ")
    assert f"yes/{s[0]}_nohash_0.wav (not a RIFF/WAVE file)" in message
    assert f"no/{s[1]}_nohash_0.wav (sample rate 8000 Hz, expected 16000)" in message
    assert f"up/{s[2]}_nohash_0.wav (truncated: data chunk says 32000 bytes, file has 956)" in message
    assert "\n" not in message


def test_long_lists_of_bad_files_are_shortened(tmp_path):
    root = make_dataset(tmp_path / "sc", speakers=SPEAKERS[:2])
    for word in KEYWORDS[:8]:
        (root / word / f"{SPEAKERS[0]}_nohash_0.wav").write_bytes(b"RIFF")
    (root / "_background_noise_" / "short.wav").write_bytes(b"")
    write_wav(root / "_background_noise_" / "tiny.wav", clip(1, 100))
    with pytest.raises(DatasetError) as info:
        load_speech_commands(root, progress=False, unknown_fraction=0)
    message = str(info.value)
    assert ": 10 bad WAV files: " in message and message.endswith("... and 5 more")
    assert "_background_noise_/tiny.wav (100 samples, shorter than one 16000-sample clip)" in message


def test_empty_non_keyword_folders_and_other_files_are_harmless(tmp_path):
    root = make_dataset(tmp_path / "sc", speakers=SPEAKERS[:4])
    (root / "zzz_notes").mkdir()
    (root / "LICENSE").write_text("text")
    (root / "yes" / "notes.txt").write_text("text")
    ds = load_speech_commands(root, progress=False)
    assert not any(s.startswith("zzz_notes/") or s.endswith(".txt") for s in ds.train.sources)

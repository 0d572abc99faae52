"""Read a dataset in the Google Speech Commands layout into fixed-length int16 clips.

Layout (``root/``):
- one folder per word (``yes/``, ``no/``, ``bed/`` ...) of 16 kHz mono 16-bit WAVs, each <= 1 s,
  named ``<speaker>_nohash_<n>.wav``;
- ``_background_noise_/``: long noise recordings (optional);
- ``validation_list.txt`` and ``testing_list.txt``: relative paths (``yes/0a7c2a8d_nohash_0.wav``)
  of the validation and test clips; every other clip is train. If both lists are missing, clips
  are split by speaker with a hash (10 % validation, 10 % test), so a speaker never spans splits.

Classes: the keywords in the given order, then ``_silence_`` and ``_unknown_``. The default order
is the MLPerf Tiny KWS reference model's.

Choices made here (all deterministic for a given ``seed``):
- Clips shorter than ``clip_samples`` are zero-padded at the END (as TensorFlow's ``decode_wav``
  with ``desired_samples`` does in the reference pipeline); longer clips keep their first
  ``clip_samples`` samples.
- ``_unknown_``: ``round(unknown_fraction * keyword clips of the split)`` clips drawn without
  replacement from the non-keyword word folders of that split (all of them if there are fewer);
  ``train_unknown_fraction``, when given, replaces ``unknown_fraction`` for the train split.
- ``_silence_``: ``round(silence_fraction * keyword clips of the split)`` random crops of the
  ``_background_noise_`` files at a random gain, log-uniform from -30 dB to 0 dB. To keep the
  splits apart, train crops come from the first 80 % of every noise file, validation from the next
  10 % and test from the last 10 % (the whole file if that part is shorter than one clip). Without
  a ``_background_noise_`` folder, silence clips are low-level Gaussian noise generated from the
  seed (RMS log-uniform from -90 dBFS to -50 dBFS, i.e. about 1 to 100 LSB).
- Order inside a split: keyword clips and unknown clips sorted by path, then silence; not shuffled.

Every file that will be used is read and checked before anything is returned; all problems are
reported in one DatasetError, so a bad file never surfaces in the middle of training.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..ui import progress_bar
from .wav import SAMPLE_RATE, WavFileError, read_wav

CLASSES = ("down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes",
           "_silence_", "_unknown_")
KEYWORDS = CLASSES[:10]
SILENCE = "_silence_"
UNKNOWN = "_unknown_"
BACKGROUND_NOISE_DIR = "_background_noise_"
VALIDATION_LIST = "validation_list.txt"
TESTING_LIST = "testing_list.txt"
SPLIT_NAMES = ("train", "validation", "test")

# Hash split, used only when both list files are missing (percent of speakers).
HASH_VALIDATION_PERCENT = 10.0
HASH_TESTING_PERCENT = 10.0

# Part of every background-noise file each split crops its silence from (fractions of its length).
NOISE_SEGMENTS = {"train": (0.0, 0.8), "validation": (0.8, 0.9), "test": (0.9, 1.0)}
SILENCE_GAIN_DB = (-30.0, 0.0)          # gain applied to background-noise crops
GENERATED_SILENCE_DBFS = (-90.0, -50.0)  # RMS of generated silence when there is no noise folder

MAX_LISTED_PROBLEMS = 5  # bad files named in an error message; the rest are counted


@dataclass(frozen=True, eq=False)
class Split:
    """One split of a keyword-spotting dataset.

    Invariants: ``audio`` is int16 [N, clip_samples]; ``labels`` is int64 [N] indexing the
    dataset's ``classes``; ``sources[i]`` names where row i came from: a path relative to the
    dataset root, or ``"_silence_:<noise file>@<offset>"`` (``generated@<i>`` without noise files).
    """

    audio: np.ndarray
    labels: np.ndarray
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.audio.dtype != np.int16 or self.audio.ndim != 2:
            raise ValueError(f"Split.audio must be int16 [N, samples], got {self.audio.dtype} "
                             f"{self.audio.shape}")
        if self.labels.dtype != np.int64 or self.labels.shape != (len(self.audio),):
            raise ValueError(f"Split.labels must be int64 [{len(self.audio)}], got "
                             f"{self.labels.dtype} {self.labels.shape}")
        if len(self.sources) != len(self.audio):
            raise ValueError(f"Split.sources has {len(self.sources)} entries for {len(self.audio)} clips")

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self, num_classes: int) -> np.ndarray:
        """Number of clips of every class, int64 [num_classes]."""
        return np.bincount(self.labels, minlength=num_classes).astype(np.int64)


@dataclass(frozen=True, eq=False)
class KwsDataset:
    """A keyword-spotting dataset: class names (keywords, ``_silence_``, ``_unknown_``) and splits."""

    classes: tuple[str, ...]
    train: Split
    validation: Split
    test: Split
    root: Path

    def split(self, name: str) -> Split:
        """The split called ``name`` (one of SPLIT_NAMES)."""
        if name not in SPLIT_NAMES:
            raise ValueError(f"unknown split {name!r}, expected one of {SPLIT_NAMES}")
        return getattr(self, name)


@dataclass(frozen=True)
class _SplitPlan:
    """Which files fill one split, before any audio is read. Paths are relative, '/'-separated."""

    keyword_files: tuple[tuple[str, int], ...]  # (path, label), sorted by path
    unknown_files: tuple[str, ...]              # sorted
    silence_count: int


def load_speech_commands(root: str | os.PathLike, *, keywords: tuple[str, ...] = KEYWORDS,
                         silence_fraction: float = 0.1, unknown_fraction: float = 0.1,
                         clip_samples: int = SAMPLE_RATE, seed: int = 0,
                         progress: bool = True,
                         train_unknown_fraction: float | None = None) -> KwsDataset:
    """Read the dataset at ``root`` (Speech Commands layout, see the module doc) into memory.

    Raises DatasetError for a missing or empty folder, a missing keyword folder, inconsistent
    split lists, or any bad WAV file among those used (all of them named in one message).
    """
    root = Path(root)
    train_unknown = unknown_fraction if train_unknown_fraction is None else train_unknown_fraction
    keywords = _check_arguments(keywords, silence_fraction, min(unknown_fraction, train_unknown),
                                clip_samples)
    classes = (*keywords, SILENCE, UNKNOWN)
    words = _word_folders(root)
    _check_keyword_folders(root, words, keywords)
    if max(unknown_fraction, train_unknown) > 0 and not set(words) - set(keywords):
        raise DatasetError(f"{root}: no non-keyword word folders to draw {UNKNOWN} clips from "
                           "(set unknown_fraction to 0 to train without them)")
    split_of = _assign_splits(root, words)
    plans = {name: _plan_split(name, words, split_of, keywords, silence_fraction,
                               train_unknown if name == "train" else unknown_fraction, seed)
             for name in SPLIT_NAMES}
    noise_names = _noise_files(root)

    total = sum(len(p.keyword_files) + len(p.unknown_files) for p in plans.values()) + len(noise_names)
    problems: list[str] = []
    with progress_bar(total, "reading WAVs", progress, unit="file") as bar:
        noise = _read_noise(root, noise_names, clip_samples, problems, bar)
        splits = {name: _read_split(root, plan, len(keywords), clip_samples, problems, bar)
                  for name, plan in plans.items()}
    if problems:
        raise DatasetError(_problem_summary(root, problems))
    for index, name in enumerate(SPLIT_NAMES):
        split = splits[name]
        # Invariant: the last silence_count rows of a split are still zero, waiting for silence.
        rows = split.audio[len(split) - plans[name].silence_count:]
        silence_sources = _fill_silence(_rng(seed, 2, index), noise, name, rows)
        splits[name] = Split(audio=split.audio, labels=split.labels,
                             sources=split.sources[:len(split) - len(rows)] + silence_sources)
    return KwsDataset(classes=classes, root=root, **splits)


def _check_arguments(keywords: tuple[str, ...], silence_fraction: float, unknown_fraction: float,
                     clip_samples: int) -> tuple[str, ...]:
    keywords = tuple(keywords)
    if not keywords or len(set(keywords)) != len(keywords):
        raise ValueError(f"keywords must be non-empty and distinct, got {keywords}")
    for word in keywords:
        if not word or word.startswith(("_", ".")) or "/" in word:
            raise ValueError(f"keyword {word!r} cannot be a word folder name")
    if silence_fraction < 0 or unknown_fraction < 0:
        raise ValueError("silence_fraction and unknown_fraction must be >= 0, got "
                         f"{silence_fraction} and {unknown_fraction}")
    if clip_samples <= 0:
        raise ValueError(f"clip_samples must be positive, got {clip_samples}")
    return keywords


def _word_folders(root: Path) -> dict[str, tuple[str, ...]]:
    """Every word folder (not starting with '_' or '.') -> its sorted .wav file names."""
    if not root.exists():
        raise DatasetError(f"{root}: dataset folder not found")
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        raise DatasetError(f"{root}: cannot list folder: {exc.strerror or exc}") from exc
    if not entries:
        raise DatasetError(f"{root}: dataset folder is empty")
    words = {}
    for entry in entries:
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            words[entry.name] = tuple(sorted(
                e.name for e in os.scandir(entry.path) if e.name.endswith(".wav") and e.is_file()))
    if not words:
        raise DatasetError(f"{root}: no word folders (expected one folder of .wav clips per word, "
                           "e.g. yes/, no/)")
    return words


def _check_keyword_folders(root: Path, words: dict[str, tuple[str, ...]],
                           keywords: tuple[str, ...]) -> None:
    missing = [w for w in keywords if w not in words]
    if missing:
        names = ", ".join(f"{w}/" for w in missing)
        raise DatasetError(f"{root}: keyword folder{'s' if len(missing) > 1 else ''} missing: {names}")
    empty = [w for w in keywords if not words[w]]
    if empty:
        raise DatasetError(f"{root / empty[0]}: keyword folder holds no .wav files"
                           + (f" (nor do {len(empty) - 1} other keyword folders)" if len(empty) > 1 else ""))


def speaker_of(file_name: str) -> str:
    """The speaker id of a clip file name: the part before ``_nohash_`` (else the stem)."""
    stem = file_name.rsplit("/", 1)[-1]
    if "_nohash_" in stem:
        return stem.split("_nohash_", 1)[0]
    return stem.rsplit(".", 1)[0]


def hash_split(speaker: str) -> str:
    """The split of a speaker when there are no list files: stable, and the same for every clip
    of that speaker. The first 8 bytes of sha1(speaker) map uniformly onto [0, 100) percent."""
    digest = hashlib.sha1(speaker.encode("utf-8")).digest()
    percent = int.from_bytes(digest[:8], "big") * 100.0 / 2.0 ** 64
    if percent < HASH_VALIDATION_PERCENT:
        return "validation"
    if percent < HASH_VALIDATION_PERCENT + HASH_TESTING_PERCENT:
        return "test"
    return "train"


def _assign_splits(root: Path, words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Relative path of every clip -> its split name."""
    paths = [f"{word}/{name}" for word, names in words.items() for name in names]
    val_file, test_file = root / VALIDATION_LIST, root / TESTING_LIST
    if not val_file.exists() and not test_file.exists():
        return {p: hash_split(speaker_of(p)) for p in paths}
    for present, absent in ((val_file, test_file), (test_file, val_file)):
        if present.exists() and not absent.exists():
            raise DatasetError(f"{absent}: missing, while {present.name} exists (both lists or "
                               "neither, for a split by speaker)")
    validation = _read_list(val_file, words)
    test = _read_list(test_file, words)
    both = sorted(validation & test)
    if both:
        raise DatasetError(f"{test_file}: {len(both)} clip(s) also in {VALIDATION_LIST}, e.g. {both[0]}")
    return {p: "validation" if p in validation else "test" if p in test else "train" for p in paths}


def _read_list(path: Path, words: dict[str, tuple[str, ...]]) -> set[str]:
    """The relative paths listed in a split list file.

    Entries in word folders that do not exist are ignored (a user may keep only some words);
    entries naming a missing file in a folder that exists are an error.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from exc
    listed, missing = set(), []
    for line in lines:
        entry = line.strip().replace("\\", "/")
        if not entry:
            continue
        word, _, name = entry.partition("/")
        if word not in words:
            continue
        if name not in words[word]:
            missing.append(entry)
            continue
        listed.add(entry)
    if missing:
        raise DatasetError(f"{path}: {len(missing)} listed clip(s) not found: {_name_some(missing)}")
    return listed


def _plan_split(name: str, words: dict[str, tuple[str, ...]], split_of: dict[str, str],
                keywords: tuple[str, ...], silence_fraction: float, unknown_fraction: float,
                seed: int) -> _SplitPlan:
    label_of = {w: i for i, w in enumerate(keywords)}
    keyword_files, other_files = [], []
    for path, split in sorted(split_of.items()):
        if split != name:
            continue
        word = path.split("/", 1)[0]
        if word in label_of:
            keyword_files.append((path, label_of[word]))
        else:
            other_files.append(path)
    n_unknown = min(_round(unknown_fraction * len(keyword_files)), len(other_files))
    rng = _rng(seed, 1, SPLIT_NAMES.index(name))
    chosen: np.ndarray | list[int] = (rng.choice(len(other_files), size=n_unknown, replace=False)
                                      if n_unknown else [])
    return _SplitPlan(keyword_files=tuple(keyword_files),
                      unknown_files=tuple(sorted(other_files[i] for i in chosen)),
                      silence_count=_round(silence_fraction * len(keyword_files)))


def _noise_files(root: Path) -> tuple[str, ...]:
    folder = root / BACKGROUND_NOISE_DIR
    if not folder.is_dir():
        return ()
    return tuple(sorted(f"{BACKGROUND_NOISE_DIR}/{e.name}" for e in os.scandir(folder)
                        if e.name.endswith(".wav") and e.is_file()))


def _read_noise(root: Path, names: tuple[str, ...], clip_samples: int, problems: list[str],
                bar) -> dict[str, np.ndarray]:
    noise = {}
    for name in names:
        samples = _read_one(root, name, problems)
        bar.update()
        if samples is None:
            continue
        if len(samples) < clip_samples:
            problems.append(f"{name} ({len(samples)} samples, shorter than one {clip_samples}-sample clip)")
            continue
        noise[name] = samples
    return noise


def _read_split(root: Path, plan: _SplitPlan, n_keywords: int, clip_samples: int,
                problems: list[str], bar) -> Split:
    """One split with its keyword and unknown clips read (padded or cut) and its silence rows
    still zero (their sources are placeholders until ``_fill_silence``). Audio is allocated once,
    at its final size."""
    unknown_label, silence_label = n_keywords + 1, n_keywords
    entries = (list(plan.keyword_files) + [(p, unknown_label) for p in plan.unknown_files]
               + [("", silence_label)] * plan.silence_count)
    audio = np.zeros((len(entries), clip_samples), np.int16)
    for row, (path, _label) in enumerate(entries[:len(entries) - plan.silence_count]):
        samples = _read_one(root, path, problems)
        bar.update()
        if samples is not None:
            n = min(len(samples), clip_samples)
            audio[row, :n] = samples[:n]  # zero padding at the end, or cut
    labels = np.array([label for _, label in entries], np.int64)
    return Split(audio=audio, labels=labels, sources=tuple(path for path, _ in entries))


def _read_one(root: Path, rel: str, problems: list[str]) -> np.ndarray | None:
    """The samples of ``root/rel``, or None after appending "rel (problem)" to ``problems``."""
    try:
        return read_wav(root / rel)
    except WavFileError as exc:
        problems.append(f"{rel} ({exc.problem})")
        return None


def _problem_summary(root: Path, problems: list[str]) -> str:
    plural = "s" if len(problems) > 1 else ""
    return f"{root}: {len(problems)} bad WAV file{plural}: {_name_some(problems)}"


def _name_some(items: list[str]) -> str:
    """The first MAX_LISTED_PROBLEMS items, comma-separated, then how many more there are."""
    shown = ", ".join(items[:MAX_LISTED_PROBLEMS])
    extra = len(items) - MAX_LISTED_PROBLEMS
    return f"{shown}, ... and {extra} more" if extra > 0 else shown


def _fill_silence(rng: np.random.Generator, noise: dict[str, np.ndarray], split: str,
                  rows: np.ndarray) -> tuple[str, ...]:
    """Write silence clips into ``rows`` (int16 [count, clip_samples]): crops of the noise files
    from this split's part of them, or generated noise. Returns their sources."""
    clip_samples = rows.shape[1]
    sources = []
    names = sorted(noise)
    start_frac, end_frac = NOISE_SEGMENTS[split]
    for i in range(len(rows)):
        if not names:
            rms = 32768.0 * 10.0 ** (rng.uniform(*GENERATED_SILENCE_DBFS) / 20.0)
            rows[i] = _to_int16(rng.standard_normal(clip_samples) * rms)
            sources.append(f"{SILENCE}:generated@{i}")
            continue
        name = names[rng.integers(len(names))]
        samples = noise[name]
        lo, hi = int(start_frac * len(samples)), int(end_frac * len(samples))
        if hi - lo < clip_samples:  # this split's part of the file is too short: use all of it
            lo, hi = 0, len(samples)
        offset = int(rng.integers(lo, hi - clip_samples + 1))
        gain = 10.0 ** (rng.uniform(*SILENCE_GAIN_DB) / 20.0)
        rows[i] = _to_int16(samples[offset:offset + clip_samples] * gain)
        sources.append(f"{SILENCE}:{name}@{offset}")
    return tuple(sources)


def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def _round(x: float) -> int:
    """Round half up (Python's round() rounds half to even)."""
    return int(math.floor(x + 0.5))


def _rng(seed: int, *key: int) -> np.random.Generator:
    """An independent generator for one purpose: ``key`` names the purpose, so adding a draw in
    one place never shifts the numbers drawn in another."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))

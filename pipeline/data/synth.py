"""Synthesize a keyword-spotting dataset offline with eSpeak NG (the default dataset).

The result is a folder in the Google Speech Commands layout that ``load_speech_commands`` reads
unchanged: one folder per word of 1 s, 16 kHz mono int16 WAVs named
``<word>/<voicekey>_nohash_<k>.wav``, ``_background_noise_/`` with generated white, pink and brown
noise (the reader crops ``_silence_`` from it), ``validation_list.txt``, ``testing_list.txt``, and a
``manifest.json`` recording the parameters and the generator version.

Every clip: one word spoken by eSpeak NG (through ctypes and the ``espeakng_loader`` package) in one
of the English language variants x one of the voice variants listed in the data folder's
``voices/!v``, at a random rate (120-220 wpm), pitch and pitch range; resampled from 22050 Hz to
16 kHz; trimmed of leading and trailing silence; placed at a random offset inside the clip; mixed
with white, pink or brown noise at 5-30 dB SNR (speech power measured over the spoken part); then
scaled to a random peak level from -20 to -1 dBFS. ``_unknown_`` clips say other short English
words (UNKNOWN_WORDS), each in its own folder, UNKNOWN_CLIP_FACTOR times as many clips in all as
a keyword.

Split: whole voice variants are held out. About 15 % of the variants speak only test clips, 10 %
only validation clips and the rest only train clips (every language appears in every split); the
voice key in a file name is the variant, so even the reader's hash split would keep them apart.
Half of the train clips (RANDOM_VOICE_FRACTION) are spoken instead by one of RANDOM_VOICES voices
drawn at random for the seed (``random_voices``: random vocal tracts, pitch and voicing), so that
the training voices span more than the train variants do; they never speak another split.

Determinism: same ``seed`` and ``clips_per_class`` -> byte-identical files (on one installation:
numpy, scipy and eSpeak NG versions fixed). Every random choice is drawn in the parent process
from a generator keyed by (seed, purpose, class, clip). eSpeak NG itself keeps synthesis state
between utterances (e.g. the phase of its pitch flutter), so a clip's samples also depend on what
the same process synthesized before it; the clips are therefore split statically into N_LANES
fixed lanes, each synthesized in order by its own fresh process, so the output never depends on
scheduling.

Caching: ``synthesize_speech_commands`` builds into a temporary sibling folder and renames it into
place at the end (``fsutil.atomic_dir``), so ``out_dir`` never holds a half-written dataset. If
``out_dir`` already holds a dataset whose manifest matches the parameters, it returns at once; if
the manifest differs it raises DatasetError. ``default_synth_dir`` puts the parameters in the
folder name, so the default location never conflicts.
"""

from __future__ import annotations

import ctypes
import functools
import json
import multiprocessing
import os
import queue as queue_module
import re
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError, McuforgeError, MissingDependencyError
from ..fsutil import atomic_dir
from ..resources import cache_dir
from ..ui import progress_bar
from .random_voices import overlay_data_folder, random_voice, voice_names
from .speech_commands import BACKGROUND_NOISE_DIR, KEYWORDS, TESTING_LIST, UNKNOWN, VALIDATION_LIST
from .wav import SAMPLE_RATE, encode_wav, write_wav

GENERATOR = "mcuforge-espeak-kws"
GENERATOR_VERSION = 2  # bump whenever the output for given parameters changes
MANIFEST = "manifest.json"

CLIP_SAMPLES = SAMPLE_RATE  # 1 s
ESPEAK_RATE = 22050         # eSpeak NG's output rate; resampled by 320/441 to 16 kHz
N_LANES = 2                 # worker processes; fixed, because it is part of what defines the output

# Language variants, in eSpeak NG's (case-insensitive) names; those missing from the data folder's
# lang/ tree are skipped.
LANGUAGES = ("en", "en-us", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc",
             "en-gb-x-gbclan", "en-gb-x-gbcwmd")
# Voice variants in voices/!v that do not change the voice: "fast" only tunes the top speed.
EXCLUDED_VARIANTS = frozenset({"fast"})
# Words for the _unknown_ class: short, not a keyword nor a homophone of one ("know", "write").
UNKNOWN_WORDS = (
    "apple", "back", "backward", "bed", "bird", "blue", "cat", "coffee", "dog", "door", "eight",
    "five", "follow", "forward", "four", "green", "happy", "hello", "help", "home", "house",
    "learn", "light", "marvin", "music", "next", "nine", "one", "open", "phone", "play", "red",
    "seven", "sheila", "six", "start", "table", "three", "tree", "two", "visual", "water",
    "window", "wow", "zero")

RATE_WPM = (120, 220)
PITCH = (25, 75)          # eSpeak base pitch parameter, 0-100 (50 = the voice's own)
PITCH_RANGE = (20, 90)    # eSpeak pitch range parameter, 0-100 (0 = monotone)
SNR_DB = (5.0, 30.0)
PEAK_DBFS = (-20.0, -1.0)
NOISE_COLORS = ("white", "pink", "brown")
TRIM_THRESHOLD = 0.01     # leading/trailing samples below 1 % of the peak (-40 dB) are silence
TEST_VARIANT_FRACTION = 0.15
VALIDATION_VARIANT_FRACTION = 0.10
RANDOM_VOICES = 100          # random voices made for the train split (random_voices.py)
RANDOM_VOICE_FRACTION = 0.5  # of the train clips are spoken by one of them
# _unknown_ gets this many times clips_per_class clips, so that a recipe can train on more
# unknown-word clips than on one keyword's (dataset.train_unknown_fraction)
UNKNOWN_CLIP_FACTOR = 3
# Background-noise files written for the reader's _silence_ class: (file name, color, seconds).
BACKGROUND_FILES = (("white_noise.wav", "white", 60), ("pink_noise.wav", "pink", 60),
                    ("brown_noise.wav", "brown", 60))
BACKGROUND_RMS_DBFS = -20.0

_SPLITS = ("train", "validation", "test")

# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE, _PARAM_PITCH, _PARAM_RANGE = 1, 3, 4
_BUFFER_MS = 200


@dataclass(frozen=True)
class ClipSpec:
    """Everything that decides one clip's samples; drawn in the parent, rendered in a worker."""

    path: str           # relative to the dataset root, "<word>/<voicekey>_nohash_<k>.wav"
    split: str          # one of _SPLITS
    text: str
    voice: str          # eSpeak voice name, "<language>+<variant>"
    rate: int           # words per minute
    pitch: int
    pitch_range: int
    espeak_seed: int    # for espeak_ng_SetRandSeed
    shift: float        # in [0, 1): where the word sits in the free part of the clip
    noise_color: str
    noise_seed: int
    snr_db: float
    peak_dbfs: float


@dataclass(frozen=True)
class VoiceSplit:
    """Which voice variants speak which split; the three tuples are disjoint and sorted."""

    train: tuple[str, ...]
    validation: tuple[str, ...]
    test: tuple[str, ...]

    def pool(self, split: str) -> tuple[str, ...]:
        return getattr(self, split)


# ---------------------------------------------------------------- locations and caching

def default_synth_dir(clips_per_class: int, seed: int) -> Path:
    """Where the synthetic set for these parameters is cached: ``$MCUFORGE_CACHE`` (or
    ``~/.cache/mcuforge``) / ``synth-kws-v<generator version>-<clips>pc-seed<seed>``."""
    return cache_dir() / f"synth-kws-v{GENERATOR_VERSION}-{clips_per_class}pc-seed{seed}"


def synthesize_speech_commands(out_dir: str | os.PathLike, *, clips_per_class: int = 1500,
                               seed: int = 0, progress: bool = True) -> Path:
    """Make (or find cached) the synthetic keyword-spotting set at ``out_dir``; returns its path.

    ``clips_per_class`` clips for each keyword, UNKNOWN_CLIP_FACTOR times as many for
    ``_unknown_`` (the reader makes ``_silence_`` from the noise files). Raises DatasetError if
    ``out_dir`` holds something else.
    """
    out_dir = Path(out_dir)
    if clips_per_class < 3:
        raise DatasetError(f"{out_dir}: clips_per_class must be at least 3 (one clip for each "
                           f"split), got {clips_per_class}")
    if seed < 0:
        raise DatasetError(f"{out_dir}: seed must be >= 0, got {seed}")
    wanted = _parameters(clips_per_class, seed)
    if _cached(out_dir, wanted):
        return out_dir
    with atomic_dir(out_dir, replace=False) as tmp:  # another run may finish first: keep its copy
        _build(tmp, clips_per_class, seed, progress)
    _cached(out_dir, wanted)  # raises if what is there now is another dataset
    return out_dir


def _parameters(clips_per_class: int, seed: int) -> dict:
    """The manifest entries that must match for a cached dataset to be reused."""
    return {"generator": GENERATOR, "generator_version": GENERATOR_VERSION,
            "clips_per_class": clips_per_class, "seed": seed}


def _cached(out_dir: Path, wanted: dict) -> bool:
    """True if ``out_dir`` holds the dataset ``wanted`` describes; False if it is absent or an
    empty folder; DatasetError if it holds anything else."""
    if not out_dir.exists():
        return False
    if not out_dir.is_dir():
        raise DatasetError(f"{out_dir}: exists and is not a folder")
    manifest = out_dir / MANIFEST
    if not manifest.exists():
        if not any(out_dir.iterdir()):
            return False
        raise DatasetError(f"{out_dir}: exists but has no {MANIFEST}, so it is not a synthetic "
                           "dataset made by mcuforge; remove it or choose another folder")
    try:
        found = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{manifest}: unreadable ({exc}); remove {out_dir} to rebuild it") from exc
    have = {key: found.get(key) if isinstance(found, dict) else None for key in wanted}
    if have != wanted:
        raise DatasetError(f"{manifest}: made with {_describe(have)}, but {_describe(wanted)} was "
                           f"asked for; remove {out_dir} or use another folder")
    return True


def _describe(params: dict) -> str:
    return (f"clips_per_class={params['clips_per_class']}, seed={params['seed']} "
            f"({params['generator']} v{params['generator_version']})")


# ---------------------------------------------------------------- building

def _build(root: Path, clips_per_class: int, seed: int, progress: bool) -> None:
    """Write the whole dataset into the empty folder ``root``."""
    data_path = _espeak_paths()[1]
    languages = available_languages(data_path)
    variants = available_variants(data_path)
    voices = split_variants(variants, seed)
    randoms = {name: random_voice(_rng(seed, 4, i), name)
               for i, name in enumerate(voice_names(RANDOM_VOICES))}
    specs = plan_clips(clips_per_class, seed, languages, voices, tuple(randoms))
    for folder in sorted({spec.path.split("/", 1)[0] for spec in specs}):
        (root / folder).mkdir()
    _write_background_noise(root / BACKGROUND_NOISE_DIR, seed)
    with tempfile.TemporaryDirectory(prefix="mcuforge-espeak-") as scratch:
        data = overlay_data_folder(data_path, scratch, randoms, languages)
        _run_lanes(root, specs, progress, str(data))
    for split, name in (("validation", VALIDATION_LIST), ("test", TESTING_LIST)):
        paths = sorted(spec.path for spec in specs if spec.split == split)
        (root / name).write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    manifest = {
        **_parameters(clips_per_class, seed),
        "sample_rate": SAMPLE_RATE,
        "espeak_ng_version": _espeak_version(),
        "keywords": list(KEYWORDS),
        "unknown_words": list(UNKNOWN_WORDS),
        "languages": list(languages),
        "variants": {split: list(voices.pool(split)) for split in _SPLITS},
        "random_voices": {"train_fraction": RANDOM_VOICE_FRACTION, "voices": randoms},
        "clips": {split: sum(spec.split == split for spec in specs) for split in _SPLITS},
        "noise_files": [f"{BACKGROUND_NOISE_DIR}/{name}" for name, _, _ in BACKGROUND_FILES],
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def available_languages(data_path: str | os.PathLike) -> tuple[str, ...]:
    """The entries of LANGUAGES that exist as voice files under the data folder's ``lang/``."""
    lang_dir = Path(data_path) / "lang"
    present = {p.name.lower() for p in lang_dir.rglob("*") if p.is_file()}
    found = tuple(lang for lang in LANGUAGES if lang in present)
    if not found:
        raise DatasetError(f"{lang_dir}: none of the English voices {', '.join(LANGUAGES)} found")
    return found


def available_variants(data_path: str | os.PathLike) -> tuple[str, ...]:
    """The voice variants in the data folder's ``voices/!v`` (sorted, EXCLUDED_VARIANTS left out).

    eSpeak NG accepts any "+variant" name and silently falls back to the plain voice when the
    variant does not exist, so only names that exist as files here are used.
    """
    folder = Path(data_path) / "voices" / "!v"
    if not folder.is_dir():
        raise DatasetError(f"{folder}: eSpeak NG voice variant folder not found")
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name not in EXCLUDED_VARIANTS)
    keys = [voice_key(n) for n in names]
    if len(set(keys)) != len(keys):
        raise DatasetError(f"{folder}: two voice variants map to the same file-name key")
    if len(names) < 3:
        raise DatasetError(f"{folder}: {len(names)} voice variants, need at least 3 (one per split)")
    return tuple(names)


def voice_key(variant: str) -> str:
    """The file-name form of a voice variant (the 'speaker id'): lower case, [a-z0-9-] only."""
    return re.sub(r"[^a-z0-9]+", "-", variant.lower()).strip("-") or "voice"


def split_variants(variants: tuple[str, ...], seed: int) -> VoiceSplit:
    """Hold out whole voice variants: ~15 % test-only, ~10 % validation-only (at least one each)."""
    order = _rng(seed, 0).permutation(len(variants))
    n_test = max(1, _round(TEST_VARIANT_FRACTION * len(variants)))
    n_val = max(1, _round(VALIDATION_VARIANT_FRACTION * len(variants)))
    shuffled = [variants[i] for i in order]
    return VoiceSplit(test=tuple(sorted(shuffled[:n_test])),
                      validation=tuple(sorted(shuffled[n_test:n_test + n_val])),
                      train=tuple(sorted(shuffled[n_test + n_val:])))


def plan_clips(clips_per_class: int, seed: int, languages: tuple[str, ...],
               voices: VoiceSplit, random_voices: tuple[str, ...] = ()) -> list[ClipSpec]:
    """Every clip's parameters, in canonical order (class by class, clip index k ascending):
    ``clips_per_class`` for each keyword, UNKNOWN_CLIP_FACTOR times as many for ``_unknown_``.

    Within each class the clips are split exactly: round(15 %) test and round(10 %) validation
    (at least one each), chosen by a seeded permutation; each clip's voice comes from its split's
    pool, except that a train clip takes one of ``random_voices`` instead with probability
    RANDOM_VOICE_FRACTION. ``_unknown_`` clip k says UNKNOWN_WORDS[k % len(UNKNOWN_WORDS)].
    """
    specs = []
    for ci, label in enumerate((*KEYWORDS, UNKNOWN)):
        n = clips_per_class * (UNKNOWN_CLIP_FACTOR if label == UNKNOWN else 1)
        n_test = max(1, _round(TEST_VARIANT_FRACTION * n))
        n_val = max(1, _round(VALIDATION_VARIANT_FRACTION * n))
        order = _rng(seed, 1, ci).permutation(n)
        split_of = np.full(n, 0)
        split_of[order[:n_test]] = 2
        split_of[order[n_test:n_test + n_val]] = 1
        for k in range(n):
            split = _SPLITS[split_of[k]]
            word = label if label != UNKNOWN else UNKNOWN_WORDS[k % len(UNKNOWN_WORDS)]
            pool = voices.pool(split)
            if (split == "train" and random_voices
                    and _rng(seed, 5, ci, k).random() < RANDOM_VOICE_FRACTION):
                pool = random_voices
            specs.append(_draw_clip(_rng(seed, 2, ci, k), word, k, split, languages, pool))
    return specs


def _draw_clip(rng: np.random.Generator, word: str, k: int, split: str,
               languages: tuple[str, ...], pool: tuple[str, ...]) -> ClipSpec:
    variant = pool[rng.integers(len(pool))]
    language = languages[rng.integers(len(languages))]
    return ClipSpec(
        path=f"{word}/{voice_key(variant)}_nohash_{k}.wav", split=split, text=word,
        voice=f"{language}+{variant}",
        rate=int(rng.integers(RATE_WPM[0], RATE_WPM[1] + 1)),
        pitch=int(rng.integers(PITCH[0], PITCH[1] + 1)),
        pitch_range=int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1)),
        espeak_seed=int(rng.integers(1, 2 ** 31)),
        shift=float(rng.random()),
        noise_color=NOISE_COLORS[rng.integers(len(NOISE_COLORS))],
        noise_seed=int(rng.integers(2 ** 63)),
        snr_db=float(rng.uniform(*SNR_DB)),
        peak_dbfs=float(rng.uniform(*PEAK_DBFS)))


def _write_background_noise(folder: Path, seed: int) -> None:
    folder.mkdir()
    level = 32767.0 * 10.0 ** (BACKGROUND_RMS_DBFS / 20.0)
    for i, (name, color, seconds) in enumerate(BACKGROUND_FILES):
        noise = colored_noise(_rng(seed, 3, i), seconds * SAMPLE_RATE, color)
        write_wav(folder / name, _to_int16(noise * level))


def colored_noise(rng: np.random.Generator, n: int, color: str) -> np.ndarray:
    """float64 [n] noise with unit RMS and zero mean: white (flat), pink (power ~ 1/f) or brown
    (power ~ 1/f^2), shaped in the frequency domain; below 20 Hz the spectrum is held flat so the
    colored kinds do not drift."""
    white = rng.standard_normal(n)
    if color != "white":
        white = np.fft.irfft(np.fft.rfft(white) * _spectral_shape(n, color), n)
    white -= white.mean()
    return white / max(float(np.sqrt(np.mean(white ** 2))), 1e-12)


@functools.lru_cache(maxsize=8)
def _spectral_shape(n: int, color: str) -> np.ndarray:
    """Amplitude gain per rfft bin: f^-0.5 (pink) or f^-1 (brown), flat below 20 Hz, 0 at DC."""
    exponent = {"pink": 0.5, "brown": 1.0}[color]
    shape = np.maximum(np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE), 20.0) ** -exponent
    shape[0] = 0.0
    return shape


# ---------------------------------------------------------------- worker lanes

def _run_lanes(root: Path, specs: list[ClipSpec], progress: bool, data_path: str | None = None) -> None:
    """Render ``specs`` into ``root`` with N_LANES fresh processes; lane i takes specs[i::N_LANES]
    in order, with eSpeak NG's data folder ``data_path`` (default: the installed one). Re-raises
    a worker's DatasetError in this process."""
    ctx = multiprocessing.get_context("spawn")  # fresh eSpeak state; safe after TensorFlow is loaded
    messages = ctx.Queue()
    workers = [ctx.Process(target=_lane_main, args=(lane, specs[lane::N_LANES], str(root), messages, data_path),
                           name=f"mcuforge-synth-{lane}", daemon=True) for lane in range(N_LANES)]
    finished: set[int] = set()
    try:
        for worker in workers:
            worker.start()
        with progress_bar(len(specs), "synthesizing clips", progress, unit="clip") as bar:
            while len(finished) < N_LANES:
                try:
                    kind, lane, payload = messages.get(timeout=0.5)
                except queue_module.Empty:
                    _check_workers_alive(workers, finished)
                    continue
                if kind == "progress":
                    bar.update(payload)
                elif kind == "done":
                    finished.add(lane)
                elif kind == "user_error":
                    raise DatasetError(payload)
                else:
                    raise RuntimeError(f"synthesis worker {lane} failed:\n{payload}")
        for worker in workers:
            worker.join()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        messages.close()


def _check_workers_alive(workers: list, finished: set[int]) -> None:
    for lane, worker in enumerate(workers):
        if lane not in finished and worker.exitcode not in (None, 0):
            raise RuntimeError(f"synthesis worker {lane} died (exit code {worker.exitcode})")


def _lane_main(lane: int, specs: list[ClipSpec], root: str, messages, data_path: str | None) -> None:
    """Worker process: render every spec in order; report progress, then "done" or the error."""
    try:
        engine = Espeak(data_path)
        pending = 0
        for spec in specs:
            clip = render_clip(engine, spec)
            (Path(root) / spec.path).write_bytes(encode_wav(clip))  # the folder is swapped in whole
            pending += 1
            if pending == 50:
                messages.put(("progress", lane, pending))
                pending = 0
        messages.put(("progress", lane, pending))
        messages.put(("done", lane, None))
    except McuforgeError as exc:
        messages.put(("user_error", lane, str(exc)))
    except BaseException:  # a bug: send the traceback to the parent
        messages.put(("bug", lane, traceback.format_exc()))


def render_clip(engine: Espeak, spec: ClipSpec) -> np.ndarray:
    """The int16 [CLIP_SAMPLES] clip ``spec`` describes."""
    from scipy.signal import resample_poly

    raw = engine.synthesize(spec.text, spec.voice, spec.rate, spec.pitch, spec.pitch_range,
                            spec.espeak_seed)
    speech = _trim(resample_poly(raw.astype(np.float64), 320, 441, window=_resampling_filter()))
    if speech.size == 0:
        raise DatasetError(f"{spec.path}: eSpeak NG produced no audio for {spec.text!r} "
                           f"with voice {spec.voice}")
    speech = speech[:CLIP_SAMPLES] / np.abs(speech).max()
    offset = int(spec.shift * (CLIP_SAMPLES - len(speech) + 1))  # in [0, CLIP_SAMPLES - len]
    clip = np.zeros(CLIP_SAMPLES)
    clip[offset:offset + len(speech)] = speech
    speech_rms = float(np.sqrt(np.mean(speech ** 2)))
    noise = colored_noise(np.random.default_rng(spec.noise_seed), CLIP_SAMPLES, spec.noise_color)
    clip += noise * (speech_rms / 10.0 ** (spec.snr_db / 20.0))
    clip *= 32767.0 * 10.0 ** (spec.peak_dbfs / 20.0) / np.abs(clip).max()
    return _to_int16(clip)


@functools.lru_cache(maxsize=1)
def _resampling_filter() -> np.ndarray:
    """The low-pass FIR filter resample_poly designs for 320/441 by default (Kaiser, beta 5,
    10 taps per phase of the larger rate), designed once instead of on every call."""
    from scipy.signal import firwin

    return firwin(2 * 10 * 441 + 1, 1.0 / 441, window=("kaiser", 5.0))


def _trim(x: np.ndarray) -> np.ndarray:
    """``x`` without the leading and trailing samples quieter than TRIM_THRESHOLD of its peak."""
    if x.size == 0:
        return x
    loud = np.flatnonzero(np.abs(x) > TRIM_THRESHOLD * np.abs(x).max())
    return x[loud[0]:loud[-1] + 1] if loud.size else x[:0]


# ---------------------------------------------------------------- eSpeak NG through ctypes

def _espeak_paths() -> tuple[str, str]:
    """(shared library, data folder) of the installed ``espeakng_loader`` package."""
    try:
        import espeakng_loader
    except ImportError as exc:
        raise MissingDependencyError("speech synthesis needs eSpeak NG: pip install espeakng-loader") from exc
    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


def _espeak_version() -> str:
    """eSpeak NG's version string, read without initialising synthesis."""
    lib = ctypes.CDLL(_espeak_paths()[0])
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    return (lib.espeak_Info(None) or b"unknown").decode("ascii", "replace")


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.c_void_p)


class Espeak:
    """eSpeak NG in synchronous retrieval mode, one instance per process (the library is global).

    ``synthesize`` returns int16 samples at ESPEAK_RATE (22050 Hz). ``data_path``: the data
    folder to read voices from (default: the installed package's).
    """

    def __init__(self, data_path: str | None = None) -> None:
        lib_path, installed = _espeak_paths()
        data_path = data_path or installed
        self.data_path = data_path
        lib = ctypes.CDLL(lib_path)
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint),
                                     ctypes.c_void_p]
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_ng_SetRandSeed.restype = ctypes.c_int
        lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path.encode(),
                                     _INITIALIZE_DONT_EXIT)
        if rate != ESPEAK_RATE:
            raise DatasetError(f"{data_path}: eSpeak NG failed to initialise (returned {rate}, "
                               f"expected sample rate {ESPEAK_RATE})")
        self._lib = lib
        self._chunks: list[bytes] = []
        # The callback object must outlive every synthesis call: keep it on the instance.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, num_samples: int, _events) -> int:
        if wav and num_samples > 0:
            self._chunks.append(ctypes.string_at(wav, num_samples * 2))
        return 0  # continue synthesis

    def synthesize(self, text: str, voice: str, rate: int, pitch: int, pitch_range: int,
                   rand_seed: int) -> np.ndarray:
        """int16 samples at 22050 Hz of ``text`` spoken by ``voice`` ("<language>+<variant>")."""
        status = self._lib.espeak_SetVoiceByName(voice.encode("utf-8"))
        if status != 0:
            raise DatasetError(f"{self.data_path}: eSpeak NG voice {voice!r} not found (status {status})")
        for parameter, value in ((_PARAM_RATE, rate), (_PARAM_PITCH, pitch), (_PARAM_RANGE, pitch_range)):
            self._lib.espeak_SetParameter(parameter, value, 0)
        self._lib.espeak_ng_SetRandSeed(rand_seed)
        self._chunks = []
        encoded = text.encode("utf-8") + b"\0"
        status = self._lib.espeak_Synth(encoded, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8,
                                        None, None)
        if status != 0:
            raise DatasetError(f"{self.data_path}: eSpeak NG failed to synthesize {text!r} "
                               f"(status {status})")
        self._lib.espeak_Synchronize()
        return np.frombuffer(b"".join(self._chunks), dtype=np.int16).copy()


# ---------------------------------------------------------------- small helpers

def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def _round(x: float) -> int:
    """Round half up."""
    return int(np.floor(x + 0.5))


def _rng(seed: int, *key: int) -> np.random.Generator:
    """An independent generator for one purpose: (0,) voice split, (1, class) clip split,
    (2, class, clip) clip parameters, (3, file) background noise, (4, voice) random voice,
    (5, class, clip) whether a train clip takes a random voice."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))

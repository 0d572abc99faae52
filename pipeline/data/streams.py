"""Long test recordings for streaming keyword spotting, made with eSpeak NG like the synthetic set.

A stream is a sequence of segments: a gap of background noise (0.6-2.5 s), then one word: a
keyword (KEYWORDS, 60 % of the words) or another word (UNKNOWN_WORDS, 40 %). Every word is spoken
by a voice variant of the *test* split of ``synth.split_variants(..., dataset_seed)`` (the
variants a recipe with that ``dataset.seed`` never trains or validates on; ``voices="validation"``
takes the validation variants instead, for choosing stream settings without the test voices),
in a random language variant, rate, pitch and pitch range from the same ranges as the training
clips, trimmed of silence like them.
Each segment has its own noise colour and level: the word's peak is drawn from PEAK_DBFS and its
speech-to-noise ratio from SNR_DB, as for a clip; noise levels change with a 50 ms ramp. The
result is int16 16 kHz mono; the labels are the keywords' spans (start and end of the trimmed
speech, in seconds).

Deterministic for a given seed, minutes and installation (numpy, scipy and eSpeak NG versions),
as the synthetic set is; synthesis runs in one fresh process (eSpeak NG keeps global state).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..fsutil import write_bytes_atomic
from .speech_commands import KEYWORDS
from .synth import (
    NOISE_COLORS,
    PEAK_DBFS,
    PITCH,
    PITCH_RANGE,
    RATE_WPM,
    SNR_DB,
    UNKNOWN_WORDS,
    Espeak,
    _espeak_paths,
    _resampling_filter,
    _to_int16,
    _trim,
    available_languages,
    available_variants,
    colored_noise,
    split_variants,
)
from .wav import SAMPLE_RATE, encode_wav

GAP_S = (0.6, 2.5)
KEYWORD_FRACTION = 0.6
RAMP_SAMPLES = 800         # 50 ms


@dataclass(frozen=True)
class WordSpec:
    text: str
    keyword: bool
    voice: str
    rate: int
    pitch: int
    pitch_range: int
    espeak_seed: int
    gap: int               # samples of noise before the word
    color: str
    snr_db: float
    peak_dbfs: float


@dataclass(frozen=True)
class StreamLabel:
    word: str
    start: float
    end: float


def plan_stream(seconds: float, seed: int, languages: tuple[str, ...],
                voices: tuple[str, ...]) -> list[WordSpec]:
    """Words for about ``seconds`` (a trimmed word lasts about 0.45 s, the mean gap 1.55 s)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    specs, total = [], 0.0
    while total < seconds - 1.0:
        keyword = bool(rng.random() < KEYWORD_FRACTION)
        words = KEYWORDS if keyword else UNKNOWN_WORDS
        gap = float(rng.uniform(*GAP_S))
        specs.append(WordSpec(
            text=words[rng.integers(len(words))], keyword=keyword,
            voice=f"{languages[rng.integers(len(languages))]}+{voices[rng.integers(len(voices))]}",
            rate=int(rng.integers(RATE_WPM[0], RATE_WPM[1] + 1)),
            pitch=int(rng.integers(PITCH[0], PITCH[1] + 1)),
            pitch_range=int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1)),
            espeak_seed=int(rng.integers(1, 2 ** 31)), gap=int(gap * SAMPLE_RATE),
            color=NOISE_COLORS[rng.integers(len(NOISE_COLORS))],
            snr_db=float(rng.uniform(*SNR_DB)), peak_dbfs=float(rng.uniform(*PEAK_DBFS))))
        total += gap + 0.45
    return specs


def _synthesize(specs: list[WordSpec]) -> list[np.ndarray]:
    """Worker process: each word's trimmed speech, float64 at 16 kHz, peak 1."""
    from scipy.signal import resample_poly

    engine = Espeak()
    out = []
    for spec in specs:
        raw = engine.synthesize(spec.text, spec.voice, spec.rate, spec.pitch, spec.pitch_range,
                                spec.espeak_seed)
        speech = _trim(resample_poly(raw.astype(np.float64), 320, 441, window=_resampling_filter()))
        if speech.size == 0:
            raise DatasetError(f"eSpeak NG produced no audio for {spec.text!r} with {spec.voice}")
        out.append(speech[:SAMPLE_RATE] / np.abs(speech).max())
    return out


def make_stream(seconds: float, seed: int = 0, dataset_seed: int = 0,
                voices: str = "test") -> tuple[np.ndarray, list[StreamLabel]]:
    """int16 audio of about ``seconds`` and the keyword labels, from held-out voices."""
    if seconds < 5:
        raise DatasetError(f"a test stream must last at least 5 s, got {seconds:g}")
    if voices not in ("test", "validation"):
        raise DatasetError(f"voices must be test or validation, got {voices!r}")
    data_path = _espeak_paths()[1]
    speakers = split_variants(available_variants(data_path), dataset_seed).pool(voices)
    specs = plan_stream(seconds, seed, available_languages(data_path), speakers)
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")) as workers:
        speech = workers.submit(_synthesize, specs).result()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(8,)))
    lengths = [s.gap + len(w) for s, w in zip(specs, speech)]
    n = sum(lengths) + SAMPLE_RATE // 2          # 0.5 s of noise at the end
    signal = np.zeros(n)
    noise_level = np.zeros(n)
    noise = np.zeros(n)
    labels = []
    pos = 0
    for spec, word, length in zip(specs, speech, lengths):
        gain = 32767.0 * 10.0 ** (spec.peak_dbfs / 20.0)           # the word's peak
        rms = float(np.sqrt(np.mean(word ** 2))) * gain
        start = pos + spec.gap
        signal[start:start + len(word)] = word * gain
        noise_level[pos:pos + length] = rms / 10.0 ** (spec.snr_db / 20.0)
        noise[pos:pos + length] = colored_noise(rng, length, spec.color)
        if spec.keyword:
            labels.append(StreamLabel(spec.text, start / SAMPLE_RATE,
                                      (start + len(word)) / SAMPLE_RATE))
        pos += length
    noise_level[pos:] = noise_level[pos - 1]
    noise[pos:] = colored_noise(rng, n - pos, "white")
    ramp = np.ones(RAMP_SAMPLES) / RAMP_SAMPLES
    smooth = np.convolve(np.pad(noise_level, RAMP_SAMPLES // 2, mode="edge"), ramp, mode="same")
    audio = signal + noise * smooth[RAMP_SAMPLES // 2: RAMP_SAMPLES // 2 + n]
    return _to_int16(audio), labels


def labels_csv(labels: list[StreamLabel]) -> str:
    return "word,start,end\n" + "".join(f"{la.word},{la.start:.3f},{la.end:.3f}\n" for la in labels)


def write_stream(wav_path: Path, labels_path: Path, seconds: float, seed: int = 0,
                 dataset_seed: int = 0, voices: str = "test") -> tuple[int, int]:
    """Writes the WAV and its labels CSV (each atomically); returns (samples, keywords)."""
    audio, labels = make_stream(seconds, seed, dataset_seed, voices)
    write_bytes_atomic(Path(wav_path), encode_wav(audio))
    write_bytes_atomic(Path(labels_path), labels_csv(labels).encode())
    return len(audio), len(labels)

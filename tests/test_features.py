"""Tests of the integer KWS front end (mcuforge.features) and its C twin (firmware/frontend)."""

from __future__ import annotations

import decimal
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import scipy.fft
import scipy.signal

from conftest import require_module, require_tool
from mcuforge.errors import DatasetError
from mcuforge.features import (
    DEFAULT_CONFIG,
    FEATURE_SCALE,
    FrontendConfig,
    compute_features,
    compute_features_reference,
    compute_frame_features,
    frontend_tables,
    mel_weights_float,
    render_c_tables,
)
from mcuforge.features import frontend as fe

REPO = Path(__file__).resolve().parents[1]
FRONTEND_DIR = REPO / "firmware" / "frontend"
CFG = DEFAULT_CONFIG

# Pins the definition: any change to a table (and so to the features) must update this on purpose.
TABLES_SHA256 = "97aeea1a4c799c016498fac4b6e70df070c918a0f42f2ed5ce3dd2a164ef27e6"


# ---------------------------------------------------------------------------------------------
# Test signals
# ---------------------------------------------------------------------------------------------

T = np.arange(16000) / 16000.0


def _i16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def _speech_like(peak: float, seed: int = 1) -> np.ndarray:
    """A voiced-speech stand-in: 100-140 Hz pulse train through three formant resonators, a
    little breath noise, two syllables; scaled to ``peak``."""
    rng = np.random.default_rng(seed)
    f0 = 120 + 20 * np.sin(2 * np.pi * 3 * T)
    src = np.diff(np.floor(np.cumsum(f0 / 16000)), prepend=0.0)
    y = src
    for fc, bw in ((700, 130), (1220, 70), (2600, 160)):
        r = np.exp(-np.pi * bw / 16000)
        y = scipy.signal.lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * fc / 16000), r * r], y)
    y = y + 0.02 * np.abs(y).max() * rng.standard_normal(16000)
    y = y * np.clip(np.sin(2 * np.pi * 2 * T), 0, None)
    return _i16(y / np.abs(y).max() * peak)


def _signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "silence": np.zeros(16000, np.int16),
        "noise": _i16(3000 * rng.standard_normal(16000)),
        "uniform_full": rng.integers(-32768, 32768, 16000).astype(np.int16),
        "tone_1k": _i16(8000 * np.sin(2 * np.pi * 1000 * T)),
        "tone_3k9": _i16(20000 * np.sin(2 * np.pi * 3900 * T + 0.3)),
        "chirp": _i16(10000 * scipy.signal.chirp(T, 100, 1, 4000, method="logarithmic")),
        "square_full": np.where(np.sin(2 * np.pi * 440 * T) >= 0, 32767, -32768).astype(np.int16),
        "min_full": np.full(16000, -32768, np.int16),
        "alternating_full": np.where(np.arange(16000) % 2 == 0, 32767, -32768).astype(np.int16),
        "lsb_noise": rng.integers(-1, 2, 16000).astype(np.int16),
        "impulse": np.eye(1, 16000, 4000, dtype=np.int16)[0] * np.int16(-32768),
        "speech_300": _speech_like(300),
        "speech_full": _speech_like(32767),
    }


# ---------------------------------------------------------------------------------------------
# A float MFCC on the same framing, for the sanity comparisons
# ---------------------------------------------------------------------------------------------

def _float_mel_power(clip: np.ndarray) -> np.ndarray:
    idx = np.arange(CFG.num_frames)[:, None] * CFG.hop_samples + np.arange(CFG.window_samples)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(CFG.window_samples) / CFG.window_samples)
    spec = np.fft.rfft(clip.astype(np.float64)[idx] * hann, CFG.fft_size)[:, : CFG.num_bins]
    return (np.abs(spec) ** 2) @ mel_weights_float().T


def float_mfcc_log2(clip: np.ndarray) -> np.ndarray:
    """What the integer front end approximates: orthonormal DCT of log2(mel power + 1)."""
    logmel = np.log2(_float_mel_power(clip) + 1.0)
    return scipy.fft.dct(logmel, type=2, norm="ortho", axis=1)[:, : CFG.num_mfcc]


def float_mfcc_ln(clip: np.ndarray) -> np.ndarray:
    """A TensorFlow/MLPerf-style float MFCC: natural log of (mel power + 1e-6)."""
    logmel = np.log(_float_mel_power(clip) + 1e-6)
    return scipy.fft.dct(logmel, type=2, norm="ortho", axis=1)[:, : CFG.num_mfcc]


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------

def test_tables_pinned():
    assert frontend_tables().sha256() == TABLES_SHA256


def test_table_shapes_and_invariants():
    t = frontend_tables()
    assert t.window.dtype == np.int16 and t.window.shape == (480,)
    assert t.window[0] == 0 and t.window.min() >= 0 and t.window.max() == 32767
    assert np.array_equal(t.window[1:], t.window[1:][::-1])           # periodic Hann symmetry
    assert t.window[120] == 16384                                     # exact tie 16383.5, up
    assert t.bitrev.shape == (256,) and sorted(t.bitrev.tolist()) == list(range(256))
    assert t.bitrev[1] == 128 and t.bitrev[3] == 192 and t.bitrev[255] == 255
    assert t.fft_twiddle.dtype == np.int32 and t.fft_twiddle.shape == (128, 2)
    assert t.fft_twiddle[64].tolist() == [0, -2 ** 31]                  # -i, exact
    assert np.all(t.fft_twiddle[1:, 1] < 0)                              # -sin on (0, pi)
    # W[t + 64] = -i W[t] (round(-x) = -round(x): no ties), bit for bit
    assert np.array_equal(t.fft_twiddle[65:, 0], t.fft_twiddle[1:64, 1])
    assert np.array_equal(t.fft_twiddle[65:, 1], -t.fft_twiddle[1:64, 0])
    assert t.split_twiddle.shape == (129, 2)
    assert t.split_twiddle[0].tolist() == [0, -2 ** 31] and t.split_twiddle[128].tolist() == [
        -2 ** 31, 0]
    # V[2t] = -i W[t]: the split twiddles at even k are the FFT's, rotated
    assert np.array_equal(t.split_twiddle[2:128:2, 0], t.fft_twiddle[1:64, 1])
    assert np.array_equal(t.split_twiddle[2:128:2, 1], -t.fft_twiddle[1:64, 0])
    dense = t.mel_dense()
    assert dense.shape == (40, 129)
    for j in range(40):
        nz = np.flatnonzero(dense[j])
        assert nz[0] == t.mel_first_bin[j] and nz[-1] - nz[0] + 1 == t.mel_num_bins[j]
        assert np.all(dense[j, nz[0]:nz[-1] + 1] > 0)
    assert np.all(np.diff(t.mel_first_bin) >= 0) and t.mel_weights.max() <= 32768
    assert dense[:, 0].sum() == 0 and dense[:, 128].sum() == 0        # DC and 4 kHz edge unused
    assert t.log2_table[0] == 0 and t.log2_table[256] == 1024
    assert np.all(np.diff(t.log2_table.astype(int)) > 0)
    gram = t.dct.astype(np.int64) @ t.dct.T.astype(np.int64)
    assert np.abs(gram - (1 << 30) * np.eye(10)).max() < 2 ** 30 * 2e-3  # orthonormal in Q15
    assert t.spectrum_bound < 2 ** 30 and 2 * t.spectrum_bound < 2 ** 31 - 1
    assert t.power_bound < 2 ** 46 and t.mel_accumulator_bound < 2 ** 49
    for arr in (t.window, t.bitrev, t.fft_twiddle, t.split_twiddle, t.mel_weights, t.log2_table,
                t.dct):
        assert not arr.flags.writeable


# High-precision reference for every table, independent of libm: Decimal at 50 digits.
def _dec_pi() -> Decimal:
    # Machin: pi = 16 atan(1/5) - 4 atan(1/239)
    def atan_inv(x: int) -> Decimal:
        total, term, k, x2 = Decimal(0), Decimal(1) / x, 0, x * x
        while term > Decimal(10) ** -60:     # far below the 50-digit precision
            total += term / (2 * k + 1) * (-1) ** k
            term /= x2
            k += 1
        return total
    return 16 * atan_inv(5) - 4 * atan_inv(239)


def _dec_cos(turns_num: int, turns_den: int, pi: Decimal) -> Decimal:
    x = 2 * pi * (turns_num % turns_den) / turns_den
    total, term, k = Decimal(1), Decimal(1), 0
    while abs(term) > Decimal(10) ** -45:
        term *= -x * x / ((2 * k + 1) * (2 * k + 2))
        total += term
        k += 1
    return total


def _dec_round(x: Decimal) -> int:
    # floor(x + 1/2); exact ties of the true value are within 1e-40 of .5 here
    return int((x + Decimal("0.5") + Decimal(10) ** -40).to_integral_value(decimal.ROUND_FLOOR))


def test_tables_match_high_precision():
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        pi = _dec_pi()
        t = frontend_tables()
        window = [_dec_round(32767 * (Decimal("0.5") - _dec_cos(n, 480, pi) / 2))
                  for n in range(480)]
        assert window == t.window.tolist()
        q31 = 2 ** 31
        assert [[_dec_round(q31 * _dec_cos(j, 256, pi)), _dec_round(-q31 * _dec_cos(j - 64, 256, pi))]
                for j in range(1, 128)] == t.fft_twiddle[1:].tolist()
        assert t.fft_twiddle[0].tolist() == [q31 - 1, 0]                 # never multiplied
        assert [[_dec_round(-q31 * _dec_cos(k - 128, 512, pi)), _dec_round(-q31 * _dec_cos(k, 512, pi))]
                for k in range(129)] == t.split_twiddle.tolist()
        assert [_dec_round(1024 * (1 + Decimal(i) / 256).ln() / Decimal(2).ln())
                for i in range(257)] == t.log2_table.tolist()
        dct = [[_dec_round(32768 * (Decimal(1 if i == 0 else 2) / 40).sqrt()
                           * _dec_cos(i * (2 * j + 1), 160, pi)) for j in range(40)]
               for i in range(10)]
        assert dct == t.dct.tolist()

        def mel(f: Decimal) -> Decimal:
            return (1 + f / 700).ln()
        lo, hi = mel(Decimal(20)), mel(Decimal(4000))
        edges = [lo + (hi - lo) * e / 41 for e in range(42)]
        dense = []
        for j in range(40):
            row = []
            for k in range(129):
                m = mel(Decimal(k) * 16000 / 512)
                w = min((m - edges[j]) / (edges[j + 1] - edges[j]),
                        (edges[j + 2] - m) / (edges[j + 2] - edges[j + 1]))
                row.append(_dec_round(32768 * max(w, Decimal(0))))
            dense.append(row)
        assert dense == t.mel_dense().tolist()


def test_round_half_up_refuses_near_ties():
    with pytest.raises(RuntimeError, match="tie"):
        fe._round_half_up(np.array([2.5 + 1e-9]), None, "x")
    assert fe._round_half_up(np.array([2.5, -2.5, 2.4]), np.array([True, True, False]),
                             "x").tolist() == [3, -2, 2]


def _pinned_inputs() -> np.ndarray:
    """Inputs built with integer operations only, identical on every platform."""
    rng = np.random.default_rng(20240601)
    n = np.arange(16000)
    return np.stack([
        rng.integers(-32768, 32768, 16000),
        rng.integers(-300, 301, 16000),
        np.where((n // 18) % 2 == 0, 32767, -32768),         # ~444 Hz full-scale square
        (n * 37) % 2001 - 1000,                              # sawtooth
        np.zeros(16000, np.int64),
    ]).astype(np.int16)


# Pins the definition end to end (tables alone do not: shifts and roundings live in code).
FEATURES_SHA256 = "e01ebec17d8dcb6a423606d7373793e0350b9d45442dc799b2fcea21c056b2c5"


def test_features_pinned():
    f = compute_features(_pinned_inputs())
    assert fe.hashlib.sha256(f.astype("<i4").tobytes()).hexdigest() == FEATURES_SHA256


def test_c_tables_header_is_current():
    committed = (FRONTEND_DIR / "mf_frontend_tables.h").read_text(encoding="ascii")
    assert committed == render_c_tables(), (
        "firmware/frontend/mf_frontend_tables.h is stale: regenerate with "
        "mcuforge.features.frontend.write_c_tables")
    assert TABLES_SHA256 in committed


def test_config_validation():
    with pytest.raises(ValueError):
        FrontendConfig(fft_size=500)
    with pytest.raises(ValueError):
        FrontendConfig(mel_high_hz=9000.0)
    with pytest.raises(ValueError, match="Nyquist"):
        FrontendConfig(mel_high_hz=8000.0)        # V[N / 2] = (0, 2^31): not int32
    with pytest.raises(ValueError, match="even"):
        FrontendConfig(window_samples=479)
    with pytest.raises(ValueError, match="too large"):
        FrontendConfig(fft_size=2 ** 16, clip_samples=2 ** 16)
    # The longest window still fits: |S| <= 2 * 32768 * (N/2 * 32767) / (N/2) + eps < 2^31.
    assert 2 * frontend_tables(FrontendConfig(window_samples=512)).spectrum_bound < 2 ** 31
    assert CFG.num_frames == 49 and CFG.num_bins == 129 and CFG.feature_shape == (49, 10)


# ---------------------------------------------------------------------------------------------
# Exactness of the fast path and bounds
# ---------------------------------------------------------------------------------------------

def _worst_case_frames() -> np.ndarray:
    """For each bin k, the full-scale frames maximising |Re X[k]| (x = sign(H cos)) and |Im X[k]|
    (x = sign(H sin)), chosen from the exact spectrum (float: only the signs matter)."""
    n = np.arange(480)
    frames = []
    for f in (np.cos, np.sin):
        for k in range(129):
            c = f(2 * np.pi * k * n / 512)
            frames.append(np.where(c >= 0, 32767, -32768))
            frames.append(np.where(c >= 0, -32768, 32767))
    return np.array(frames, dtype=np.int16)


def _exact_scaled_spectrum(frames: np.ndarray) -> np.ndarray:
    """DFT_512(x H)[k] / 256, k = 0..128, in float64 (error ~1e-6 on values below 2^30)."""
    xw = frames.astype(np.float64) * frontend_tables().window
    return np.fft.rfft(xw, 512)[:, :129] / 256


def test_fft_is_within_its_error_bound():
    """The integer FFT against the exact transform: within the stated bound (spectrum_error_bound
    output units = 1/128 of an int16 sample unit) on random, quiet and worst-case frames."""
    t = frontend_tables()
    rng = np.random.default_rng(3)
    frames = np.concatenate([
        rng.integers(-32768, 32768, (64, 480)), rng.integers(-2, 3, (64, 480)),
        np.full((1, 480), -32768), np.full((1, 480), 32767), _worst_case_frames(),
    ]).astype(np.int16)
    xr, xi = fe._spectrum(frames.astype(np.int64) * t.window, t)
    err = np.abs(xr + 1j * xi - _exact_scaled_spectrum(frames))
    assert err.max() <= fe.spectrum_error_bound(CFG)
    assert err.max() < 16                                            # measured: 9.6
    assert np.abs(xr).max() <= t.spectrum_bound and np.abs(xi).max() <= t.spectrum_bound
    assert np.abs(xr).max() > 0.999 * t.spectrum_bound               # the bound is tight


def test_reference_spectrum_is_the_fast_one():
    t = frontend_tables()
    rng = np.random.default_rng(8)
    frames = np.concatenate([rng.integers(-32768, 32768, (3, 480)), _worst_case_frames()[::97],
                             rng.integers(-3, 4, (2, 480))]).astype(np.int16)
    fast = fe._power(*fe._spectrum(frames.astype(np.int64) * t.window, t), CFG)
    for frame, row in zip(frames, fast):
        assert fe.reference_spectrum(frame) == row.tolist()


def test_power_and_mel_bounds_on_worst_case_frames():
    t = frontend_tables()
    frames = _worst_case_frames().astype(np.int64)
    p = fe._power(*fe._spectrum(frames * t.window, t), CFG)
    assert p.max() < t.power_bound < 2 ** 46                       # proof in frontend.power_bound
    assert p.max() > 0.999 * t.power_bound                         # and the bound is tight
    mel = ((p[:, None, :] * t.mel_dense()[None] + (1 << 14)) >> 15).sum(-1)
    assert mel.max() + 1 <= t.mel_accumulator_bound


def test_log2_q10():
    t = frontend_tables()
    vals = [1, 2, 3, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 2 ** 40 - 1, 2 ** 40,
            2 ** 50 + 12345, 2 ** 61 - 1, 2 ** 61]
    rng = np.random.default_rng(5)
    vals += [int(v) for v in rng.integers(1, 2 ** 62, 2000)]
    vals += [int(v) for v in np.exp2(rng.uniform(0, 61, 2000)).astype(np.int64) + 1]
    got = fe._log2_q10(np.array(vals, dtype=np.int64), CFG, t.log2_table)
    for v, g in zip(vals, got):
        e = v.bit_length() - 1                                      # independent msb
        mant = v << (8 - e) if e <= 8 else (v + (1 << (e - 9))) >> (e - 8)
        assert g == 1024 * e + int(t.log2_table[mant - 256])
        assert abs(int(g) - 1024 * np.log2(float(v))) < 3.4         # mantissa + table rounding
    # Exact at powers of two, and carries land on the next power.
    assert fe._log2_q10(np.array([1, 2 ** 20, 2 ** 20 - 1]), CFG, t.log2_table).tolist() == [
        0, 20 * 1024, 20 * 1024]


def test_fast_path_matches_integer_reference():
    sig = {k: v for k, v in _signals().items()
           if k in ("silence", "uniform_full", "square_full", "speech_300", "impulse")}
    clips = np.stack(list(sig.values()))
    fast = compute_features(clips)
    for name, clip, f in zip(sig, clips, fast):
        ref = compute_features_reference(clip)
        assert np.array_equal(f, ref), f"{name}: {np.argwhere(f != ref)[:10].tolist()}"


def test_chunking_and_shapes():
    rng = np.random.default_rng(11)
    clips = rng.integers(-32768, 32768, (5, 16000)).astype(np.int16)
    a = compute_features(clips)
    assert a.dtype == np.int32 and a.shape == (5, 49, 10)
    assert np.array_equal(a, compute_features(clips, chunk_clips=2, progress=True))
    assert np.array_equal(a[3], compute_features(clips[3]))
    assert compute_features(clips[:0]).shape == (0, 49, 10)
    assert np.array_equal(a[1::2], compute_features(clips[1::2]))      # strided views


def test_bad_input_is_a_dataset_error():
    with pytest.raises(DatasetError, match="int16"):
        compute_features(np.zeros(16000, np.float32))
    with pytest.raises(DatasetError, match="shape"):
        compute_features(np.zeros((2, 15999), np.int16))
    with pytest.raises(DatasetError, match="shape"):
        compute_features(np.zeros((1, 2, 16000), np.int16))


# ---------------------------------------------------------------------------------------------
# Usefulness
# ---------------------------------------------------------------------------------------------

def test_silence_is_zero():
    assert not compute_features(np.zeros(16000, np.int16)).any()


def test_range_on_extreme_inputs():
    sig = _signals()
    f = compute_features(np.stack(list(sig.values())))
    assert np.abs(f).max() < 2 ** 19


@pytest.mark.parametrize("name", ["noise", "chirp", "tone_1k", "speech_300", "speech_full",
                                  "square_full"])
def test_tracks_float_mfcc(name):
    clip = _signals()[name]
    f = compute_features(clip) * FEATURE_SCALE
    ref = float_mfcc_log2(clip)
    assert _corr(f, ref) > 0.998, name
    if name in ("noise", "square_full", "speech_full"):
        # Loud broadband signals: the integer features equal the float ones to 0.02 log2 units.
        assert np.abs(f - ref).max() < 0.02, name
    if name == "speech_300":
        assert np.abs(f - ref).max() < 0.5, name
    if name in ("noise", "chirp", "square_full", "tone_1k"):
        # No digital silence in these: the floor (1 vs 1e-6) does not matter, log base is a scale.
        assert _corr(f, float_mfcc_ln(clip)) > 0.995, name


def test_quiet_speech_does_not_collapse():
    clip = _speech_like(300)
    f = compute_features(clip)
    voiced = np.abs(clip.reshape(-1, 320)[:49]).max(axis=1) > 30
    assert np.all(f[voiced, 0] > 0)
    assert np.count_nonzero(f[voiced]) > 0.9 * f[voiced].size
    # Mel energies of voiced frames are far above the floor in every band.
    logmel_c0 = f[voiced, 0] * FEATURE_SCALE / np.sqrt(40)          # mean log2 mel energy
    assert logmel_c0.min() > 5
    # Level changes move c0 only, by 10 dB = log2(10) per band -> sqrt(40) log2(10) in c0.
    loud = compute_features(_i16(clip.astype(np.float64) * 10**0.5)) * FEATURE_SCALE
    d0 = (loud[voiced, 0] - f[voiced, 0] * FEATURE_SCALE).mean()
    assert abs(d0 / (np.sqrt(40) * np.log2(10)) - 1) < 0.05       # bands near the floor lag
    assert np.abs(loud[voiced, 1:] - f[voiced, 1:] * FEATURE_SCALE).mean() < 0.25


# ---------------------------------------------------------------------------------------------
# The C implementation
# ---------------------------------------------------------------------------------------------

_HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "mf_frontend.h"

/* argv[1]: raw int16 clips (native endian), argv[2]: raw int32 features out. */
int main(int argc, char **argv)
{
    static int16_t audio[MF_CLIP_SAMPLES];
    static int32_t features[MF_NUM_FRAMES * MF_NUM_MFCC];
    FILE *in, *out;
    if (argc != 3) return 2;
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) return 3;
    while (fread(audio, sizeof audio[0], MF_CLIP_SAMPLES, in) == MF_CLIP_SAMPLES) {
        mf_frontend_compute(audio, features);
        if (fwrite(features, sizeof features[0], MF_NUM_FRAMES * MF_NUM_MFCC, out)
            != MF_NUM_FRAMES * MF_NUM_MFCC) return 4;
    }
    return fclose(out) == 0 ? 0 : 5;
}
"""


def _compiler() -> str:
    return require_tool("cc", "gcc", "clang")


def _build(tmp_path: Path, extra: list[str]) -> Path:
    (tmp_path / "harness.c").write_text(_HARNESS)
    exe = tmp_path / "frontend_host"
    cmd = [_compiler(), "-std=c99", "-Wall", "-Wextra", "-Werror", "-Wpedantic", "-Wconversion",
           "-O2", *extra, "-I", str(FRONTEND_DIR), str(FRONTEND_DIR / "mf_frontend.c"),
           str(tmp_path / "harness.c"), "-o", str(exe)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return exe


def _run_c(exe: Path, tmp_path: Path, clips: np.ndarray) -> np.ndarray:
    (tmp_path / "in.raw").write_bytes(np.ascontiguousarray(clips, np.int16).tobytes())
    res = subprocess.run([str(exe), str(tmp_path / "in.raw"), str(tmp_path / "out.raw")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return np.fromfile(tmp_path / "out.raw", dtype=np.int32).reshape(len(clips), 49, 10)


def _assert_bit_exact(c_out: np.ndarray, py_out: np.ndarray, names: list[str]) -> None:
    for name, c, p in zip(names, c_out, py_out):
        diff = np.argwhere(c != p)
        assert diff.size == 0, f"{name}: C != Python at [frame, coef] {diff[:10].tolist()}"


@pytest.mark.host
def test_c_frontend_bit_exact(tmp_path):
    sig = _signals()
    rng = np.random.default_rng(13)
    pinned = _pinned_inputs()
    names = list(sig) + [f"random_{i}" for i in range(4)] + [f"pinned_{i}" for i in range(5)]
    clips = np.concatenate([np.stack(list(sig.values())),
                            _i16(rng.standard_normal((4, 16000)) * rng.uniform(1, 20000, (4, 1))),
                            pinned])
    exe = _build(tmp_path, [])
    _assert_bit_exact(_run_c(exe, tmp_path, clips), compute_features(clips), names)


@pytest.mark.host
def test_c_frontend_worst_case_frames_under_sanitizers(tmp_path):
    """Worst-case full-scale frames (maximal spectra) through UBSan + ASan: no overflow, exact."""
    frames = _worst_case_frames()[::2]                   # [258, 480]: x = +-sign(H cos) per bin
    clips = np.zeros((len(frames) // 25 + 1, 16000), np.int16)
    for i, fr in enumerate(frames):                      # even frame slots do not overlap
        c, t = divmod(i, 25)
        clips[c, 640 * t: 640 * t + 480] = fr
    probe = subprocess.run([_compiler(), "-fsanitize=undefined,address", "-x", "c", "-",
                            "-o", str(tmp_path / "probe")], input="int main(void){return 0;}",
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("the C compiler has no UBSan/ASan runtime")
    exe = _build(tmp_path, ["-fsanitize=undefined,address", "-fno-sanitize-recover=all", "-g"])
    _assert_bit_exact(_run_c(exe, tmp_path, clips), compute_features(clips),
                      [f"worst_{i}" for i in range(len(clips))])


@pytest.mark.cross
@pytest.mark.parametrize("cpu", ["cortex-m0plus", "cortex-m4", "cortex-m7", "cortex-m55"])
def test_c_frontend_cross_compiles(tmp_path, cpu):
    gcc = require_tool("arm-none-eabi-gcc")
    res = subprocess.run([gcc, f"-mcpu={cpu}", "-mthumb", "-std=c99", "-Wall", "-Wextra", "-Werror",
                          "-Wpedantic", "-Wconversion", "-O2", "-c",
                          str(FRONTEND_DIR / "mf_frontend.c"), "-o", str(tmp_path / "fe.o")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    # No floating point may sneak in (no soft-float helpers, no FPU instructions).
    nm = subprocess.run([shutil.which("arm-none-eabi-nm") or "arm-none-eabi-nm", "-u",
                         str(tmp_path / "fe.o")], capture_output=True, text=True)
    assert nm.returncode == 0, nm.stderr
    assert not [s for s in nm.stdout.split() if "aeabi_f" in s or "aeabi_d" in s], nm.stdout


# ---------------------------------------------------------------------------------------------
# Edge cases, the streaming API and a second configuration (odd stage count) in C
# ---------------------------------------------------------------------------------------------

def _edge_clips() -> tuple[list[str], np.ndarray]:
    """Full-scale square waves (DC-heavy, every bin's worst case), silence, clipped speech."""
    n = np.arange(16000)
    speech = _speech_like(32767).astype(np.float64)
    clips = {
        "square_2_samples": np.where(n % 2 == 0, 32767, -32768),       # Nyquist
        "square_8k_over_3": np.where((n // 3) % 2 == 0, 32767, -32768),
        "square_32": np.where((n // 16) % 2 == 0, -32768, 32767),      # 500 Hz
        "square_480": np.where((n // 240) % 2 == 0, 32767, -32768),    # one period per frame
        "dc_max": np.full(16000, 32767), "dc_min": np.full(16000, -32768),
        "silence": np.zeros(16000),
        "clipped_speech": np.clip(speech * 8, -32768, 32767),
        "step": np.where(n < 8000, 0, -32768),
    }
    return list(clips), np.stack(list(clips.values())).astype(np.int16)


@pytest.mark.host
def test_c_frontend_edge_cases(tmp_path):
    names, clips = _edge_clips()
    py = compute_features(clips)
    _assert_bit_exact(_run_c(_build(tmp_path, []), tmp_path, clips), py, names)
    assert not py[names.index("silence")].any()
    assert np.abs(py).max() < 2 ** 19


_STREAM_HARNESS = r"""
#include <stdio.h>
#include "mf_frontend.h"

/* argv[1]: raw int16 stream, argv[2]: per push, 1 flag word then MF_NUM_MFCC int32 features. */
int main(int argc, char **argv)
{
    static int16_t hop[MF_FRAME_HOP];
    int32_t features[MF_NUM_MFCC];
    mf_frontend_stream stream;
    FILE *in, *out;
    if (argc != 3) return 2;
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) return 3;
    mf_frontend_stream_init(&stream);
    while (fread(hop, sizeof hop[0], MF_FRAME_HOP, in) == MF_FRAME_HOP) {
        int32_t ready;
        int i;
        for (i = 0; i < MF_NUM_MFCC; ++i) features[i] = -1;
        ready = mf_frontend_stream_push(&stream, hop, features);
        if (fwrite(&ready, sizeof ready, 1, out) != 1) return 4;
        if (fwrite(features, sizeof features[0], MF_NUM_MFCC, out) != MF_NUM_MFCC) return 4;
    }
    return fclose(out) == 0 ? 0 : 5;
}
"""


@pytest.mark.host
def test_c_stream_api_matches_frames(tmp_path):
    """mf_frontend_stream_push: from the second hop on, the features of the last 480 samples."""
    rng = np.random.default_rng(21)
    stream = np.concatenate([_speech_like(20000, seed=4), _i16(3000 * rng.standard_normal(3200))])
    (tmp_path / "stream.c").write_text(_STREAM_HARNESS)
    exe = tmp_path / "stream"
    res = subprocess.run([_compiler(), "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-I",
                          str(FRONTEND_DIR), str(FRONTEND_DIR / "mf_frontend.c"),
                          str(tmp_path / "stream.c"), "-o", str(exe)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    stream.tofile(tmp_path / "in.raw")
    subprocess.run([str(exe), str(tmp_path / "in.raw"), str(tmp_path / "out.raw")], check=True)
    out = np.fromfile(tmp_path / "out.raw", dtype=np.int32).reshape(-1, 11)
    hops = len(stream) // 320
    assert out.shape == (hops, 11)
    assert out[0, 0] == 0 and np.all(out[0, 1:] == -1)           # not ready: features untouched
    assert np.all(out[1:, 0] == 1)
    windows = np.stack([stream[320 * h - 480: 320 * h] for h in range(2, hops + 1)])
    assert np.array_equal(out[1:, 1:], compute_frame_features(windows))


@pytest.mark.host
def test_c_frontend_other_config(tmp_path):
    """A 1024-point FFT (9 stages: the radix-2^2 passes plus one radix-2 stage) and 64 mel bins:
    the C built from that config's tables equals Python's definition for it."""
    cfg = FrontendConfig(fft_size=1024, num_mel=64, mel_high_hz=7000.0, num_mfcc=13)
    assert cfg.fft_stages == 9
    for name in ("mf_frontend.c", "mf_frontend.h"):
        shutil.copy(FRONTEND_DIR / name, tmp_path / name)
    fe.write_c_tables(tmp_path / "mf_frontend_tables.h", cfg)
    header = (tmp_path / "mf_frontend.h").read_text().replace("#define MF_NUM_MFCC 10",
                                                              "#define MF_NUM_MFCC 13")
    (tmp_path / "mf_frontend.h").write_text(header)
    (tmp_path / "harness.c").write_text(_HARNESS)
    exe = tmp_path / "fe1024"
    res = subprocess.run([_compiler(), "-std=c99", "-Wall", "-Wextra", "-Werror", "-Wconversion",
                          "-O2", "-I", str(tmp_path), str(tmp_path / "mf_frontend.c"),
                          str(tmp_path / "harness.c"), "-o", str(exe)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    sig = _signals()
    clips = np.stack([sig[k] for k in ("noise", "uniform_full", "chirp", "square_full", "silence")])
    clips.tofile(tmp_path / "in.raw")
    subprocess.run([str(exe), str(tmp_path / "in.raw"), str(tmp_path / "out.raw")], check=True)
    c_out = np.fromfile(tmp_path / "out.raw", dtype=np.int32).reshape(len(clips), 49, 13)
    assert np.array_equal(c_out, compute_features(clips, config=cfg))
    assert np.array_equal(c_out[0], compute_features_reference(clips[0], cfg))


# ---------------------------------------------------------------------------------------------
# The whole test split of the default recipe: C == Python on every frame, host and QEMU
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def test_split() -> tuple[np.ndarray, np.ndarray]:
    """The default KWS recipe's test split (synthesized once and cached, as `mcuforge train`
    does) and its Python features."""
    require_module("espeakng_loader")
    from mcuforge.data import load_speech_commands
    from mcuforge.features.dataset import dataset_root
    from mcuforge.recipe import load_recipe

    recipe = load_recipe(REPO / "models" / "kws_dscnn.yaml")
    root = dataset_root(recipe, None, progress=False)
    spec = recipe.dataset
    ds = load_speech_commands(root, silence_fraction=spec.silence_fraction,
                              unknown_fraction=spec.unknown_fraction, seed=spec.seed,
                              progress=False)
    audio = ds.test.audio
    assert len(audio) > 2000                       # the whole split, not a sample
    return audio, compute_features(audio)


@pytest.mark.host
def test_c_equals_python_on_the_whole_test_split(test_split, tmp_path):
    audio, py = test_split
    c_out = _run_c(_build(tmp_path, []), tmp_path, audio)
    bad = np.argwhere(c_out != py)
    assert bad.size == 0, f"{len(bad)} features differ; first [clip, frame, coef]: {bad[:5].tolist()}"


# Every QEMU_SPLIT_STRIDE-th clip of the split under QEMU (measured on the whole 2,700-clip split:
# 25-66 s on a loaded 2-core machine, against 6-16 s for this quarter); all of them with
# MCUFORGE_FULL_MATRIX=1 (as the kernel matrix, tests/conftest.py).
QEMU_SPLIT_STRIDE = 1 if os.environ.get("MCUFORGE_FULL_MATRIX") == "1" else 4


@pytest.mark.qemu
def test_c_equals_python_on_the_test_split_on_mps2_an386(test_split, tmp_path):
    """The front end built for the Cortex-M4 (DSP helpers) under QEMU on the split (a quarter of
    its clips, or all with MCUFORGE_FULL_MATRIX=1): equal features, and the cost per hop under
    the issue's 40,000 instructions."""
    require_tool("qemu-system-arm")
    require_tool("arm-none-eabi-gcc")
    from mcuforge.bench.frontend import build_probe, run_probe
    from mcuforge.boards import get_board

    audio, py = test_split
    audio, py = audio[::QEMU_SPLIT_STRIDE], py[::QEMU_SPLIT_STRIDE]
    board = get_board("mps2_an386")
    run = run_probe(board, build_probe(board, tmp_path / "probe"), audio)
    bad = np.argwhere(run.features != py)
    assert bad.size == 0, f"{len(bad)} features differ; first [clip, frame, coef]: {bad[:5].tolist()}"
    assert run.variant == "dsp"
    assert run.instructions.max() <= 40_000


@pytest.mark.qemu
def test_bench_frontend_command(tmp_path, capsys):
    """`mcuforge bench --frontend`: a figure per board, measured, with the features checked."""
    require_tool("qemu-system-arm")
    require_tool("arm-none-eabi-gcc")
    import json

    from mcuforge.cli import main

    code = main(["bench", "--frontend", "--boards", "mps2_an386,mps2_an385", "--out",
                 str(tmp_path / "bench"), "--json"])
    assert code == 0
    rows = {d["board"]: d for d in json.loads(capsys.readouterr().out.strip().splitlines()[-1])
            ["frontend"]}
    assert rows["mps2_an386"]["variant"] == "dsp" and rows["mps2_an385"]["variant"] == "portable"
    assert 10_000 < rows["mps2_an386"]["instructions_per_hop"] <= 40_000
    assert rows["mps2_an385"]["instructions_per_hop"] > rows["mps2_an386"]["instructions_per_hop"]
    assert rows["mps2_an386"]["frames"] == 4 * 49


def test_bench_frontend_takes_no_models(capsys):
    from mcuforge.cli import main

    code = main(["bench", "--frontend", "model.tflite"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "--frontend measures the audio front end alone" in err[0]


@pytest.mark.qemu
def test_bench_frontend_needs_an_exact_counter(tmp_path, capsys):
    from mcuforge.cli import main

    code = main(["bench", "--frontend", "--boards", "microbit", "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert "microbit: its counter (systick) does not count instructions exactly" in err[0]

"""The keyword-spotting audio front end: int16 audio -> int32 MFCC-like features, integers only.

The front end is *defined* by the integer arithmetic below, so that the C implementation in
``firmware/frontend/mf_frontend.c`` reproduces it bit for bit on a Cortex-M. Floating point appears
in exactly two roles, neither of which is part of the definition:

1. Building the integer tables once (``frontend_tables``). Every table entry is
   ``round_half_up(real value)``; the builder proves that float64 cannot flip a rounding decision
   (exactly representable values are computed exactly; every other value must lie more than
   ``_TIE_MARGIN`` from a rounding tie, far above float64 error, or the builder refuses).
   The tests pin a sha256 of the tables and of the features of a fixed input set, and check
   every table against a 50-digit Decimal computation.
2. As an exact accelerator in ``compute_features``: a float64 matrix product of integers is exact
   when every product and every partial sum is an integer of magnitude below 2^53 (then each
   addition and multiplication is exactly representable, in any summation order, with or
   without FMA). Where used, the bound is stated and checked.

Definition (defaults of ``FrontendConfig``; all divisions by 2^s are *floor* divisions, i.e.
arithmetic right shifts; ``round_shift(v, s) = floor((v + 2^(s-1)) / 2^s)``, round half up):

1. Frames: frame t = audio[320 t : 320 t + 480], t = 0..48 (15,840 of the 16,000 samples used).
2. Window: periodic Hann H[n] = round_half_up(32767 (0.5 - 0.5 cos(2 pi n / 480))),
   H in [0, 32767], H[0] = 0. x_w[n] = round_shift(x[n] H[n], 7): the windowed sample keeps
   8 fractional bits (``window_frac_bits``), so the window's rounding noise (2^-8 LSB) is far
   below the int16 input's own quantization noise. |x[n] H[n]| <= 2^15 H[n], so
   |x_w[n]| <= 2^8 H[n] <= 8,388,352 < 2^23.
3. Spectrum: a direct 512-point DFT of the 480 windowed samples (zero padded) at bins k = 0..128
   (bin 128 = 4000 Hz): Re[k] = sum_n x_w[n] C[(k n) mod 512],
   Im[k] = sum_n x_w[n] S[(k n) mod 512],
   C[j] = round_half_up(32767 cos(2 pi j / 512)), S[j] = round_half_up(32767 sin(2 pi j / 512))
   = C[(j + 384) mod 512]. (Im is the negated imaginary part of the DFT; only its square is used.)
   |term| < 2^23 2^15 = 2^38 and 480 terms, so |Re|, |Im| < 2^47.
4. Power: R = round_shift(Re, 23), I = round_shift(Im, 23) (back to int16 sample units),
   P = R^2 + I^2. Bound: P < (sum(H) + 1)^2 < 2^46 (``power_bound``; full-scale DC nearly
   reaches it). R ~= (32767/32768)^2 X for the DFT X of the float-windowed int16 signal.
5. Mel: 40 triangular filters, equally spaced on the mel scale (mel(f) = 1127 ln(1 + f/700))
   between 20 and 4000 Hz, triangles drawn in the mel domain (as TensorFlow's
   ``linear_to_mel_weight_matrix``), peak 1, not area-normalised. Weights W[j][k] =
   round_half_up(2^15 w) in [0, 32768]; filter j covers bins first[j] .. first[j] + len[j] - 1,
   exactly the bins with nonzero weight. M[j] = sum_k round_shift(P[k] W[j][k], 15).
   Each product P W < 2^46 2^15 = 2^61, so it and its rounding offset fit int64; each term is
   <= P[k], and M + 1 < 2^49 (``FrontendTables.mel_accumulator_bound``, computed from the real
   weight sums and checked < 2^62 when the tables are built). Rounding each product
   (rather than pre-shifting P) keeps the resolution of M at one unit of P, so sub-LSB detail
   of quiet signals survives.
6. Log: L[j] = log2_q10(M[j] + 1), v = M[j] + 1 in [1, 2^49): n = floor(log2 v) in [0, 48];
   the mantissa m = v << (8 - n) if n <= 8 (exact), else m = (v + 2^(n-9)) >> (n - 8)
   (rounded to 8 bits after the leading one, half up); m in [256, 512];
   L = 1024 n + T[m - 256] with T[i] = round_half_up(1024 log2(1 + i/256)), i = 0..256,
   T[0] = 0, T[256] = 1024 (so a carry into m = 512 gives exactly 1024 (n + 1)).
   L in [0, 50176]. Silence: M = 0 -> L = 0.
   Accuracy: |L - 1024 log2(v)| <= 1024 log2(1 + 2^-9) + 1/2 < 3.4.
7. DCT: F[t][i] = round_shift(sum_j L[j] D[i][j], 15), i = 0..9, with the orthonormal DCT-II
   D[i][j] = round_half_up(2^15 s_i cos(pi i (2 j + 1) / 80)), s_0 = sqrt(1/40), s_i = sqrt(2/40);
   |D| <= 7328, |sum| <= 40 * 50176 * 7328 < 2^34, |F| < 2^19: int32 output.

Meaning: F * FEATURE_SCALE (= F / 1024) is the orthonormal DCT-II of log2(M + 1), where
M ~= (32767/32768)^4 * (mel-weighted |DFT|^2 of the Hann-windowed signal in int16 units);
i.e. a log2-domain MFCC with a floor of one unit of power. Silence gives F = 0 everywhere.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..cformat import array_definition
from ..errors import DatasetError
from ..fsutil import write_bytes_atomic

# Real feature value = F * FEATURE_SCALE, in log2 units (F is Q10 log2).
FEATURE_SCALE: float = 1.0 / 1024.0

# A table value whose float64 image lies within this distance of a rounding tie (x.5) is refused
# unless it is exactly representable (see _cos_turns). float64 error on these values is < 1e-10.
_TIE_MARGIN = 1e-6


def power_bound(window: np.ndarray) -> int:
    """An exclusive bound on P = R^2 + I^2 over all int16 inputs, for the Q15 window table.

    With g = window_frac_bits: |x_w[n]| <= 2^g H[n] (x = -32768 gives exactly -2^g H[n];
    x = 32767 at most 2^g H[n]), and |C + i S| <= 32767 + sqrt(1/2) < 2^15 (C and S are each
    within 1/2 of 32767 cos, 32767 sin), so |Re + i Im| / 2^(15 + g) < sum_n H[n]; rounding R
    and I moves R + i I by at most sqrt(1/2) < 1.
    Hence sqrt(P) < sum(H) + 1. For the default periodic Hann, sum(H) = 7,864,080 (= 240 * 32767)
    and P < 7,864,081^2 = 6.1844e13 < 2^46 = 7.0369e13. Full-scale DC reaches 99.99 % of it.
    """
    return (int(np.asarray(window, dtype=np.int64).sum()) + 1) ** 2   # independent of g


@dataclass(frozen=True)
class FrontendConfig:
    """Every constant of the front end. The defaults are the MLPerf-Tiny-KWS-like shape.

    Changing a value changes the definition (and the tables); ``frontend_tables`` checks that the
    integer bounds the C implementation relies on still hold.
    """

    sample_rate_hz: int = 16000
    clip_samples: int = 16000        # one clip, int16 samples
    window_samples: int = 480        # 30 ms
    hop_samples: int = 320           # 20 ms
    fft_size: int = 512              # power of two, >= window_samples
    num_mel: int = 40
    mel_low_hz: float = 20.0
    mel_high_hz: float = 4000.0      # also the highest DFT bin computed
    num_mfcc: int = 10               # DCT-II coefficients kept, of num_mel
    q_bits: int = 15                 # window, cos/sin, mel weight and DCT tables are Q15 (fixed)
    window_frac_bits: int = 8        # x_w = round_shift(x H, q_bits - window_frac_bits)
    log_frac_bits: int = 10          # L is log2 in Q10
    log_table_bits: int = 8          # mantissa bits after the leading one -> 2^8 + 1 table entries

    def __post_init__(self) -> None:
        if self.fft_size & (self.fft_size - 1) or self.fft_size < self.window_samples:
            raise ValueError(f"FrontendConfig: fft_size {self.fft_size} must be a power of two "
                             f">= window_samples {self.window_samples}")
        if self.hop_samples <= 0 or self.window_samples > self.clip_samples:
            raise ValueError("FrontendConfig: need 0 < hop_samples and "
                             "window_samples <= clip_samples")
        if not 0 < self.mel_low_hz < self.mel_high_hz <= self.sample_rate_hz / 2:
            raise ValueError(f"FrontendConfig: need 0 < mel_low_hz < mel_high_hz <= Nyquist, got "
                             f"{self.mel_low_hz}, {self.mel_high_hz}")
        if not 0 < self.num_mfcc <= self.num_mel:
            raise ValueError("FrontendConfig: need 0 < num_mfcc <= num_mel")
        if (self.q_bits != 15 or not 1 <= self.window_frac_bits <= 14
                or not 1 <= self.log_table_bits <= 16 or not 0 <= self.log_frac_bits <= 16):
            raise ValueError("FrontendConfig: q_bits must be 15 (int16 tables), window_frac_bits "
                             "in [1, 14], log_table_bits in [1, 16], log_frac_bits in [0, 16]")
        # Float64 exactness of the DFT (window_samples products below 2^(30 + frac) each) and
        # int64 room for P W + 2^14 in the mel step (P < (32767 window_samples + 1)^2 whatever
        # the window).
        coarse_power_bound = (32767 * self.window_samples + 1) ** 2
        if (self.window_samples * 2 ** (30 + self.window_frac_bits) >= 2 ** 53
                or coarse_power_bound >= 2 ** 48):
            raise ValueError(f"FrontendConfig: window_samples {self.window_samples} too long for "
                             "the exact integer bounds")

    @property
    def num_frames(self) -> int:
        return 1 + (self.clip_samples - self.window_samples) // self.hop_samples   # 49

    @property
    def num_bins(self) -> int:
        """DFT bins 0 .. floor(mel_high_hz * fft_size / sample_rate_hz) are computed (129)."""
        return int(math.floor(self.mel_high_hz * self.fft_size / self.sample_rate_hz)) + 1

    @property
    def feature_shape(self) -> tuple[int, int]:
        return (self.num_frames, self.num_mfcc)


DEFAULT_CONFIG = FrontendConfig()


@dataclass(frozen=True, eq=False)
class FrontendTables:
    """The integer tables that, with ``FrontendConfig``, define the front end. Read-only arrays.

    The C implementation is generated from exactly these (``render_c_tables``).
    """

    config: FrontendConfig
    window: np.ndarray          # int16 [window_samples], periodic Hann, Q15 (max 32767), [0] = 0
    cos: np.ndarray             # int16 [fft_size], C[j] = round(32767 cos(2 pi j / fft_size))
    sin: np.ndarray             # int16 [fft_size], S[j] = round(32767 sin(2 pi j / fft_size))
    #                             = C[(j + 3/4 fft_size) mod fft_size], bit for bit
    mel_first_bin: np.ndarray   # int32 [num_mel], first bin with nonzero weight
    mel_num_bins: np.ndarray    # int32 [num_mel], >= 1; bins first .. first + len - 1
    mel_offset: np.ndarray      # int32 [num_mel], start of filter j in mel_weights
    mel_weights: np.ndarray     # uint16 [sum(len)], packed Q15 weights, each in [1, 32768]
    log2_table: np.ndarray      # uint16 [2^log_table_bits + 1], Q10 log2(1 + i / 2^bits)
    dct: np.ndarray             # int16 [num_mfcc, num_mel], orthonormal DCT-II, Q15
    power_bound: int            # proven: P < this (< 2^46 by default)
    mel_accumulator_bound: int  # proven: M[j] + 1 <= this, < 2^62 (< 2^49 by default)

    def mel_dense(self) -> np.ndarray:
        """The mel weights as a dense int64 [num_mel, num_bins] matrix (zeros outside filters)."""
        dense = np.zeros((self.config.num_mel, self.config.num_bins), dtype=np.int64)
        for j in range(self.config.num_mel):
            first, length, off = (int(self.mel_first_bin[j]), int(self.mel_num_bins[j]),
                                  int(self.mel_offset[j]))
            dense[j, first:first + length] = self.mel_weights[off:off + length]
        return dense

    def sha256(self) -> str:
        """Digest of every table (little-endian bytes, fixed order): pins the definition."""
        h = hashlib.sha256()
        for name in ("window", "cos", "sin", "mel_first_bin", "mel_num_bins", "mel_offset",
                     "mel_weights", "log2_table", "dct"):
            arr = getattr(self, name)
            h.update(name.encode())
            h.update(arr.dtype.newbyteorder("<").str.encode())
            h.update(np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes())
        return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Table construction (float used only here, with tie checks)
# ---------------------------------------------------------------------------------------------

def _cos_turns(num: np.ndarray, den: int) -> tuple[np.ndarray, np.ndarray]:
    """cos(2 pi num / den) in float64, and a mask of entries computed *exactly*.

    By Niven's theorem cos of a rational multiple of pi is rational only when it is 0, +-1/2 or +-1,
    i.e. at multiples of a quarter or a sixth of a turn; those are returned exactly. Every other
    value is irrational, hence never exactly a rounding tie after scaling by an integer.
    """
    r = np.mod(np.asarray(num, dtype=np.int64), den)
    values = np.cos(2.0 * np.pi * r / den)
    exact = np.zeros(r.shape, dtype=bool)
    quarter = (4 * r) % den == 0
    values[quarter] = np.array([1.0, 0.0, -1.0, 0.0])[(4 * r[quarter]) // den]
    exact |= quarter
    sixth = ((6 * r) % den == 0) & ~quarter
    values[sixth] = np.array([1.0, 0.5, -0.5, -1.0, -0.5, 0.5])[(6 * r[sixth]) // den]
    exact |= sixth
    return values, exact


def _round_half_up(x: np.ndarray, exact: np.ndarray | None, what: str) -> np.ndarray:
    """floor(x + 1/2) as int64, refusing any non-exact value too close to a tie to be trusted."""
    x = np.asarray(x, dtype=np.float64)
    exact = np.zeros(x.shape, dtype=bool) if exact is None else np.asarray(exact)
    tie_distance = np.abs(x - np.floor(x) - 0.5)
    risky = (tie_distance <= _TIE_MARGIN) & ~exact
    if np.any(risky):
        raise RuntimeError(f"front end table {what}: value {x[risky].flat[0]!r} is within "
                           f"{_TIE_MARGIN} of a rounding tie; float64 cannot decide it")
    return np.floor(x + 0.5).astype(np.int64)


def _mel(f_hz: np.ndarray | float) -> np.ndarray:
    # The scale factor (1127) cancels in the triangle weights; only the shape ln(1 + f/700) matters.
    return 1127.0 * np.log1p(np.asarray(f_hz, dtype=np.float64) / 700.0)


def mel_weights_float(config: FrontendConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Real-valued triangle weights w[j][k] in [0, 1], float64 [num_mel, num_bins].

    Edges: num_mel + 2 points equally spaced in mel between mel_low_hz and mel_high_hz; filter j
    rises from edge j to edge j + 1 and falls to edge j + 2, linearly in mel.
    """
    edges = np.linspace(_mel(config.mel_low_hz), _mel(config.mel_high_hz), config.num_mel + 2)
    bin_mel = _mel(np.arange(config.num_bins) * config.sample_rate_hz / config.fft_size)
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_mel[None, :] - lower) / (center - lower)
    falling = (upper - bin_mel[None, :]) / (upper - center)
    return np.maximum(0.0, np.minimum(rising, falling))


def _readonly(arr: npt.ArrayLike, dtype: type) -> np.ndarray:
    out: np.ndarray = np.ascontiguousarray(arr, dtype=dtype)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=8)
def frontend_tables(config: FrontendConfig = DEFAULT_CONFIG) -> FrontendTables:
    """Build (once per config) and validate the integer tables that define the front end."""
    q = 1 << config.q_bits
    full = q - 1                                     # 32767: window and cos/sin stay int16

    n = np.arange(config.window_samples)
    c, exact = _cos_turns(n, config.window_samples)  # periodic Hann: period = window length
    window = _round_half_up(full * (0.5 - 0.5 * c), exact, "window")

    j = np.arange(config.fft_size)
    c, exact = _cos_turns(j, config.fft_size)
    cos = _round_half_up(full * c, exact, "cos")
    s, exact = _cos_turns(j - config.fft_size // 4, config.fft_size)   # sin x = cos(x - pi/2)
    sin = _round_half_up(full * s, exact, "sin")
    # sin is a rotation of cos, bit for bit (no ties: only 0 and +-1 are exact values).
    assert np.array_equal(sin, np.roll(cos, config.fft_size // 4)), "sin table is not rotated cos"

    w = mel_weights_float(config)
    mel_q = _round_half_up(q * w, w == 0.0, "mel weights")   # in [0, 2^15]
    first: list[int] = []
    length: list[int] = []
    offset: list[int] = []
    packed: list[np.ndarray] = []
    for row in mel_q:
        nz = np.flatnonzero(row)
        if nz.size == 0:
            raise ValueError(f"FrontendConfig: a mel filter covers no DFT bin ({config})")
        if not np.all(row[nz[0]:nz[-1] + 1] > 0):
            raise RuntimeError("mel filter with an interior zero weight")
        first.append(int(nz[0]))
        length.append(int(nz[-1] - nz[0] + 1))
        offset.append(sum(len(p) for p in packed))
        packed.append(row[nz[0]:nz[-1] + 1])
    packed_weights = np.concatenate(packed)

    # Bound on M[j] = sum_k round_shift(P[k] W[j][k], 15) with P < power_bound and W <= 2^15
    # (so each product + 2^14 < 2^63): M + 1 (the log input) must stay below 2^62 so that
    # int64/uint64 arithmetic in C and int64 in numpy never wrap.
    if mel_q.max() > q:
        raise RuntimeError("mel weight above 2^15")
    p_bound = power_bound(window)
    if p_bound * q + q >= 1 << 63:
        raise RuntimeError("P W + 2^14 could overflow int64")
    p_max = p_bound - 1
    mel_bound = max(sum((p_max * int(wk) + (q >> 1)) >> config.q_bits for wk in row)
                    for row in mel_q) + 1
    if mel_bound >= 1 << 62:
        raise ValueError(f"FrontendConfig: mel sums could reach 2^{math.log2(mel_bound):.2f} "
                         "(need < 2^62)")

    bits = config.log_table_bits
    i = np.arange((1 << bits) + 1)
    frac = np.log2(1.0 + i / (1 << bits))             # exact at i = 0 (0) and i = 2^bits (1)
    log2_table = _round_half_up((1 << config.log_frac_bits) * frac,
                                (i == 0) | (i == 1 << bits), "log2")

    k = np.arange(config.num_mfcc)[:, None]
    m = np.arange(config.num_mel)[None, :]
    c, exact = _cos_turns(k * (2 * m + 1), 4 * config.num_mel)   # cos(pi k (2m+1) / (2 num_mel))
    scale = np.where(k == 0, math.sqrt(1.0 / config.num_mel), math.sqrt(2.0 / config.num_mel))
    dct = _round_half_up(q * scale * c, exact & (c == 0.0), "dct")

    return FrontendTables(
        config=config,
        window=_readonly(window, np.int16),
        cos=_readonly(cos, np.int16),
        sin=_readonly(sin, np.int16),
        mel_first_bin=_readonly(first, np.int32),
        mel_num_bins=_readonly(length, np.int32),
        mel_offset=_readonly(offset, np.int32),
        mel_weights=_readonly(packed_weights, np.uint16),
        power_bound=p_bound,
        log2_table=_readonly(log2_table, np.uint16),
        dct=_readonly(dct, np.int16),
        mel_accumulator_bound=mel_bound,
    )


# ---------------------------------------------------------------------------------------------
# Fast batch implementation (numpy, float64 only where exact)
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _dft_matrix(config: FrontendConfig) -> np.ndarray:
    """float64 [window_samples, 2 num_bins]: columns C[(k n) mod N], k = 0..num_bins-1, then S."""
    t = frontend_tables(config)
    n = np.arange(config.window_samples)[:, None]
    k = np.arange(config.num_bins)[None, :]
    idx = (n * k) % config.fft_size
    mat = np.concatenate([t.cos[idx], t.sin[idx]], axis=1).astype(np.float64)
    mat.flags.writeable = False
    return mat


def _window_shift(config: FrontendConfig) -> int:
    return config.q_bits - config.window_frac_bits          # 7: x_w keeps 8 fractional bits


def _spectrum_shift(config: FrontendConfig) -> int:
    return config.q_bits + config.window_frac_bits          # 23: R, I back in int16 sample units


@functools.lru_cache(maxsize=8)
def _mel_gather_index(config: FrontendConfig) -> np.ndarray:
    """Bin index of every packed mel weight: first[j] + b for b < len[j], filter by filter."""
    t = frontend_tables(config)
    idx = np.concatenate([np.arange(f, f + n) for f, n in zip(t.mel_first_bin, t.mel_num_bins)])
    idx.flags.writeable = False
    return idx


def _log2_q10(v: np.ndarray, config: FrontendConfig, table: np.ndarray) -> np.ndarray:
    """Step 6 on an int64 array with 1 <= v < 2^62; returns int64 in [0, 1024 * 62]."""
    # n = floor(log2 v) by binary search on shifts (exact; no float). Shift amounts stay <= 63.
    n = np.zeros(v.shape, dtype=np.int64)
    for b in (32, 16, 8, 4, 2, 1):
        n += b * ((v >> (n + b)) > 0)
    bits = config.log_table_bits
    right = np.maximum(n - bits, 0)
    left = np.maximum(bits - n, 0)
    half = np.where(n > bits, np.int64(1) << np.maximum(n - bits - 1, 0), 0)
    # v + half < 2^62 + 2^61: no int64 overflow. m in [2^bits, 2^(bits+1)].
    m = ((v + half) >> right) << left
    return (n << config.log_frac_bits) + table[m - (1 << bits)].astype(np.int64)


def _features_of_frames(frames: np.ndarray, t: FrontendTables, dft: np.ndarray) -> np.ndarray:
    """int16 [rows, window_samples] frames -> int32 [rows, num_mfcc] features."""
    cfg = t.config
    qb = cfg.q_bits
    half = 1 << (qb - 1)
    ws, ss = _window_shift(cfg), _spectrum_shift(cfg)
    # Step 2: |x H| <= 32768 * 32767 < 2^30, plus 2^6: int32 is enough; >> is a floor shift.
    xw = (frames.astype(np.int32) * t.window.astype(np.int32) + (1 << (ws - 1))) >> ws
    # Step 3 in float64: every product |x_w C| < 2^23 2^15 = 2^38 and every partial sum of at most
    # 480 of them is an integer below 2^47 < 2^53, so BLAS computes it exactly in any order.
    spec = (xw.astype(np.float64) @ dft).astype(np.int64)
    # Step 4: |R|, |I| < 2^23; P < t.power_bound < 2^46.
    ri = (spec + (1 << (ss - 1))) >> ss
    nb = cfg.num_bins
    power = ri[:, :nb] * ri[:, :nb] + ri[:, nb:] * ri[:, nb:]
    # Step 5 in int64 over each filter's support only: P W + 2^14 < 2^61 + 2^14 (no wrap), and
    # M < t.mel_accumulator_bound < 2^62.
    # terms[:, mel_offset[j] + b] = round_shift(P[first[j] + b] W[j][b], 15); then sum per filter.
    terms = power[:, _mel_gather_index(cfg)]
    terms *= t.mel_weights.astype(np.int64)
    terms += half
    terms >>= qb
    mel = np.add.reduceat(terms, t.mel_offset, axis=1)
    # Step 6.
    logmel = _log2_q10(mel + 1, cfg, t.log2_table)
    # Step 7 in float64: |L D| <= 2^16 * 7328 < 2^29, 40 terms: partial sums < 2^35 < 2^53, exact.
    acc = (logmel.astype(np.float64) @ t.dct.T.astype(np.float64)).astype(np.int64)
    return ((acc + half) >> qb).astype(np.int32)


def _check_audio(audio: np.ndarray, config: FrontendConfig) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.dtype != np.int16:
        raise DatasetError("audio for the feature front end must be int16 samples, "
                           f"got {audio.dtype}")
    if audio.ndim not in (1, 2) or audio.shape[-1] != config.clip_samples:
        raise DatasetError("audio for the feature front end must have shape "
                           f"[{config.clip_samples}] or [N, {config.clip_samples}], "
                           f"got {list(audio.shape)}")
    return audio


def _frame_view(clips: np.ndarray, config: FrontendConfig) -> np.ndarray:
    """[n, clip_samples] -> read-only strided view [n * num_frames, window_samples] (copied)."""
    view = np.lib.stride_tricks.sliding_window_view(clips, config.window_samples, axis=1)
    view = view[:, : config.hop_samples * (config.num_frames - 1) + 1 : config.hop_samples]
    return view.reshape(-1, config.window_samples)


def compute_features(audio: np.ndarray, *, progress: bool = False, chunk_clips: int = 64,
                     config: FrontendConfig = DEFAULT_CONFIG) -> np.ndarray:
    """int16 audio [N, 16000] -> int32 features [N, 49, 10] (or [16000] -> [49, 10]).

    Bit-identical to ``compute_features_reference`` and to ``mf_frontend_compute`` in C.
    Real value = features * FEATURE_SCALE (log2 units). Works in chunks of ``chunk_clips`` clips
    (about 0.1 MB of temporaries per clip); ``progress`` shows a tqdm bar when there is more than
    one chunk.
    """
    audio = _check_audio(audio, config)
    single = audio.ndim == 1
    clips = audio[None, :] if single else audio
    t = frontend_tables(config)
    dft = _dft_matrix(config)
    out = np.empty((clips.shape[0], *config.feature_shape), dtype=np.int32)
    starts = range(0, clips.shape[0], max(1, chunk_clips))
    if progress and len(starts) > 1:
        from ..ui import progress_bar
        bar = progress_bar(clips.shape[0], "features", unit="clip")
    else:
        bar = None
    try:
        for s in starts:
            chunk = clips[s:s + chunk_clips]
            feats = _features_of_frames(_frame_view(chunk, config), t, dft)
            out[s:s + chunk.shape[0]] = feats.reshape(chunk.shape[0], *config.feature_shape)
            if bar is not None:
                bar.update(chunk.shape[0])
    finally:
        if bar is not None:
            bar.close()
    return out[0] if single else out


# ---------------------------------------------------------------------------------------------
# Slow reference: the definition written out step by step, integers only (no float at all)
# ---------------------------------------------------------------------------------------------

def compute_features_reference(clip: np.ndarray,
                               config: FrontendConfig = DEFAULT_CONFIG) -> np.ndarray:
    """One int16 clip [16000] -> int32 [49, 10], with Python ints / int64 only. For tests."""
    clip = _check_audio(clip, config)
    if clip.ndim != 1:
        raise DatasetError("compute_features_reference takes one clip of shape [16000]")
    t = frontend_tables(config)
    qb, half, size = config.q_bits, 1 << (config.q_bits - 1), config.fft_size
    ws, ss = _window_shift(config), _spectrum_shift(config)
    n = np.arange(config.window_samples, dtype=np.int64)
    k = np.arange(config.num_bins, dtype=np.int64)
    idx = (k[:, None] * n[None, :]) % size                          # [bins, window]
    cos_m, sin_m = t.cos.astype(np.int64)[idx], t.sin.astype(np.int64)[idx]
    mel_dense = t.mel_dense()
    out = np.empty(config.feature_shape, dtype=np.int32)
    for f in range(config.num_frames):
        x = clip[f * config.hop_samples: f * config.hop_samples + config.window_samples]
        xw = (x.astype(np.int64) * t.window.astype(np.int64) + (1 << (ws - 1))) >> ws
        re = cos_m @ xw                                              # int64 matmul
        im = sin_m @ xw
        r, i = (re + (1 << (ss - 1))) >> ss, (im + (1 << (ss - 1))) >> ss
        p = r * r + i * i
        mel = ((p[None, :] * mel_dense + half) >> qb).sum(axis=1)   # zero weights add 0
        logmel = []
        for v in (int(m) + 1 for m in mel):
            e = v.bit_length() - 1
            bits = config.log_table_bits
            mant = v << (bits - e) if e <= bits else (v + (1 << (e - bits - 1))) >> (e - bits)
            logmel.append((e << config.log_frac_bits) + int(t.log2_table[mant - (1 << bits)]))
        for c in range(config.num_mfcc):
            acc = sum(lv * int(d) for lv, d in zip(logmel, t.dct[c]))
            out[f, c] = (acc + half) >> qb
    return out


# ---------------------------------------------------------------------------------------------
# C tables
# ---------------------------------------------------------------------------------------------

C_TABLES_GENERATOR = "mcuforge.features.frontend.render_c_tables"


def _c_array(c_type: str, name: str, values: np.ndarray, per_line: int = 12) -> str:
    """A static table as the committed header spells it: 12 values a line, not aligned."""
    return array_definition(c_type, name, values, per_line=per_line, align=False)


def render_c_tables(config: FrontendConfig = DEFAULT_CONFIG) -> str:
    """The text of firmware/frontend/mf_frontend_tables.h for ``config`` (deterministic)."""
    t = frontend_tables(config)
    cfg_lines = "\n".join(f" *   {f.name} = {getattr(config, f.name)}" for f in fields(config))
    defines = {
        "MF_SAMPLE_RATE_HZ": config.sample_rate_hz,
        "MF_T_CLIP_SAMPLES": config.clip_samples,
        "MF_WINDOW_SAMPLES": config.window_samples,
        "MF_HOP_SAMPLES": config.hop_samples,
        "MF_FFT_SIZE": config.fft_size,
        "MF_T_NUM_FRAMES": config.num_frames,
        "MF_NUM_BINS": config.num_bins,
        "MF_NUM_MEL": config.num_mel,
        "MF_T_NUM_MFCC": config.num_mfcc,
        "MF_Q_BITS": config.q_bits,
        "MF_WINDOW_SHIFT": _window_shift(config),
        "MF_SPECTRUM_SHIFT": _spectrum_shift(config),
        "MF_LOG_FRAC_BITS": config.log_frac_bits,
        "MF_LOG_TABLE_BITS": config.log_table_bits,
        "MF_MEL_WEIGHTS_TOTAL": int(t.mel_weights.size),
    }
    out = [
        "/*\n"
        " * Integer tables of the mcuforge KWS audio front end.\n"
        f" * Generated by {C_TABLES_GENERATOR}() - do not edit;\n"
        " * Regenerate: python -c 'from mcuforge.features.frontend import write_c_tables;\n"
        " *   write_c_tables(\"firmware/frontend/mf_frontend_tables.h\")'\n"
        " * tests/test_features.py regenerates this file and checks it is identical.\n"
        " * Include only from mf_frontend.c (the tables are static).\n"
        " * Config:\n"
        f"{cfg_lines}\n"
        f" * Tables sha256 (FrontendTables.sha256): {t.sha256()}\n"
        f" * Power bound: P < {t.power_bound} (< 2^{math.log2(t.power_bound):.2f})\n"
        f" * Mel accumulator bound: M + 1 <= {t.mel_accumulator_bound} "
        f"(< 2^{math.log2(t.mel_accumulator_bound):.2f})\n"
        " */\n"
        "#ifndef MF_FRONTEND_TABLES_H\n#define MF_FRONTEND_TABLES_H\n\n#include <stdint.h>\n",
        "".join(f"#define {k} {v}\n" for k, v in defines.items()),
        "\n/* Periodic Hann window, Q15, in [0, 32767]. */\n",
        _c_array("int16_t", "mf_window_q15", t.window),
        "\n/* [0][j] = C[j] = round(32767 cos(2 pi j / MF_FFT_SIZE)),\n"
        " * [1][j] = S[j] = round(32767 sin(2 pi j / MF_FFT_SIZE)) = C[(j + 3 MF_FFT_SIZE / 4) mod"
        " MF_FFT_SIZE].\n"
        " * Both rows are stored so the DFT loop reads C and S at one index. */\n",
        _c_array("int16_t", "mf_cos_sin_q15", np.stack([t.cos, t.sin])),
        "\n/* Mel filter j: bins first[j] .. first[j] + len[j] - 1, weights at offset[j]. */\n",
        _c_array("uint16_t", "mf_mel_first_bin", t.mel_first_bin),
        _c_array("uint16_t", "mf_mel_num_bins", t.mel_num_bins),
        _c_array("uint16_t", "mf_mel_offset", t.mel_offset),
        "/* Q15 mel weights, each in [1, 32768]. */\n",
        _c_array("uint16_t", "mf_mel_weights_q15", t.mel_weights),
        "\n/* T[i] = round(1024 log2(1 + i / 2^MF_LOG_TABLE_BITS)), in [0, 1024]. */\n",
        _c_array("uint16_t", "mf_log2_table_q10", t.log2_table),
        "\n/* Orthonormal DCT-II rows 0 .. MF_T_NUM_MFCC - 1, Q15. */\n",
        _c_array("int16_t", "mf_dct_q15", t.dct, per_line=10),
        "\n#endif /* MF_FRONTEND_TABLES_H */\n",
    ]
    return "".join(out)


def write_c_tables(path: str | os.PathLike[str], config: FrontendConfig = DEFAULT_CONFIG) -> Path:
    """Write ``render_c_tables(config)`` to ``path`` atomically (temporary name, then rename)."""
    path = Path(path)
    write_bytes_atomic(path, render_c_tables(config).encode("ascii"))
    return path


"""The keyword-spotting audio front end: int16 audio -> int32 MFCC-like features, integers only.

The front end is *defined* by the integer arithmetic below, so that the C implementation in
``firmware/frontend/mf_frontend.c`` reproduces it bit for bit on a Cortex-M. Floating point appears
in exactly two roles, neither of which is part of the definition:

1. Building the integer tables once (``frontend_tables``). Every table entry is
   ``round_half_up(real value)``; the builder proves that its arithmetic cannot flip a rounding
   decision (exactly representable values are computed exactly; the Q15 tables come from float64
   and every other value must lie more than ``_TIE_MARGIN`` from a rounding tie, far above
   float64 error; the Q31 twiddles come from 50-digit Decimal arithmetic), or it refuses.
   The tests pin a sha256 of the tables and of the features of a fixed input set, and check
   every table against an independent 50-digit Decimal computation.
2. As an exact accelerator in ``compute_features``: a float64 matrix product of integers is exact
   when every product and every partial sum is an integer of magnitude below 2^53 (then each
   addition and multiplication is exactly representable, in any summation order, with or
   without FMA). It is used for the DCT only, where the bound is stated.

Notation: ``>>`` is a floor division by a power of two (an arithmetic right shift);
``round_shift(v, s) = (v + 2^(s-1)) >> s`` (round half up). The helpers of the FFT, on int32
operands a, b, c (int64 intermediates; each is one Armv7E-M DSP instruction):
``mulhr(a, b) = (a b + 2^31) >> 32`` (SMMULR), ``mlahr(c, a, b) = (c 2^32 + a b + 2^31) >> 32``
(SMMLAR), ``mlshr(c, a, b) = (c 2^32 - a b + 2^31) >> 32`` (SMMLSR). With |c| <= 2^30 (always so
below: c is a mulhr result, |mulhr| <= 2^62 / 2^32) the intermediate stays below 2^63 in magnitude.
``cmul_half(b, w)`` for a complex b and a Q31 twiddle w = (wr, wi) is the complex
(mlshr(mulhr(br, wr), bi, wi), mlahr(mulhr(br, wi), bi, wr)) ~= b w / 2^32 = (b * w/2^31) / 2.

Definition (defaults of ``FrontendConfig``; N = fft_size = 512, M = N / 2 = 256 = 2^8):

1. Frames: frame t = audio[320 t : 320 t + 480], t = 0..48 (15,840 of the 16,000 samples used).
2. Window: periodic Hann H[n] = round_half_up(32767 (0.5 - 0.5 cos(2 pi n / 480))),
   H in [0, 32767], H[0] = 0; x_w[n] = x[n] H[n] exactly (Q15 sample units),
   |x_w| <= 32768 * 32767 < 2^30. x_w[n] = 0 for 480 <= n < 512 (zero padding).
3. Real FFT through an M-point complex FFT. Pack z[m] = x_w[2m] + i x_w[2m+1], m = 0..M-1,
   stored in bit-reversed order (position rev8(m) holds z[m]). Radix-2 decimation in time, 8
   stages, halving at every stage: stage s = 1..8 with h = 2^(s-1) combines positions
   p = g + j and q = g + j + h (g a multiple of 2h, 0 <= j < h) with the twiddle
   W[j M / (2h)], W[t] = (round_half_up(2^31 cos(2 pi t / M)), round_half_up(-2^31 sin(2 pi t / M)))
   for t = 1..M/2-1 (all within [-2^31, 2^31)); for j = 0 the twiddle is 1 and
   t_c = b_c >> 1 per component; else t = cmul_half(b, W[j M / (2h)]). Then
   a' = (a >> 1) + t, b' = (a >> 1) - t, per component.
   Range: every stage is an average of two values, so every magnitude stays within
   max |z| <= sqrt(2) 2^30 plus a few units of rounding per stage (< 2^31: int32 holds every
   component). The output is Z[k] ~= DFT_M(z)[k] / M in natural order, and
   |Z[k]| <= 2^15 sum(H) / M + eps = 1,006,602,240 + eps, eps < 3 per stage
   (``fft_error_bound``).
4. Split into the 512-point spectrum, bins k = 0..128 (128 = 4000 Hz): A = Z[k], B = conj Z[(M-k)
   mod M], S = A + B, D = A - B (|S|, |D| <= 2 |Z| < 2^31: checked when the tables are built),
   X = (S >> 1) + cmul_half(D, V[k]) per component, V[k] = -i e^(-2 pi i k / N) =
   (round_half_up(-2^31 sin(2 pi k / N)), round_half_up(-2^31 cos(2 pi k / N))) (in [-2^31, 0]
   for k <= N / 4; a config may use any k < N / 2).
   X ~= DFT_N(x_w)[k] / M: in int16 sample units times 2^15 / M = 2^7 (7 fractional bits),
   |X| <= 2^15 sum(H) / M + eps' < 2^30 (eps' = 3/2 eps + 3: ``spectrum_error_bound``).
   Power P = round_shift(Xr^2 + Xi^2, 14) (``power_shift`` = 2 (15 - 8)), in squared int16 sample
   units: Xr^2 + Xi^2 <= |X|^2 < 2^60, and P < ``power_bound`` < (sum(H) + 1)^2 < 2^46.
   P ~= (32767/32768)^2 |DFT_N(x Hann)|^2 of the int16 signal.
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
M ~= (32767/32768)^2 * (mel-weighted |DFT|^2 of the Hann-windowed signal in int16 units);
i.e. a log2-domain MFCC with a floor of one unit of power. Silence gives F = 0 everywhere.
(Until December 2026 steps 2-4 were a direct DFT with Q15 cos/sin tables: 30 M instructions
per clip on a Cortex-M4; the FFT keeps 7 more fractional bits through the spectrum.)
"""

from __future__ import annotations

import decimal
import functools
import hashlib
import math
import os
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..cformat import array_definition
from ..errors import DatasetError
from ..fsutil import write_bytes_atomic

# Real feature value = F * FEATURE_SCALE, in log2 units (F is Q10 log2).
FEATURE_SCALE: float = 1.0 / 1024.0

# A Q15 table value whose float64 image lies within this distance of a rounding tie (x.5) is
# refused unless it is exactly representable (see _cos_turns). float64 error on these values
# (|value| <= 2^15) is < 1e-10.
_TIE_MARGIN = 1e-6
# The Q31 twiddles are computed with Decimal at this precision; a value this close to a tie is
# refused (the error of the 50-digit computation is below 1e-35).
_DECIMAL_DIGITS = 50
_DECIMAL_TIE_MARGIN = Decimal(10) ** -30

# One rounding of each FFT stage moves a value by at most this much (complex magnitude, in output
# units): the halving floor (sqrt(2)/2), the two roundings of cmul_half (sqrt(2)) and the Q31
# twiddle's own error (sqrt(2)/2 * 2^-31 of |b| < 2^31, halved: < 1/2); 0.71 + 1.42 + 0.5 < 3.
_ERROR_PER_STAGE = 3

Q31_ONE = 1 << 31


def power_bound(window: np.ndarray, config: FrontendConfig | None = None) -> int:
    """An exclusive bound on P = round_shift(Xr^2 + Xi^2, power_shift) over all int16 inputs.

    |x_w[n]| <= 32768 H[n] (x = -32768 reaches it), so the exact scaled spectrum has
    |DFT_N(x_w)[k] / M| <= 32768 sum(H) / M, and the fixed-point X is within ``eps'`` (the FFT's
    error bound plus the split's) of it. Hence Xr^2 + Xi^2 <= (32768 sum(H) / M + eps')^2 and P
    is at most that, shifted with rounding. For the default periodic Hann, sum(H) = 7,864,080
    (= 240 * 32767), 32768 sum(H) / 256 = 1,006,602,240, and P < 6.1844e13 < 2^46 (just above
    sum(H)^2: eps' / 2^7 is a small fraction of one sample unit). Full-scale DC nearly reaches it.
    """
    config = config or DEFAULT_CONFIG
    amplitude = (32768 * int(np.asarray(window, dtype=np.int64).sum())) // config.fft_points \
        + 1 + spectrum_error_bound(config)
    s = config.power_shift
    return ((amplitude * amplitude + (1 << (s - 1))) >> s) + 1


def fft_error_bound(config: FrontendConfig) -> int:
    """Bound on |Z - DFT_M(z) / M| (complex magnitude) after the FFT's stages."""
    return _ERROR_PER_STAGE * config.fft_stages


def spectrum_error_bound(config: FrontendConfig) -> int:
    """Bound on |X - DFT_N(x_w) / M| after the split step. X = (S + V D) / 2 = (A (1 + V) +
    B (1 - V)) / 2 with |V| = 1, and |1 + V| + |1 - V| <= 2 sqrt(2): the errors of A and B (each
    <= fft_error_bound) reach X at most sqrt(2) < 3/2 times, plus one step's own roundings."""
    return (3 * fft_error_bound(config) + 1) // 2 + _ERROR_PER_STAGE


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
    fft_size: int = 512              # N: power of two, >= window_samples; a complex FFT of N / 2
    num_mel: int = 40
    mel_low_hz: float = 20.0
    mel_high_hz: float = 4000.0      # also the highest spectrum bin computed
    num_mfcc: int = 10               # DCT-II coefficients kept, of num_mel
    q_bits: int = 15                 # window, mel weight and DCT tables are Q15 (fixed)
    log_frac_bits: int = 10          # L is log2 in Q10
    log_table_bits: int = 8          # mantissa bits after the leading one -> 2^8 + 1 table entries

    def __post_init__(self) -> None:
        if (self.fft_size & (self.fft_size - 1) or self.fft_size < self.window_samples
                or self.fft_size < 8):
            raise ValueError(f"FrontendConfig: fft_size {self.fft_size} must be a power of two "
                             f">= 8 and >= window_samples {self.window_samples}")
        if self.hop_samples <= 0 or self.window_samples > self.clip_samples \
                or self.window_samples % 2:
            raise ValueError("FrontendConfig: need 0 < hop_samples, an even window_samples and "
                             "window_samples <= clip_samples")
        if not 0 < self.mel_low_hz < self.mel_high_hz <= self.sample_rate_hz / 2:
            raise ValueError(f"FrontendConfig: need 0 < mel_low_hz < mel_high_hz <= Nyquist, got "
                             f"{self.mel_low_hz}, {self.mel_high_hz}")
        if not 0 < self.num_mfcc <= self.num_mel:
            raise ValueError("FrontendConfig: need 0 < num_mfcc <= num_mel")
        if (self.q_bits != 15 or not 1 <= self.log_table_bits <= 16
                or not 0 <= self.log_frac_bits <= 16):
            raise ValueError("FrontendConfig: q_bits must be 15 (int16 tables), "
                             "log_table_bits in [1, 16], log_frac_bits in [0, 16]")
        if self.fft_stages >= self.q_bits:
            raise ValueError(f"FrontendConfig: fft_size {self.fft_size} too large: the FFT halves "
                             f"{self.fft_stages} times, at most {self.q_bits - 1}")
        # V[k] = -i e^(-2 pi i k / N) = (-sin, -cos): -cos = 1 (2^31, not int32) at k = N / 2.
        if self.num_bins > self.fft_size // 2:
            raise ValueError(f"FrontendConfig: mel_high_hz {self.mel_high_hz} needs the Nyquist "
                             f"bin {self.fft_size // 2}, which the split twiddles cannot hold")

    @property
    def num_frames(self) -> int:
        return 1 + (self.clip_samples - self.window_samples) // self.hop_samples   # 49

    @property
    def num_bins(self) -> int:
        """Spectrum bins 0 .. floor(mel_high_hz * fft_size / sample_rate_hz) are computed (129)."""
        return int(math.floor(self.mel_high_hz * self.fft_size / self.sample_rate_hz)) + 1

    @property
    def fft_points(self) -> int:
        """M = fft_size / 2: the complex FFT's length (256)."""
        return self.fft_size // 2

    @property
    def fft_stages(self) -> int:
        """log2(M): the radix-2 stages, each halving its values (8)."""
        return self.fft_points.bit_length() - 1

    @property
    def power_shift(self) -> int:
        """X has q_bits - fft_stages fractional bits of an int16 sample unit; P drops twice that."""
        return 2 * (self.q_bits - self.fft_stages)                           # 14

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
    bitrev: np.ndarray          # uint16 [M], bit reversal of log2(M) bits: position of z[m]
    fft_twiddle: np.ndarray     # int32 [M / 2, 2], W[t] = (cos, -sin)(2 pi t / M), Q31;
    #                             row 0 (the twiddle 1) is never multiplied: (2^31 - 1, 0)
    split_twiddle: np.ndarray   # int32 [num_bins, 2], V[k] = (-sin, -cos)(2 pi k / N), Q31
    mel_first_bin: np.ndarray   # int32 [num_mel], first bin with nonzero weight
    mel_num_bins: np.ndarray    # int32 [num_mel], >= 1; bins first .. first + len - 1
    mel_offset: np.ndarray      # int32 [num_mel], start of filter j in mel_weights
    mel_weights: np.ndarray     # uint16 [sum(len)], packed Q15 weights, each in [1, 32768]
    log2_table: np.ndarray      # uint16 [2^log_table_bits + 1], Q10 log2(1 + i / 2^bits)
    dct: np.ndarray             # int16 [num_mfcc, num_mel], orthonormal DCT-II, Q15
    spectrum_bound: int         # proven: |Z[k]|, |X[k]| <= this (< 2^30 by default)
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
        for name in ("window", "bitrev", "fft_twiddle", "split_twiddle", "mel_first_bin",
                     "mel_num_bins", "mel_offset", "mel_weights", "log2_table", "dct"):
            arr = getattr(self, name)
            h.update(name.encode())
            h.update(arr.dtype.newbyteorder("<").str.encode())
            h.update(np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes())
        return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Table construction (float or Decimal used only here, with tie checks)
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


@functools.lru_cache(maxsize=1)
def _decimal_pi() -> Decimal:
    """pi to _DECIMAL_DIGITS + 10 digits (Machin: 16 atan(1/5) - 4 atan(1/239))."""
    with decimal.localcontext() as ctx:
        ctx.prec = _DECIMAL_DIGITS + 10

        def atan_inv(x: int) -> Decimal:
            total, term, k, x2 = Decimal(0), Decimal(1) / x, 0, x * x
            while term > Decimal(10) ** -(_DECIMAL_DIGITS + 15):
                total += term / (2 * k + 1) * (-1) ** k
                term /= x2
                k += 1
            return total
        return +(16 * atan_inv(5) - 4 * atan_inv(239))


@functools.lru_cache(maxsize=4)
def _decimal_cos_table(den: int) -> tuple[Decimal, ...]:
    """cos(2 pi r / den), r = 0..den-1, to about _DECIMAL_DIGITS digits: the Taylor series of the
    small angle 2 pi / den, then its powers by complex multiplication (den products, each
    adding under 10^-(digits - 5) of error)."""
    with decimal.localcontext() as ctx:
        ctx.prec = _DECIMAL_DIGITS + 10
        x = 2 * _decimal_pi() / den
        c, s, term, k = Decimal(1), x, Decimal(1), 0
        while abs(term) > Decimal(10) ** -(_DECIMAL_DIGITS + 8):
            term *= -x * x / ((2 * k + 1) * (2 * k + 2))
            c += term
            k += 1
        term, k = x, 0
        while abs(term) > Decimal(10) ** -(_DECIMAL_DIGITS + 8):
            term *= -x * x / ((2 * k + 2) * (2 * k + 3))
            s += term
            k += 1
        out, re, im = [], Decimal(1), Decimal(0)
        for _ in range(den):
            out.append(re)
            re, im = re * c - im * s, re * s + im * c
        return tuple(out)


def _q31_cos_turns(num: int, den: int, what: str) -> int:
    """round_half_up(2^31 cos(2 pi num / den)) from a 50-digit Decimal computation.

    Exact at quarter and sixth turns (Niven); any other value is irrational, so it is never a
    tie, and one closer than _DECIMAL_TIE_MARGIN to a tie (far above the computation's error)
    is refused rather than guessed. The result may be 2^31 (cos = 1), which the caller refuses
    where it must fit int32."""
    r = num % den
    if (4 * r) % den == 0:
        return [Q31_ONE, 0, -Q31_ONE, 0][(4 * r) // den]
    if (6 * r) % den == 0:
        return [Q31_ONE, Q31_ONE // 2, -Q31_ONE // 2, -Q31_ONE, -Q31_ONE // 2,
                Q31_ONE // 2][(6 * r) // den]
    with decimal.localcontext() as ctx:
        ctx.prec = _DECIMAL_DIGITS
        scaled = _decimal_cos_table(den)[r] * Q31_ONE
        frac = scaled - scaled.to_integral_value(decimal.ROUND_FLOOR)
        if abs(frac - Decimal("0.5")) <= _DECIMAL_TIE_MARGIN:
            raise RuntimeError(f"front end table {what}: 2^31 cos(2 pi {r} / {den}) is too close "
                               "to a rounding tie to decide")
        return int((scaled + Decimal("0.5")).to_integral_value(decimal.ROUND_FLOOR))


def _int32_table(values: list[int], what: str) -> np.ndarray:
    arr = np.array(values, dtype=np.int64)
    if arr.size and (arr.min() < -Q31_ONE or arr.max() >= Q31_ONE):
        raise ValueError(f"front end table {what}: a value does not fit int32")
    return arr


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


def _bit_reversal(bits: int) -> np.ndarray:
    idx = np.arange(1 << bits)
    out = np.zeros_like(idx)
    for b in range(bits):
        out |= ((idx >> b) & 1) << (bits - 1 - b)
    return out


@functools.lru_cache(maxsize=8)
def frontend_tables(config: FrontendConfig = DEFAULT_CONFIG) -> FrontendTables:
    """Build (once per config) and validate the integer tables that define the front end."""
    q = 1 << config.q_bits
    full = q - 1                                     # 32767: the window stays int16

    n = np.arange(config.window_samples)
    c, exact = _cos_turns(n, config.window_samples)  # periodic Hann: period = window length
    window = _round_half_up(full * (0.5 - 0.5 * c), exact, "window")

    m_points, size = config.fft_points, config.fft_size
    # W[t], t = 1..M/2-1: cos in (-1, 1) and -sin in [-1, 0): every entry fits int32. Row 0 is
    # the twiddle 1, never multiplied (j = 0 butterflies halve b instead); stored saturated.
    fft_tw = [[Q31_ONE - 1, 0]] + [
        [_q31_cos_turns(t, m_points, "fft twiddle"),
         -_q31_cos_turns(t - m_points // 4, m_points, "fft twiddle")]   # sin x = cos(x - pi/2)
        for t in range(1, m_points // 2)]
    fft_twiddle = _int32_table([v for row in fft_tw for v in row], "fft twiddle").reshape(-1, 2)
    # V[k] = -i e^(-2 pi i k / N) = (-sin, -cos)(2 pi k / N), k < N / 2: within [-2^31, 2^31).
    split_tw = [[-_q31_cos_turns(k - size // 4, size, "split twiddle"),
                 -_q31_cos_turns(k, size, "split twiddle")] for k in range(config.num_bins)]
    split_twiddle = _int32_table([v for row in split_tw for v in row],
                                 "split twiddle").reshape(-1, 2)

    # FFT ranges (see the module docstring, steps 3-4): |Z| <= 2^15 sum(H) / M + eps; S and D
    # (sums of two Z) and X must fit int32, and c 2^32 +- a b + 2^31 int64 (|c| <= 2^30).
    exact_amplitude = (32768 * int(window.sum())) // m_points + 1
    z_bound = exact_amplitude + fft_error_bound(config)
    x_bound = exact_amplitude + spectrum_error_bound(config)
    if 2 * z_bound >= Q31_ONE or x_bound >= Q31_ONE // 2:
        raise ValueError(f"FrontendConfig: the window's sum {int(window.sum())} is too large for "
                         f"an int32 FFT of {m_points} points (|Z| up to {z_bound})")

    w = mel_weights_float(config)
    mel_q = _round_half_up(q * w, w == 0.0, "mel weights")   # in [0, 2^15]
    first: list[int] = []
    length: list[int] = []
    offset: list[int] = []
    packed: list[np.ndarray] = []
    for row in mel_q:
        nz = np.flatnonzero(row)
        if nz.size == 0:
            raise ValueError(f"FrontendConfig: a mel filter covers no spectrum bin ({config})")
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
    p_bound = power_bound(window, config)
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
        bitrev=_readonly(_bit_reversal(config.fft_stages), np.uint16),
        fft_twiddle=_readonly(fft_twiddle, np.int32),
        split_twiddle=_readonly(split_twiddle, np.int32),
        mel_first_bin=_readonly(first, np.int32),
        mel_num_bins=_readonly(length, np.int32),
        mel_offset=_readonly(offset, np.int32),
        mel_weights=_readonly(packed_weights, np.uint16),
        spectrum_bound=max(z_bound, x_bound),
        power_bound=p_bound,
        log2_table=_readonly(log2_table, np.uint16),
        dct=_readonly(dct, np.int16),
        mel_accumulator_bound=mel_bound,
    )


# ---------------------------------------------------------------------------------------------
# The FFT's integer helpers (numpy int64 arrays holding int32 values; see the module docstring)
# ---------------------------------------------------------------------------------------------

_ROUND32 = np.int64(1 << 31)


def _mulhr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a b + 2^31) >> 32: |a b| <= 2^62, no int64 overflow."""
    return (a * b + _ROUND32) >> 32


def _mlahr(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(c 2^32 + a b + 2^31) >> 32 for |c| <= 2^30: |sum| <= 2^62 + 2^62 + 2^31 < 2^63."""
    return ((c << 32) + a * b + _ROUND32) >> 32


def _mlshr(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(c 2^32 - a b + 2^31) >> 32 for |c| <= 2^30."""
    return ((c << 32) - a * b + _ROUND32) >> 32


def _cmul_half(br: np.ndarray, bi: np.ndarray, wr: np.ndarray,
               wi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """b w / 2^32 for a Q31 twiddle w: (mlshr(mulhr(br, wr), bi, wi), mlahr(mulhr(br, wi), bi, wr))."""
    return _mlshr(_mulhr(br, wr), bi, wi), _mlahr(_mulhr(br, wi), bi, wr)


def _cmul_half_into(br: np.ndarray, bi: np.ndarray, wr: np.ndarray, wi: np.ndarray,
                    tr: np.ndarray, ti: np.ndarray, tmp: np.ndarray) -> None:
    """``_cmul_half`` written into tr, ti (same shape as br; tmp a scratch array): the same
    integer operations, in place, for speed."""
    np.multiply(br, wr, out=tr)
    tr += _ROUND32
    tr >>= 32
    tr <<= 32                                       # mulhr(br, wr) 2^32
    np.multiply(bi, wi, out=tmp)
    tr -= tmp
    tr += _ROUND32
    tr >>= 32
    np.multiply(br, wi, out=ti)
    ti += _ROUND32
    ti >>= 32
    ti <<= 32                                       # mulhr(br, wi) 2^32
    np.multiply(bi, wr, out=tmp)
    ti += tmp
    ti += _ROUND32
    ti >>= 32


def _spectrum(xw: np.ndarray, t: FrontendTables) -> tuple[np.ndarray, np.ndarray]:
    """Steps 3-4 (to X) on int64 [rows, window_samples] windowed frames -> (Xr, Xi), int64
    [rows, num_bins], all values within int32 (module docstring). Works on [M, rows] arrays
    (frames along the last, contiguous axis) so every operation runs over long rows."""
    cfg = t.config
    m_points = cfg.fft_points
    rows = xw.shape[0]
    zr = np.zeros((m_points, rows), dtype=np.int64)
    zi = np.zeros((m_points, rows), dtype=np.int64)
    half_window = cfg.window_samples // 2
    pos = t.bitrev[:half_window].astype(np.intp)
    zr[pos] = xw[:, 0::2].T                         # z[m] at position rev(m); the rest is 0
    zi[pos] = xw[:, 1::2].T
    tw = t.fft_twiddle.astype(np.int64)
    tr, ti, tmp = (np.empty((m_points // 2, rows), np.int64) for _ in range(3))
    h = 1
    while h < m_points:
        # positions g + j (a) and g + j + h (b) for every group g (a multiple of 2h), j < h
        shape = (m_points // (2 * h), h, rows)
        vr = zr.reshape(m_points // (2 * h), 2, h, rows)
        vi = zi.reshape(m_points // (2 * h), 2, h, rows)
        ar, ai, br, bi = vr[:, 0], vi[:, 0], vr[:, 1], vi[:, 1]
        w = tw[np.arange(h) * (m_points // (2 * h))]
        str_, sti, stmp = tr.reshape(shape), ti.reshape(shape), tmp.reshape(shape)
        _cmul_half_into(br, bi, w[:, 0, None], w[:, 1, None], str_, sti, stmp)
        np.right_shift(br[:, 0], 1, out=str_[:, 0])        # j = 0: the twiddle 1, b halved
        np.right_shift(bi[:, 0], 1, out=sti[:, 0])
        ar >>= 1
        ai >>= 1
        np.subtract(ar, str_, out=br)                      # b' = (a >> 1) - t
        np.subtract(ai, sti, out=bi)
        ar += str_                                         # a' = (a >> 1) + t
        ai += sti
        h *= 2
    k = np.arange(cfg.num_bins)
    mk = (m_points - k) % m_points
    sr, si = zr[k] + zr[mk], zi[k] - zi[mk]                # S = A + B, B = conj Z[M - k]
    dr, di = zr[k] - zr[mk], zi[k] + zi[mk]                # D = A - B
    v = t.split_twiddle.astype(np.int64)
    xr, xi = _cmul_half(dr, di, v[:, 0, None], v[:, 1, None])
    sr >>= 1
    si >>= 1
    xr += sr
    xi += si
    return xr.T, xi.T


def _power(xr: np.ndarray, xi: np.ndarray, config: FrontendConfig) -> np.ndarray:
    """Step 4's P = round_shift(Xr^2 + Xi^2, power_shift): |X| < 2^30, so the sum < 2^61."""
    s = config.power_shift
    return (xr * xr + xi * xi + (1 << (s - 1))) >> s


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


def _features_of_frames(frames: np.ndarray, t: FrontendTables) -> np.ndarray:
    """int16 [rows, window_samples] frames -> int32 [rows, num_mfcc] features."""
    cfg = t.config
    qb = cfg.q_bits
    half = 1 << (qb - 1)
    # Step 2: |x H| <= 32768 * 32767 < 2^30, exact.
    xw = frames.astype(np.int64) * t.window.astype(np.int64)
    # Steps 3-4: P < t.power_bound < 2^46.
    power = _power(*_spectrum(xw, t), cfg)
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


def compute_frame_features(frames: np.ndarray,
                           config: FrontendConfig = DEFAULT_CONFIG) -> np.ndarray:
    """int16 frames [R, window_samples] (any R) -> int32 [R, num_mfcc]: one feature row per
    frame, as ``mf_frontend_compute_frame`` in C (a stream's frames, a clip's, any window)."""
    frames = np.asarray(frames)
    if frames.dtype != np.int16 or frames.ndim != 2 or frames.shape[1] != config.window_samples:
        raise DatasetError(f"frames for the feature front end must be int16 [R, "
                           f"{config.window_samples}], got {frames.dtype} {list(frames.shape)}")
    return _features_of_frames(frames, frontend_tables(config))


def compute_features(audio: np.ndarray, *, progress: bool = False, chunk_clips: int = 1,
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
            feats = _features_of_frames(_frame_view(chunk, config), t)
            out[s:s + chunk.shape[0]] = feats.reshape(chunk.shape[0], *config.feature_shape)
            if bar is not None:
                bar.update(chunk.shape[0])
    finally:
        if bar is not None:
            bar.close()
    return out[0] if single else out


# ---------------------------------------------------------------------------------------------
# Slow reference: the definition written out step by step with Python ints (no float, no numpy
# arithmetic), one butterfly at a time
# ---------------------------------------------------------------------------------------------

def _ref_cmul_half(br: int, bi: int, wr: int, wi: int) -> tuple[int, int]:
    u = (br * wr + 2 ** 31) // 2 ** 32
    v = (br * wi + 2 ** 31) // 2 ** 32
    return (u * 2 ** 32 - bi * wi + 2 ** 31) // 2 ** 32, (v * 2 ** 32 + bi * wr + 2 ** 31) // 2 ** 32


def reference_spectrum(frame: np.ndarray, config: FrontendConfig = DEFAULT_CONFIG) -> list[int]:
    """One int16 frame -> P[k], k = 0..num_bins-1, by the definition (steps 2-4) in Python ints."""
    t = frontend_tables(config)
    m_points = config.fft_points
    xw = [int(x) * int(h) for x, h in zip(frame.tolist(), t.window.tolist())]
    xw += [0] * (config.fft_size - len(xw))
    z: list[list[int]] = [[0, 0] for _ in range(m_points)]
    for m in range(m_points):
        z[int(t.bitrev[m])] = [xw[2 * m], xw[2 * m + 1]]
    tw = t.fft_twiddle.tolist()
    h = 1
    while h < m_points:
        for g in range(0, m_points, 2 * h):
            for j in range(h):
                (ar, ai), (br, bi) = z[g + j], z[g + j + h]
                if j == 0:
                    tr, ti = br // 2, bi // 2
                else:
                    wr, wi = tw[j * (m_points // (2 * h))]
                    tr, ti = _ref_cmul_half(br, bi, wr, wi)
                z[g + j] = [ar // 2 + tr, ai // 2 + ti]
                z[g + j + h] = [ar // 2 - tr, ai // 2 - ti]
        h *= 2
    power = []
    s = config.power_shift
    for k in range(config.num_bins):
        (zr, zi), (yr, yi) = z[k % m_points], z[(m_points - k) % m_points]
        wr, wi = t.split_twiddle[k].tolist()
        tr, ti = _ref_cmul_half(zr - yr, zi + yi, wr, wi)
        xr, xi = (zr + yr) // 2 + tr, (zi - yi) // 2 + ti
        power.append((xr * xr + xi * xi + 2 ** (s - 1)) // 2 ** s)
    return power


def compute_features_reference(clip: np.ndarray,
                               config: FrontendConfig = DEFAULT_CONFIG) -> np.ndarray:
    """One int16 clip [16000] -> int32 [49, 10], with Python ints only. For tests."""
    clip = _check_audio(clip, config)
    if clip.ndim != 1:
        raise DatasetError("compute_features_reference takes one clip of shape [16000]")
    t = frontend_tables(config)
    qb, half = config.q_bits, 1 << (config.q_bits - 1)
    dense = t.mel_dense().tolist()
    out = np.empty(config.feature_shape, dtype=np.int32)
    for f in range(config.num_frames):
        p = reference_spectrum(clip[f * config.hop_samples:
                                    f * config.hop_samples + config.window_samples], config)
        logmel = []
        for row in dense:
            v = sum((pk * wk + half) >> qb for pk, wk in zip(p, row)) + 1
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
        "MF_FFT_POINTS": config.fft_points,
        "MF_FFT_STAGES": config.fft_stages,
        "MF_T_NUM_FRAMES": config.num_frames,
        "MF_NUM_BINS": config.num_bins,
        "MF_NUM_MEL": config.num_mel,
        "MF_T_NUM_MFCC": config.num_mfcc,
        "MF_Q_BITS": config.q_bits,
        "MF_POWER_SHIFT": config.power_shift,
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
        f" * Spectrum bound: |Z|, |X| <= {t.spectrum_bound} "
        f"(< 2^{math.log2(t.spectrum_bound):.2f})\n"
        f" * Power bound: P < {t.power_bound} (< 2^{math.log2(t.power_bound):.2f})\n"
        f" * Mel accumulator bound: M + 1 <= {t.mel_accumulator_bound} "
        f"(< 2^{math.log2(t.mel_accumulator_bound):.2f})\n"
        " */\n"
        "#ifndef MF_FRONTEND_TABLES_H\n#define MF_FRONTEND_TABLES_H\n\n#include <stdint.h>\n",
        "".join(f"#define {k} {v}\n" for k, v in defines.items()),
        "\n/* Periodic Hann window, Q15, in [0, 32767]. */\n",
        _c_array("int16_t", "mf_window_q15", t.window),
        "\n/* Position of z[m] in the FFT's bit-reversed input, m = 0 .. MF_FFT_POINTS - 1. */\n",
        _c_array("uint16_t", "mf_fft_bitrev", t.bitrev),
        "\n/* FFT twiddles W[t] = (cos, -sin)(2 pi t / MF_FFT_POINTS), Q31; row 0 (the twiddle 1)"
        " is\n * never multiplied. */\n",
        _c_array("int32_t", "mf_fft_twiddle_q31", t.fft_twiddle, per_line=8),
        "\n/* Split twiddles V[k] = -i e^(-2 pi i k / MF_FFT_SIZE) = (-sin, -cos)(2 pi k /"
        " MF_FFT_SIZE), Q31. */\n",
        _c_array("int32_t", "mf_split_twiddle_q31", t.split_twiddle, per_line=8),
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

"""Strict reading and atomic writing of 16 kHz mono 16-bit PCM WAV files.

The RIFF chunks are parsed here with ``struct`` (not the stdlib ``wave`` module) so that every
problem gets a precise, one-line message naming the file: wrong sample rate, channel count or
sample width, a truncated data chunk, or something that is not a RIFF/WAVE file at all.

Accepted layout: ``RIFF <size> WAVE`` followed by chunks ``<id:4> <size:u32 LE> <payload>`` (payload
padded to an even length). A ``fmt `` chunk and a ``data`` chunk are required, in any order; other
chunks (``LIST``, ``fact``, ``cue `` ...) are skipped. Format tag 1 (PCM) and 0xFFFE (extensible,
with the PCM sub-format) are accepted.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..fsutil import write_bytes_atomic

SAMPLE_RATE = 16000  # Hz; the only rate this project reads

_WAVE_FORMAT_PCM = 0x0001
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_FORMAT_NAMES = {0x0003: "IEEE float", 0x0006: "A-law", 0x0007: "mu-law", 0x0002: "ADPCM"}
# The first two bytes of the extensible sub-format GUID carry the format tag; the rest of
# KSDATAFORMAT_SUBTYPE_PCM is this fixed suffix.
_GUID_SUFFIX = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


class WavFileError(DatasetError):
    """A WAV file that cannot be used. ``problem`` is the message without the file name, so a
    caller checking many files can list them compactly."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def decode_wav(data: bytes, path: str | os.PathLike, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Samples of a WAV file's bytes as int16 [n]; raises WavFileError naming ``path``.

    Every format problem found in the ``fmt `` chunk is reported at once (joined with "; ").
    """
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavFileError(path, "not a RIFF/WAVE file")
    fmt: bytes | None = None
    pcm: tuple[int, int] | None = None  # (offset, length) of the data chunk payload
    pos = 12
    # Invariant: pos is the offset of the next chunk header; stop once fmt and data are both seen
    # (whatever follows the samples cannot change them).
    while pos + 8 <= len(data) and (fmt is None or pcm is None):
        chunk_id, size = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        present = len(data) - body
        if size > present:
            name = chunk_id.decode("latin-1").strip() or "unnamed"
            raise WavFileError(path, f"truncated: {name} chunk says {size} bytes, file has {present}")
        if chunk_id == b"data":
            pcm = (body, size)
        elif chunk_id == b"fmt ":
            fmt = data[body:body + size]
        pos = body + size + (size & 1)
    if fmt is None:
        raise WavFileError(path, "no fmt chunk")
    if pcm is None:
        raise WavFileError(path, "no data chunk")
    _check_format(fmt, path, rate)
    offset, size = pcm
    if size % 2:
        raise WavFileError(path, f"data chunk has an odd length ({size} bytes) for 16-bit samples")
    if size == 0:
        raise WavFileError(path, "no samples (empty data chunk)")
    return np.frombuffer(data, dtype="<i2", count=size // 2, offset=offset).astype(np.int16)


def _check_format(fmt: bytes, path: str | os.PathLike, rate: int) -> None:
    """Raise WavFileError listing every way the fmt chunk differs from 16-bit PCM mono at ``rate``."""
    if len(fmt) < 16:
        raise WavFileError(path, f"fmt chunk too short ({len(fmt)} bytes, expected at least 16)")
    tag, channels, sample_rate, _byte_rate, _block_align, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _WAVE_FORMAT_EXTENSIBLE and len(fmt) >= 40 and fmt[26:40] == _GUID_SUFFIX:
        tag = struct.unpack_from("<H", fmt, 24)[0]
    problems = []
    if tag != _WAVE_FORMAT_PCM:
        name = _FORMAT_NAMES.get(tag, "unknown")
        problems.append(f"format {tag} ({name}), expected PCM")
    if sample_rate != rate:
        problems.append(f"sample rate {sample_rate} Hz, expected {rate}")
    if channels != 1:
        problems.append(f"{channels} channels, expected mono")
    if bits != 16:
        problems.append(f"{bits}-bit samples, expected 16-bit")
    if problems:
        raise WavFileError(path, "; ".join(problems))


def read_wav(path: str | os.PathLike, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Samples of a 16-bit PCM mono WAV file at ``rate`` Hz as a writable int16 [n] array.

    Raises WavFileError (a DatasetError) naming the file and the exact problem.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise WavFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    return decode_wav(data, path, rate)


def encode_wav(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """The bytes of a canonical 44-byte-header PCM WAV file holding int16 mono ``samples``."""
    samples = np.asarray(samples)
    if samples.dtype != np.int16 or samples.ndim != 1:
        raise ValueError(f"write_wav needs a 1-D int16 array, got {samples.dtype} {samples.shape}")
    payload = samples.astype("<i2", copy=False).tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(payload), b"WAVE",
                         b"fmt ", 16, _WAVE_FORMAT_PCM, 1, rate, rate * 2, 2, 16,
                         b"data", len(payload))
    return header + payload


def write_wav(path: str | os.PathLike, samples_int16: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write int16 mono ``samples_int16`` as a PCM WAV file at ``path``, atomically.

    The bytes go to a temporary file in the same folder, which is then renamed over ``path``: a
    reader never sees a half-written file, and a failure leaves no file behind.
    """
    write_bytes_atomic(Path(path), encode_wav(samples_int16, rate))

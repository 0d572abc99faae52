"""Strict WAV reading and atomic writing (mcuforge.data.wav)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from mcuforge.data.wav import WavFileError, decode_wav, encode_wav, read_wav, write_wav
from mcuforge.errors import DatasetError


def wav_bytes(payload: bytes = b"\x01\x00\xff\xff" * 8, *, rate: int = 16000, channels: int = 1,
              bits: int = 16, tag: int = 1, data_size: int | None = None,
              before_data: bytes = b"", after_data: bytes = b"") -> bytes:
    """A WAV file built field by field, so each test can break exactly one thing."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    size = len(payload) if data_size is None else data_size
    pad = b"\x00" if len(payload) % 2 else b""
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + before_data
            + b"data" + struct.pack("<I", size) + payload + pad + after_data)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_round_trip(tmp_path):
    samples = np.array([0, 1, -1, 32767, -32768, 1234], np.int16)
    path = tmp_path / "a.wav"
    write_wav(path, samples)
    got = read_wav(path)
    assert got.dtype == np.int16 and got.ndim == 1
    np.testing.assert_array_equal(got, samples)
    assert path.stat().st_size == 44 + 2 * len(samples)
    got[0] = 5  # the result is writable, not a view of read-only bytes


def test_write_is_atomic_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "a.wav"
    write_wav(path, np.zeros(10, np.int16))
    write_wav(path, np.ones(20, np.int16))  # replaces the old file whole
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]
    assert len(read_wav(path)) == 20


def test_write_rejects_other_dtypes(tmp_path):
    with pytest.raises(ValueError):
        write_wav(tmp_path / "a.wav", np.zeros(10, np.float32))
    with pytest.raises(ValueError):
        write_wav(tmp_path / "a.wav", np.zeros((2, 10), np.int16))
    assert not list(tmp_path.iterdir())


def test_encode_matches_the_canonical_header():
    data = encode_wav(np.array([1, 2], np.int16))
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    assert struct.unpack_from("<IHHIIHH", data, 16) == (16, 1, 1, 16000, 32000, 2, 16)
    assert data[36:44] == b"data" + struct.pack("<I", 4)


@pytest.mark.parametrize("data, problem", [
    (wav_bytes(rate=44100), "sample rate 44100 Hz, expected 16000"),
    (wav_bytes(channels=2), "2 channels, expected mono"),
    (wav_bytes(bits=8), "8-bit samples, expected 16-bit"),
    (wav_bytes(data_size=1000), "truncated: data chunk says 1000 bytes, file has 32"),
    (b"ID3\x03 not a wav at all", "not a RIFF/WAVE file"),
    (b"", "not a RIFF/WAVE file"),
    (wav_bytes(tag=3, bits=32), "format 3 (IEEE float), expected PCM"),
    (wav_bytes(payload=b""), "no samples (empty data chunk)"),
    (wav_bytes(payload=b"\x01\x02\x03"), "odd length"),
])
def test_bad_files_are_named_with_the_exact_problem(tmp_path, data, problem):
    path = write(tmp_path, "bad.wav", data)
    with pytest.raises(DatasetError) as info:
        read_wav(path)
    message = str(info.value)
    assert str(path) in message and problem in message
    assert "\n" not in message
    assert isinstance(info.value, WavFileError) and problem in info.value.problem


def test_several_format_problems_are_reported_together(tmp_path):
    path = write(tmp_path, "bad.wav", wav_bytes(rate=44100, channels=2))
    with pytest.raises(DatasetError, match="sample rate 44100 Hz, expected 16000; 2 channels"):
        read_wav(path)


def test_missing_chunks(tmp_path):
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    no_data = b"RIFF" + struct.pack("<I", 28) + b"WAVEfmt " + fmt
    with pytest.raises(DatasetError, match="no data chunk"):
        read_wav(write(tmp_path, "a.wav", no_data))
    no_fmt = b"RIFF" + struct.pack("<I", 16) + b"WAVEdata" + struct.pack("<I", 4) + b"\x00" * 4
    with pytest.raises(DatasetError, match="no fmt chunk"):
        read_wav(write(tmp_path, "b.wav", no_fmt))


def test_extra_chunks_are_skipped(tmp_path):
    odd_list = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"  # odd size, padded
    data = wav_bytes(b"\x05\x00\x06\x00", before_data=odd_list, after_data=b"junk" * 3)
    np.testing.assert_array_equal(read_wav(write(tmp_path, "a.wav", data)), [5, 6])


def test_truncated_chunk_before_data(tmp_path):
    data = wav_bytes(before_data=b"LIST" + struct.pack("<I", 10 ** 6))
    with pytest.raises(DatasetError, match="truncated: LIST chunk says 1000000 bytes"):
        read_wav(write(tmp_path, "a.wav", data))


def test_extensible_pcm_is_accepted():
    guid = struct.pack("<H", 1) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 16000, 32000, 2, 16, 22, 16, 4) + guid
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", 2) + b"\x07\x00"
    np.testing.assert_array_equal(decode_wav(b"RIFF" + struct.pack("<I", len(body)) + body, "x.wav"), [7])


def test_unreadable_path_is_named(tmp_path):
    with pytest.raises(DatasetError, match="missing.wav: cannot read"):
        read_wav(tmp_path / "missing.wav")

"""Capture what native code (C/C++ libraries) writes to a file descriptor.

Python's sys.stdout/sys.stderr redirection does not reach output written by C code; this swaps the
descriptor itself for the duration of the block.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def captured_fd(fd: int) -> Iterator[list[str]]:
    """Yields a list that holds, after the block, everything written to ``fd`` inside it."""
    captured: list[str] = []
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = os.dup(fd)
        try:
            os.dup2(tmp.fileno(), fd)
            yield captured
        finally:
            _flush_c_stdio()  # C's stdout is block-buffered when not a terminal
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            captured.append(tmp.read().decode(errors="replace"))


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library handle on this platform: nothing buffered to lose
        pass

"""Write outputs so that a failure never leaves half-written files behind.

Files are written to a temporary name in the same folder and renamed into place (atomic on POSIX);
folders are built under a temporary sibling name and swapped in at the end.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO
from pathlib import Path


_tmp_counter = itertools.count()


@contextlib.contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write instead of ``path``: renamed into place when the block ends, removed
    if it raises. For outputs too large to build in memory first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name unique to this process and call ("x" mode refuses to reuse one); unlike mkstemp's
    # 0600 files, the result gets the usual umask permissions, so shared outputs stay readable.
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{next(_tmp_counter)}.tmp")
    try:
        with open(tmp, "xb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with open_atomic(path) as f:
        f.write(data)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yields a fresh temporary folder; on success it replaces ``path`` whole, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; outputs read like any folder
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = path.with_name(f".{path.name}.old")
    if path.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

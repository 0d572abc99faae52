"""Write outputs so that a failure never leaves half-written files behind, and never replace what
a user made.

Files are written to a temporary name in the same folder and renamed into place (atomic on POSIX);
folders are built under a temporary sibling name and swapped in at the end. Every folder made that
way holds a marker file (MARKER); an existing folder without one is the user's, and
``check_output_dir`` refuses to replace it unless forced. The same check runs before any long
work starts (the commands call it first), so a bad ``--out`` fails in a second, not after a build.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import OutputPathError

_tmp_counter = itertools.count()
# In every folder atomic_dir makes: says mcuforge made it, so a later run may replace it.
MARKER = ".mcuforge"
# What folders written before the marker existed hold: a generated C folder, a firmware folder.
LEGACY_MARKERS = ("model_info.json", "size.json", "train_metrics.json")


def made_by_mcuforge(folder: Path) -> bool:
    return any((folder / name).is_file() for name in (MARKER, *LEGACY_MARKERS))


def check_output_dir(path: Path | str, force: bool = False,
                     inputs: tuple[Path | str, ...] = ()) -> None:
    """OutputPathError unless ``path`` can become an output folder: it is not a file, holds none
    of ``inputs`` (replacing it would delete them), is absent, empty or made by mcuforge (else
    ``force``), and its first existing ancestor is a folder this process may write into."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{path}: is a file, not a folder; give an output folder")
    resolved = path.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == resolved or resolved in source.parents:
            raise OutputPathError(f"{path}: holds the input {item}, which writing the output "
                                  "would delete; choose another output folder")
    if path.is_dir() and any(path.iterdir()) and not made_by_mcuforge(path) and not force:
        raise OutputPathError(f"{path}: exists and mcuforge did not make it; choose another "
                              "output folder, or pass --force to replace it")
    ancestor = path if path.is_dir() else path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputPathError(f"{path}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: cannot write into {ancestor} (permission denied)")


def mark_dir(path: Path | str) -> None:
    """Marks a folder mcuforge made itself (a run folder, bench's output) as replaceable."""
    marker = Path(path) / MARKER
    if not marker.is_file():
        marker.write_text("made by mcuforge: a later run may replace what it holds\n")


def ensure_dir(path: Path | str) -> Path:
    """``path`` created with its parents; an OSError (a file on the way, no permission) becomes
    OutputPathError."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputPathError(f"{path}: cannot create the folder ({e.strerror or e})") from None
    return path


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
def atomic_dir(path: Path, *, replace: bool = True, force: bool = False) -> Iterator[Path]:
    """Yields a fresh temporary folder beside ``path``; on success it becomes ``path``, on error
    (or SIGINT/SIGTERM, which the command line turns into exceptions) it is removed.

    ``replace=True``: an existing ``path`` is replaced whole, if mcuforge made it or ``force``
    (check_output_dir). ``replace=False`` (a cache that several processes may fill at once): an
    existing non-empty ``path`` is kept and the new copy discarded, so the caller must check what
    ``path`` holds afterwards. Temporaries left by killed processes on this host are removed first.
    """
    path = Path(path)
    if replace:
        check_output_dir(path, force)
    ensure_dir(path.parent)
    remove_stale_temporaries(path)
    tmp = Path(tempfile.mkdtemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=path.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; outputs read like any folder
        mark_dir(tmp)
        yield tmp
        if replace:
            _swap_in(tmp, path)
        else:
            _move_in_unless_present(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already unless something failed


def _swap_in(tmp: Path, path: Path) -> None:
    old = path.with_name(f".{path.name}.old")
    if path.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _move_in_unless_present(tmp: Path, path: Path) -> None:
    if path.is_dir() and not any(path.iterdir()):
        path.rmdir()
    try:
        os.rename(tmp, path)
    except OSError:
        if not (path.is_dir() and any(path.iterdir())):  # not another process's finished copy
            raise


def _temporary_prefix(path: Path) -> str:
    """Temporary folders name their host and process, so a stale one can be recognised."""
    return f".{path.name}.{socket.gethostname()}-{os.getpid()}-"


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary siblings of ``path`` left by killed runs on this host (their process is gone)."""
    pattern = re.compile(re.escape(f".{path.name}.{socket.gethostname()}-") + r"(\d+)-.*\.tmp$")
    for entry in path.parent.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_dir() and not _process_alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

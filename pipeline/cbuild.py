"""Compiling C, the one way every stage does it (host and cross builds, emulation, CMSIS-NN at
generation time): the C flags every build of mcuforge's code uses, and running a compiler (or
linker, objcopy) with a failure turned into a one-line BuildError naming the first error."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence

from .errors import BuildError

# Generated C is C99 and must build without a warning, on the host and for every board.
C_STANDARD = "-std=c99"
WARNING_FLAGS = ("-Wall", "-Wextra", "-Werror")
C_FLAGS = (C_STANDARD, "-O2", *WARNING_FLAGS)


def first_error(stderr: str, returncode: int) -> str:
    """The line of a tool's output a person needs first: the first error (or undefined reference),
    else its first line, else the exit code."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower() or "undefined reference" in ln]
    return (errors or lines or [f"exit code {returncode}"])[0]


def run_compiler(cmd: Sequence[str], what: str,
                 explain: Callable[[str], None] | None = None) -> subprocess.CompletedProcess:
    """Runs ``cmd``; on failure raises ``BuildError("<what> failed: <first error line>")``.
    ``explain(stderr)``, if given, runs first and may raise a more specific error (e.g. an image
    that does not fit its board)."""
    result = subprocess.run(list(cmd), capture_output=True, text=True)
    if result.returncode != 0:
        if explain is not None:
            explain(result.stderr)
        raise BuildError(f"{what} failed: {first_error(result.stderr, result.returncode)}")
    return result

"""The `openocd` method: ``openocd -f <configs> -c "program FILE verify reset exit"``.

OpenOCD's ``program`` command (OpenOCD manual, "Flash Programming") erases the sectors the
image needs, writes it, ``verify`` compares the flash with the file (a CRC, or a read-back where
the target has no CRC routine) and ``reset`` starts it. OpenOCD prints errors as lines starting
``Error:``; the first of them is the one-line error, with what it means where we know. ``--probe``
selects the debug adapter by serial number (``adapter serial``, OpenOCD 0.12).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from ..boards import Board
from ..errors import FlashError, ToolMissingError
from .image import Image

INSTALL_HINT = "install it (Debian: apt-get install openocd)"
VERIFIED = "** Verified OK **"        # what `program ... verify` prints once the read-back matched
# OpenOCD messages -> what they mean for the user (the first matching fragment wins)
KNOWN = (
    ("open failed", "no debug probe found (is the board plugged in, the USB cable a data cable?)"),
    ("no device found", "no debug probe found (is the board plugged in?)"),
    ("unable to find a matching", "no debug probe found"),
    ("multiple", "more than one debug probe: choose one with --probe SERIAL"),
    ("unexpected idcode", "the wrong target: the chip's ID is not the one the configuration expects"),
    ("no flash bank found", "the image lies outside the chip's flash (built for another board?)"),
    ("verify failed", "read-back verify failed: the board does not hold the image (flash again)"),
    ("checksum mismatch", "read-back verify failed: the board does not hold the image (flash again)"),
    ("can't find", "a configuration file is missing from OpenOCD's scripts"),
)


def command_line(board: Board, image: Image, probe: str | None, openocd: str = "openocd") -> list[str]:
    spec = board.flash.openocd
    assert spec is not None
    cmd = [openocd]
    if probe:
        cmd += ["-c", f"adapter serial {probe}"]
    for config in spec.configs:
        cmd += ["-f", config]
    # Tcl quoting: the path in braces keeps spaces and backslashes as they are
    cmd += ["-c", f"program {{{image.path.resolve()}}} verify reset exit"]
    return cmd


def plan(board: Board, image: Image, probe: str | None) -> list[str]:
    return [shlex.join(command_line(board, image, probe))]


def explain(output: str, code: int) -> str:
    errors = [ln.strip() for ln in output.splitlines() if ln.strip().lower().startswith("error")]
    text = " ".join(output.lower().split())
    meaning = next((what for fragment, what in KNOWN if fragment in text), None)
    first = errors[0] if errors else (output.strip().splitlines() or [f"exit code {code}"])[-1]
    first = first if len(first) <= 200 else first[:200] + "..."
    return f"{meaning}: {first}" if meaning else first


def flash_openocd(board: Board, image: Image, probe: str | None, timeout: float) -> Path:
    openocd = shutil.which("openocd")
    if not openocd:
        raise ToolMissingError(f"openocd not found: {INSTALL_HINT}")
    cmd = command_line(board, image, probe, openocd)
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FlashError(f"{board.id}: OpenOCD did not finish within {timeout:g} s (stopped); the "
                         f"board may hold a partial image: flash again") from None
    output = (done.stdout or "") + (done.stderr or "")
    if done.returncode != 0 or VERIFIED not in output:
        partial = "; the board may hold a partial image: flash again" \
            if "Programming Started" in output else ""
        raise FlashError(f"{board.id}: OpenOCD: {explain(output, done.returncode)}{partial}")
    return Path(openocd)

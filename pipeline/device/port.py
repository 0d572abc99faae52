"""A serial port as an emulate.protocol Transport, opened for this process alone.

The port is opened with pyserial's ``exclusive=True`` (an advisory ``flock`` on POSIX, which
serial monitors such as pyserial's miniterm, PlatformIO's monitor and pyOCD also take), so two
programs never read each other's replies. A port locked by another program, or one the kernel
refuses as busy (``TIOCEXCL``), is an error that names the program holding it when /proc tells.
Reads wait at most the time asked for and writes at most ``write_timeout``: a device that stops
reading (hardware flow control, a full pty) cannot block mcuforge.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from . import DeviceError

BUSY_ERRNOS = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY)


def holders(port: str, limit: int = 3) -> list[str]:
    """``name (pid N)`` of the processes other than this one that have ``port`` open (Linux
    /proc; empty where it cannot tell)."""
    try:
        target = os.path.realpath(port)
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                if any(os.path.realpath(fd) == target for fd in (proc / "fd").iterdir()):
                    found.append(f"{(proc / 'comm').read_text().strip()} (pid {proc.name})")
            except OSError:
                continue    # another user's process, or one that just ended
            if len(found) >= limit:
                break
        return found
    except OSError:
        return []


def _available_ports() -> str:
    from serial.tools import list_ports

    names = sorted(p.device for p in list_ports.comports())
    return ", ".join(names) if names else "none found"


class PortTransport:
    """``write(bytes)`` and ``read(timeout) -> bytes`` on a serial port opened exclusively."""

    def __init__(self, port: str, baud: int = 115_200, write_timeout: float = 5.0):
        try:
            import serial
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            from ..errors import MissingDependencyError
            raise MissingDependencyError("pyserial is not installed: pip install pyserial") from exc
        self._serial = serial
        self.name = port
        if not os.path.exists(port) and not port.startswith(("COM", "rfc2217:", "socket:")):
            raise DeviceError(f"{port}: no such serial port (ports here: {_available_ports()})")
        try:
            self.port = serial.Serial(port, baud, timeout=0, write_timeout=write_timeout,
                                      exclusive=True)
        except (serial.SerialException, OSError) as exc:
            if getattr(exc, "errno", None) in BUSY_ERRNOS:
                who = holders(port)
                raise DeviceError(f"{port}: the serial port is held by another program"
                                  f"{' (' + ', '.join(who) + ')' if who else ''}; close it "
                                  f"(a serial monitor?) and try again") from None
            if getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM):
                raise DeviceError(f"{port}: permission denied (on Linux, add yourself to the "
                                  f"group that owns it, e.g. dialout)") from None
            raise DeviceError(f"{port}: cannot open the serial port ({exc})") from None

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except self._serial.SerialTimeoutException:
            raise EOFError("the device does not take more bytes (write timed out)") from None
        except (self._serial.SerialException, OSError) as exc:
            raise EOFError(str(exc)) from exc

    def read(self, timeout: float) -> bytes:
        try:
            self.port.timeout = max(timeout, 0.001)
            first = self.port.read(1)
            return first + self.port.read(self.port.in_waiting) if first else b""
        except (self._serial.SerialException, OSError) as exc:
            raise EOFError(str(exc)) from exc

    def close(self) -> None:
        try:
            self.port.close()
        except (self._serial.SerialException, OSError):
            pass

    def __enter__(self) -> PortTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

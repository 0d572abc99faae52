"""`mcuforge device`: drive firmware on a board over its serial port (a real board's USB serial
port, or an emulated board's UART on a pty) with the serial protocol of emulate.protocol, check
every output bit for bit against TFLite-Micro, and time it at the board's clock.

Every wait is bounded: a port that another program holds, a device that stays silent, one that
sends lines that are not the protocol, or firmware built from another model, is a one-line
error (``DeviceError``)."""

from __future__ import annotations

from ..errors import McuforgeError


class DeviceError(McuforgeError):
    """A serial port cannot be used, or the device on it does not answer as mcuforge firmware."""


__all__ = ["DeviceError"]

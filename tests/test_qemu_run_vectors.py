"""run_vectors (mcuforge.emulate.qemu) against a scripted serial device: greetings it must handle
without QEMU or a cross compiler."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from mcuforge.emulate.protocol import PROTOCOL_VERSION, DeviceSession
from mcuforge.emulate.qemu import run_vectors
from mcuforge.errors import EmulationError

SHA = "ab" * 32


class _ScriptedDevice:
    """A firmware's serial side: greets with ``hello``, answers INFER (output 01 02, 320 ticks),
    STATS and EXIT."""

    def __init__(self, hello: str):
        self.pending = bytearray(hello.encode() + b"\n")

    def write(self, data: bytes) -> None:
        out = b"\x01\x02"
        self.pending += {b"INFER": f"OUT 0 320 2 {out.hex()} {zlib.crc32(out):08x}",
                         b"STATS": "STATS stack_used=100 stack_size=4096",
                         b"EXIT": "BYE 0"}[data.split()[0]].encode() + b"\n"

    def read(self, timeout: float) -> bytes:
        data, self.pending = bytes(self.pending), bytearray()
        return data


class _ScriptedMachine:
    """What run_vectors uses of a QemuMachine."""

    name, shift = "fake_board (QEMU none)", 7

    def __init__(self, hello: str):
        self.session = DeviceSession(_ScriptedDevice(hello), self.name, timeout=1.0)

    def start(self) -> DeviceSession:
        return self.session

    def finish(self, code: int = 0) -> int:
        self.session.exit(code)
        return code


def test_no_counter_rate_means_instructions_unknown():
    run = run_vectors(_ScriptedMachine(f"MCUFORGE {PROTOCOL_VERSION} sha256={SHA} in=4 out=2 hz=0 overhead=3"),
                      SHA, 4, (2,), np.zeros((2, 4), np.int8))
    assert run.outputs.tolist() == [[1, 2], [1, 2]]
    assert run.instructions is None and run.overhead_instructions is None


def test_counts_with_a_counter_rate():
    run = run_vectors(_ScriptedMachine(f"MCUFORGE {PROTOCOL_VERSION} sha256={SHA} in=4 out=2 hz=25000000 overhead=32"),
                      SHA, 4, (2,), np.zeros((2, 4), np.int8))
    assert run.instructions.tolist() == [90, 90]   # 320 / 3.2 - 32 / 3.2


def test_greeting_without_sha256_is_one_error_naming_the_board():
    with pytest.raises(EmulationError, match=r"^fake_board \(QEMU none\): the firmware's greeting "
                                             r"has no sha256 field"):
        run_vectors(_ScriptedMachine(f"MCUFORGE {PROTOCOL_VERSION} in=4 out=2 hz=25000000 overhead=3"),
                    SHA, 4, (2,), np.zeros((1, 4), np.int8))


def test_greeting_with_other_tensor_sizes_is_refused():
    """Protocol 3's ins=/outs= (bytes per model input and output) must match the model folder's."""
    hello = f"MCUFORGE {PROTOCOL_VERSION} sha256={SHA} in=4 out=2 ins=1,3 outs=2 hz=0 overhead=3"
    run = run_vectors(_ScriptedMachine(hello), SHA, 4, (2,), np.zeros((1, 4), np.int8),
                      input_sizes=(1, 3), output_sizes=(2,))
    assert run.outputs.tolist() == [[1, 2]]
    with pytest.raises(EmulationError, match=r"firmware's model has ins=1,3 \(bytes per tensor\), "
                                             r"the model folder 2,2 \(rebuild it\)"):
        run_vectors(_ScriptedMachine(hello), SHA, 4, (2,), np.zeros((1, 4), np.int8),
                    input_sizes=(2, 2), output_sizes=(2,))

"""One exception hierarchy for every error a user can cause.

Each message names the thing at fault (file, tensor, op, board, recipe key) and the problem, on one
line. The CLI's single top-level handler prints ``error: <message>`` and exits with ``exit_code``;
any other exception reaching the top is a bug and keeps its traceback.
"""

from __future__ import annotations


class McuforgeError(Exception):
    """Base of every user-facing error; ``str(err)`` is the one-line message."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(" ".join(message.split()))  # one line, always


class RecipeError(McuforgeError):
    """A recipe YAML file is missing, malformed, or has an unknown key or value."""


class DatasetError(McuforgeError):
    """A dataset folder is missing, empty, or holds files that cannot be used."""


class ModelFileError(McuforgeError):
    """A .tflite file is unreadable, truncated, not a flatbuffer, or inconsistent."""


class UnsupportedModelError(McuforgeError):
    """A valid .tflite uses something mcuforge does not generate code for (op, type, option)."""


class ToolMissingError(McuforgeError):
    """An external program (compiler, emulator) is not installed; the message says what to install."""


class OutputPathError(McuforgeError):
    """An output path mcuforge must not or cannot write: a file where a folder goes, a folder it did
    not make (without --force), one that holds an input, or a parent it may not write into."""


class BuildError(McuforgeError):
    """Compiling generated C failed; the message carries the compiler's first error line."""


class EmulationError(McuforgeError):
    """Running generated code failed, hung, or produced malformed output."""


class MismatchError(McuforgeError):
    """Generated code ran but disagreed with the reference interpreter."""


class MissingDependencyError(McuforgeError):
    """A Python extra (e.g. TensorFlow for training) is not installed."""


class BoardError(McuforgeError):
    """A board name is unknown, boards.yaml is malformed, or a board cannot do what was asked."""


class SizeError(BoardError):
    """A firmware image does not fit the board's flash or RAM; the message itemizes the need."""


class FlashError(McuforgeError):
    """Putting firmware on a board failed: no probe or drive, the wrong target, a write or a
    read-back that did not match; the message says how far it got."""

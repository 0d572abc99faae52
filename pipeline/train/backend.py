"""TensorFlow for training and quantization: imported on first use, never at module level, so
the core install (compile, emulate, build) works without it."""

from __future__ import annotations

import os
import sys

from ..errors import MissingDependencyError


def require_tensorflow():
    from ..capture import captured_fd

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with captured_fd(2):  # TensorFlow's native start-up log lines
            import tensorflow as tf
    except ImportError as exc:
        raise MissingDependencyError(
            "training and quantization need TensorFlow: pip install 'mcuforge[train]'") from exc
    return tf


def keras_verbosity(progress: bool) -> int:
    """Keras's bar on a terminal, one line per epoch otherwise (logs), nothing when quiet."""
    if not progress:
        return 0
    return 1 if sys.stdout.isatty() else 2

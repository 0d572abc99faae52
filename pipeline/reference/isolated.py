"""Running a reference interpreter in a child process, so that its native crashes stay there."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import McuforgeError

ProgressHook = Callable[[int], None]


class ReferenceRunError(McuforgeError):
    """A reference interpreter rejected the model."""


def one_line(exc: BaseException) -> str:
    """An interpreter's exception text (often TFLite-Micro's multi-line log) as one line."""
    return " ".join(str(exc).split())


_pool = None  # one long-lived child process, started on first use (spawning costs ~1 s)


def _worker_pool():
    global _pool
    if _pool is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent may hold TensorFlow or BLAS threads
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def run_isolated(worker: Callable, who: str, model: bytes, inputs: np.ndarray | tuple[np.ndarray, ...],
                 on_step: ProgressHook | None, chunk: int = 256):
    """Runs ``worker`` (a module-level function, so the child can import it) over chunks of
    ``inputs`` in a child process and concatenates its results. ``inputs`` is one array [N, ...]
    or a tuple of them (one per model input, chunked together); a worker that returns a tuple
    (one array per model output) gets a tuple of the concatenations back.

    Both interpreters are native code that can abort or crash on models they do not support (seen:
    TFLite-Micro on a depthwise conv without a bias input, and in SOFTMAX on rows whose exponent
    sum overflows). A crash in the child becomes a one-line ReferenceRunError instead of killing
    mcuforge; the next call starts a new child.
    """
    global _pool
    from concurrent.futures.process import BrokenProcessPool

    count = len(inputs[0]) if isinstance(inputs, tuple) else len(inputs)
    parts = []
    try:
        for start in range(0, count, chunk):
            part = (tuple(t[start:start + chunk] for t in inputs) if isinstance(inputs, tuple)
                    else inputs[start:start + chunk])
            parts.append(_worker_pool().submit(worker, model, part).result())
            if on_step:
                on_step(min(chunk, count - start))
    except BrokenProcessPool as exc:
        _pool = None
        raise ReferenceRunError(f"{who} crashed while running the model (a native abort or fault in "
                                "the interpreter; the model is likely outside what it supports)") from exc
    except McuforgeError:
        raise
    except Exception as exc:  # the interpreters report failures as RuntimeError/ValueError
        raise ReferenceRunError(f"{who} failed on the model: {one_line(exc)}") from exc
    if parts and isinstance(parts[0], tuple):
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(len(parts[0])))
    return np.concatenate(parts) if parts else np.zeros((0,), dtype=np.int8)

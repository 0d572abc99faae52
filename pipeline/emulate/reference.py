"""The reference interpreters that generated code is compared with.

- TFLite-Micro (the ``tflite-micro`` package, reference kernels): the ground truth. Generated C must
  equal it on every element.
- LiteRT (``ai-edge-litert``) with the reference op resolver, or ``tflite_runtime`` where that is
  what a user has: a second opinion, reported, never tuned against (it can differ by 1-2 LSB).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np

from ..capture import captured_fd
from ..errors import McuforgeError, MissingDependencyError
from .vectors import vector_shape

ProgressHook = Callable[[int], None]


class ReferenceRunError(McuforgeError):
    """A reference interpreter rejected the model."""


def _tflm_module():
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise MissingDependencyError(f"the tflite-micro package is not installed ({exc}): "
                                     "pip install tflite-micro") from exc
    return runtime


def _tflm_run_chunk(model: bytes, inputs: np.ndarray) -> np.ndarray:
    """Runs each row of ``inputs`` (shape [N, *input_shape[1:]]) through TFLite-Micro."""
    runtime = _tflm_module()
    try:
        interp = runtime.Interpreter.from_bytes(model)
    except Exception as exc:  # the package raises RuntimeError with TFLM's log text
        raise ReferenceRunError(f"TFLite-Micro rejected the model: {' '.join(str(exc).split())}") from exc
    in_shape = tuple(interp.get_input_details(0)["shape"])
    outputs = []
    for row in inputs:
        interp.set_input(row.reshape(in_shape), 0)
        interp.invoke()
        out = np.array(interp.get_output(0))
        outputs.append(out.reshape(vector_shape(out.shape)))
    return np.stack(outputs)


_pool = None  # one long-lived child process, started on first use (spawning costs ~1 s)


def _worker_pool():
    global _pool
    if _pool is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent may hold TensorFlow or BLAS threads
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def _isolated(worker: Callable[[bytes, np.ndarray], np.ndarray], who: str, model: bytes,
              inputs: np.ndarray, on_step: ProgressHook | None, chunk: int = 256) -> np.ndarray:
    """Runs ``worker`` over chunks of ``inputs`` in a child process.

    Both interpreters are native code that can abort or crash on models they do not support (seen:
    TFLite-Micro on a depthwise conv without a bias input, and in SOFTMAX on rows whose exponent
    sum overflows). A crash in the child becomes a one-line ReferenceRunError instead of killing
    mcuforge; the next call starts a new child.
    """
    global _pool
    from concurrent.futures.process import BrokenProcessPool

    parts = []
    try:
        for start in range(0, len(inputs), chunk):
            part = inputs[start:start + chunk]
            parts.append(_worker_pool().submit(worker, model, part).result())
            if on_step:
                on_step(len(part))
    except BrokenProcessPool as exc:
        _pool = None
        raise ReferenceRunError(f"{who} crashed while running the model (a native abort or fault in "
                                "the interpreter; the model is likely outside what it supports)") from exc
    except McuforgeError:
        raise
    except Exception as exc:  # the interpreters report failures as RuntimeError/ValueError
        raise ReferenceRunError(f"{who} failed on the model: {' '.join(str(exc).split())}") from exc
    return np.concatenate(parts) if parts else np.zeros((0,), dtype=np.int8)


def tflm_outputs(model: bytes, inputs: np.ndarray, on_step: ProgressHook | None = None) -> np.ndarray:
    """TFLite-Micro's outputs [N, *output_shape[1:]] for inputs [N, *input_shape[1:]] (batch 1)."""
    return _isolated(_tflm_run_chunk, "TFLite-Micro", model, inputs, on_step)


def _tflm_arena_report(model: bytes, _unused: np.ndarray) -> np.ndarray:
    runtime = _tflm_module()
    try:
        interp = runtime.Interpreter.from_bytes(model)
    except Exception as exc:
        raise ReferenceRunError(f"TFLite-Micro rejected the model: {' '.join(str(exc).split())}") from exc
    with captured_fd(1) as out, captured_fd(2) as err:  # the log goes to stderr (fd 2)
        interp.print_allocations()
    match = re.search(r"Arena allocation total (\d+) bytes", "".join(out + err))
    if not match:
        raise ReferenceRunError("TFLite-Micro did not report its arena size")
    return np.array([int(match.group(1))])


def tflm_arena_bytes(model: bytes) -> int:
    """TFLite-Micro's arena for the model, as its recording allocator reports it (in the child
    process: its flatbuffer parser can fail on files our stricter reader still accepts)."""
    return int(_isolated(_tflm_arena_report, "TFLite-Micro", model, np.zeros((1, 1)), None)[0])


def _litert_interpreter(model: bytes, reference_kernels: bool):
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter, OpResolverType
        except ImportError as exc:
            raise MissingDependencyError("neither ai-edge-litert nor tflite-runtime is installed: "
                                         "pip install ai-edge-litert") from exc
    resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    return Interpreter(model_content=model, experimental_op_resolver_type=resolver)


def _litert_run_chunk(model: bytes, inputs: np.ndarray, reference_kernels: bool) -> np.ndarray:
    try:
        with captured_fd(2):  # native INFO lines about delegates
            interp = _litert_interpreter(model, reference_kernels)
            interp.allocate_tensors()
    except McuforgeError:
        raise
    except Exception as exc:
        raise ReferenceRunError(f"LiteRT rejected the model: {' '.join(str(exc).split())}") from exc
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]["index"]
    outputs = []
    for row in inputs:
        interp.set_tensor(inp["index"], row.reshape(tuple(inp["shape"])))
        interp.invoke()
        result = interp.get_tensor(out)
        outputs.append(result.reshape(vector_shape(result.shape)).copy())
    return np.stack(outputs)


def litert_outputs(model: bytes, inputs: np.ndarray, on_step: ProgressHook | None = None, *,
                   reference_kernels: bool = True) -> np.ndarray:
    """LiteRT's outputs, one inference per row of ``inputs`` (batch 1). ``reference_kernels``
    selects the reference op resolver (the second opinion); False gives LiteRT's default, fast
    kernels, which serve for accuracy figures only."""
    worker = functools.partial(_litert_run_chunk, reference_kernels=reference_kernels)
    return _isolated(worker, "LiteRT", model, inputs, on_step)

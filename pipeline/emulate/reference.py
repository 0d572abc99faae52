"""The reference interpreters that generated code is compared with.

- TFLite-Micro (the ``tflite-micro`` package, reference kernels): the ground truth. Generated C must
  equal it on every element.
- LiteRT (``ai-edge-litert``) with the reference op resolver, or ``tflite_runtime`` where that is
  what a user has: a second opinion, reported, never tuned against (it can differ by 1-2 LSB).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from ..capture import captured_fd
from ..errors import McuforgeError, MissingDependencyError

ProgressHook = Callable[[int], None]


class ReferenceError(McuforgeError):
    """A reference interpreter rejected the model."""


def _tflm_module():
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise MissingDependencyError(f"the tflite-micro package is not installed ({exc}): "
                                     "pip install tflite-micro") from exc
    return runtime


def tflm_outputs(model: bytes, inputs: np.ndarray, on_step: ProgressHook | None = None) -> np.ndarray:
    """Runs each row of ``inputs`` (shape [N, *input_shape]) through TFLite-Micro."""
    runtime = _tflm_module()
    try:
        interp = runtime.Interpreter.from_bytes(model)
    except Exception as exc:  # the package raises RuntimeError with TFLM's log text
        raise ReferenceError(f"TFLite-Micro rejected the model: {' '.join(str(exc).split())}") from exc
    outputs = []
    for row in inputs:
        interp.set_input(row[None, ...], 0)
        interp.invoke()
        outputs.append(np.array(interp.get_output(0))[0])
        if on_step:
            on_step(1)
    return np.stack(outputs)


def tflm_arena_bytes(model: bytes) -> int:
    """TFLite-Micro's arena for the model, as its recording allocator reports it."""
    runtime = _tflm_module()
    interp = runtime.Interpreter.from_bytes(model)
    with captured_fd(1) as out, captured_fd(2) as err:  # the log goes to stderr (fd 2)
        interp.print_allocations()
    match = re.search(r"Arena allocation total (\d+) bytes", "".join(out + err))
    if not match:
        raise ReferenceError("TFLite-Micro did not report its arena size")
    return int(match.group(1))


def _litert_interpreter(model: bytes):
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter, OpResolverType
        except ImportError as exc:
            raise MissingDependencyError("neither ai-edge-litert nor tflite-runtime is installed: "
                                         "pip install ai-edge-litert") from exc
    return Interpreter(model_content=model,
                       experimental_op_resolver_type=OpResolverType.BUILTIN_REF)


def litert_outputs(model: bytes, inputs: np.ndarray, on_step: ProgressHook | None = None) -> np.ndarray:
    """Runs each row of ``inputs`` through LiteRT's reference kernels (one inference per row)."""
    try:
        interp = _litert_interpreter(model)
        interp.allocate_tensors()
    except McuforgeError:
        raise
    except Exception as exc:
        raise ReferenceError(f"LiteRT rejected the model: {' '.join(str(exc).split())}") from exc
    inp = interp.get_input_details()[0]["index"]
    out = interp.get_output_details()[0]["index"]
    outputs = []
    for row in inputs:
        interp.set_tensor(inp, row[None, ...])
        interp.invoke()
        outputs.append(interp.get_tensor(out)[0].copy())
        if on_step:
            on_step(1)
    return np.stack(outputs)

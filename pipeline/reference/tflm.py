"""TFLite-Micro (the ``tflite-micro`` package, reference kernels): the ground truth, and its arena."""

from __future__ import annotations

import re

import numpy as np

from ..capture import captured_fd
from ..errors import MissingDependencyError
from .isolated import ProgressHook, ReferenceRunError, one_line, run_isolated
from .shapes import vector_shape


def _tflm_module():
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise MissingDependencyError(f"the tflite-micro package is not installed ({exc}): "
                                     "pip install tflite-micro") from exc
    return runtime


def _interpreter(model: bytes):
    try:
        return _tflm_module().Interpreter.from_bytes(model)
    except Exception as exc:  # the package raises RuntimeError with TFLM's log text
        raise ReferenceRunError(f"TFLite-Micro rejected the model: {one_line(exc)}") from exc


def _run_chunk(model: bytes, inputs: np.ndarray) -> np.ndarray:
    """Runs each row of ``inputs`` (shape [N, *input_shape[1:]]) through TFLite-Micro."""
    interp = _interpreter(model)
    in_shape = tuple(interp.get_input_details(0)["shape"])
    outputs = []
    for row in inputs:
        interp.set_input(row.reshape(in_shape), 0)
        interp.invoke()
        out = np.array(interp.get_output(0))
        outputs.append(out.reshape(vector_shape(out.shape)))
    return np.stack(outputs)


def tflm_outputs(model: bytes, inputs: np.ndarray, on_step: ProgressHook | None = None,
                 stateful: bool = False) -> np.ndarray:
    """TFLite-Micro's outputs [N, *output_shape[1:]] for inputs [N, *input_shape[1:]] (batch 1).
    ``stateful`` (a model with variable tensors, whose state carries from one input to the next):
    one interpreter runs them all, in one chunk, as the generated code runs them."""
    chunk = max(len(inputs), 1) if stateful else 256
    return run_isolated(_run_chunk, "TFLite-Micro", model, inputs, on_step, chunk=chunk)


def _arena_report(model: bytes, _unused: np.ndarray) -> np.ndarray:
    interp = _interpreter(model)
    with captured_fd(1) as out, captured_fd(2) as err:  # the log goes to stderr (fd 2)
        interp.print_allocations()
    match = re.search(r"Arena allocation total (\d+) bytes", "".join(out + err))
    if not match:
        raise ReferenceRunError("TFLite-Micro did not report its arena size")
    return np.array([int(match.group(1))])


def tflm_arena_bytes(model: bytes) -> int:
    """TFLite-Micro's arena for the model, as its recording allocator reports it (in the child
    process: its flatbuffer parser can fail on files our stricter reader still accepts)."""
    return int(run_isolated(_arena_report, "TFLite-Micro", model, np.zeros((1, 1)), None)[0])

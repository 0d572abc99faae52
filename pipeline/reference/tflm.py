"""TFLite-Micro (the ``tflite-micro`` package, reference kernels): the ground truth, and its arena."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

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


def _run_chunk(model: bytes, inputs: tuple[np.ndarray, ...], outputs: int) -> tuple[np.ndarray, ...]:
    """Runs each vector (row k of every ``inputs[i]``, shape [N, *input_shape_i[1:]]) through
    TFLite-Micro; returns ``outputs`` arrays [N, *output_shape_j[1:]] (subgraph order)."""
    interp = _interpreter(model)
    in_shapes = [tuple(interp.get_input_details(i)["shape"]) for i in range(len(inputs))]
    results: list[list[np.ndarray]] = [[] for _ in range(outputs)]
    for k in range(len(inputs[0])):
        for i, (tensor, shape) in enumerate(zip(inputs, in_shapes)):
            interp.set_input(tensor[k].reshape(shape), i)
        interp.invoke()
        for j in range(outputs):
            out = np.array(interp.get_output(j))
            results[j].append(out.reshape(vector_shape(out.shape)))
    return tuple(np.stack(r) for r in results)


def tflm_run(model: bytes, inputs: Sequence[np.ndarray], outputs: int,
             on_step: ProgressHook | None = None, stateful: bool = False) -> tuple[np.ndarray, ...]:
    """TFLite-Micro's ``outputs`` output arrays [N, *output_shape[1:]] for one input array
    [N, *input_shape[1:]] per model input (batch 1), both in the subgraph's order.
    ``stateful`` (a model with variable tensors, whose state carries from one input to the next):
    one interpreter runs them all, in one chunk, as the generated code runs them."""
    worker = functools.partial(_run_chunk, outputs=outputs)
    chunk = max(len(inputs[0]), 1) if stateful else 256
    return run_isolated(worker, "TFLite-Micro", model, tuple(inputs), on_step, chunk=chunk)


def tflm_outputs(model: bytes, inputs: np.ndarray, on_step: ProgressHook | None = None) -> np.ndarray:
    """TFLite-Micro's outputs [N, *output_shape[1:]] for inputs [N, *input_shape[1:]] (batch 1)
    of a model with one input and one output."""
    return tflm_run(model, (inputs,), 1, on_step)[0]


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

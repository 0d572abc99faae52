"""LiteRT (``ai-edge-litert``, or ``tflite_runtime``): the second opinion, and fast int8 accuracy."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from ..capture import captured_fd
from ..errors import McuforgeError, MissingDependencyError
from .isolated import ProgressHook, ReferenceRunError, one_line, run_isolated
from .shapes import vector_shape


def _interpreter(model: bytes, reference_kernels: bool):
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter, OpResolverType
        except ImportError as exc:
            raise MissingDependencyError("neither ai-edge-litert nor tflite-runtime is installed: "
                                         "pip install ai-edge-litert") from exc
    resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    try:
        with captured_fd(2):  # native INFO lines about delegates
            interp = Interpreter(model_content=model, experimental_op_resolver_type=resolver)
            interp.allocate_tensors()
    except McuforgeError:
        raise
    except Exception as exc:
        raise ReferenceRunError(f"LiteRT rejected the model: {one_line(exc)}") from exc
    return interp


def _run_chunk(model: bytes, inputs: tuple[np.ndarray, ...],
               reference_kernels: bool) -> tuple[np.ndarray, ...]:
    interp = _interpreter(model, reference_kernels)
    ins = interp.get_input_details()
    outs = [d["index"] for d in interp.get_output_details()]
    if len(ins) != len(inputs):
        raise ReferenceRunError(f"LiteRT: the model has {len(ins)} inputs, {len(inputs)} given")
    results: list[list[np.ndarray]] = [[] for _ in outs]
    for k in range(len(inputs[0])):
        for tensor, detail in zip(inputs, ins):
            interp.set_tensor(detail["index"], tensor[k].reshape(tuple(detail["shape"])))
        interp.invoke()
        for j, index in enumerate(outs):
            result = interp.get_tensor(index)
            results[j].append(result.reshape(vector_shape(result.shape)).copy())
    return tuple(np.stack(r) for r in results)


def litert_run(model: bytes, inputs: Sequence[np.ndarray], on_step: ProgressHook | None = None, *,
               reference_kernels: bool = True) -> tuple[np.ndarray, ...]:
    """LiteRT's outputs, one array per model output (subgraph order), for one array per model
    input, one inference per row (batch 1). ``reference_kernels`` selects the reference op
    resolver (the second opinion); False gives LiteRT's default, fast kernels, which serve for
    accuracy figures only."""
    worker = functools.partial(_run_chunk, reference_kernels=reference_kernels)
    return run_isolated(worker, "LiteRT", model, tuple(inputs), on_step)


def litert_outputs(model: bytes, inputs: np.ndarray, on_step: ProgressHook | None = None, *,
                   reference_kernels: bool = True) -> np.ndarray:
    """``litert_run`` for a model with one input: its first output's array."""
    return litert_run(model, (inputs,), on_step, reference_kernels=reference_kernels)[0]


def _input_quantization(model: bytes, _unused: np.ndarray) -> np.ndarray:
    scale, zero_point = _interpreter(model, reference_kernels=True).get_input_details()[0]["quantization"]
    return np.array([[scale, zero_point]], dtype=np.float64)


def litert_input_quantization(model: bytes) -> tuple[float, int]:
    """(scale, zero point) of the model's first input, as the interpreter reads them: the int8
    input is q = round(x / scale) + zero_point."""
    scale, zero_point = run_isolated(_input_quantization, "LiteRT", model, np.zeros((1, 1)), None)[0]
    return float(scale), int(zero_point)

"""The reference interpreters that int8 models and generated code are measured against.

- TFLite-Micro (the ``tflite-micro`` package, reference kernels): the ground truth. Generated C must
  equal it on every element; its recording allocator gives the arena figure we compare ours with.
- LiteRT (``ai-edge-litert``) with the reference op resolver, or ``tflite_runtime`` where that is
  what a user has: a second opinion, reported, never tuned against (it can differ by 1-2 LSB). With
  its default kernels it gives the quantize stage's int8 accuracy.

Both run in a child process (``isolated``), so a native crash is a one-line error. Used by
quantize (int8 accuracy), the compile command (the TFLite-Micro arena) and emulate (bit-exactness).
"""

from .isolated import ProgressHook, ReferenceRunError
from .litert import litert_input_quantization, litert_outputs, litert_run
from .shapes import vector_shape
from .tflm import tflm_arena_bytes, tflm_outputs, tflm_run

__all__ = ["ProgressHook", "ReferenceRunError", "litert_input_quantization", "litert_outputs",
           "litert_run", "tflm_arena_bytes", "tflm_outputs", "tflm_run", "vector_shape"]

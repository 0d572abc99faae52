"""Quantization stage: float Keras model -> full-integer int8 .tflite, float vs int8 accuracy.

- ``convert.py``: the batch-1 export and the TFLite converter (int8 input and output, per-channel
  conv weights, calibrated on a representative set drawn from the training split)
- ``stage.py``: the stage itself (``quantize``): converts, evaluates the .tflite with LiteRT on the
  test split (mcuforge.reference) and writes model.tflite, test_vectors.npz, quantize_metrics.json
- ``metrics.py``: ``QuantizeMetrics`` (quantize_metrics.json) and the confusion matrix
- ``command.py``: the `mcuforge quantize` command
"""

from .convert import convert_int8, quantize_input
from .metrics import QuantizeMetrics
from .stage import quantize

__all__ = ["QuantizeMetrics", "convert_int8", "quantize", "quantize_input"]

"""Helpers of the recurrent-op tests (test_svdf.py): a ModelBuilder that can mark tensors as
variable (schema ``Tensor.is_variable``, slot 5), which tests/tflite_builder.py does not write
and TFLite-Micro requires for the state of SVDF and LSTM.

(tflite_builder.ModelBuilder would be the natural home of ``add_variable``; it is kept here so
that the shared builder stays untouched.)
"""

from __future__ import annotations

import flatbuffers
import numpy as np

import tflite_builder as tb


class VariableModelBuilder(tb.ModelBuilder):
    """tb.ModelBuilder plus ``add_variable``: a non-constant tensor written with is_variable."""

    def __init__(self, description: str = "mcuforge test model"):
        super().__init__(description)
        self.variables: set[int] = set()

    def add_variable(self, shape, dtype: str, scale: float, zero_point: int,
                     name: str = "state") -> int:
        index = self.add_tensor(shape, dtype, scale=scale, zero_point=zero_point, name=name)
        self.variables.add(index)
        return index

    def _write_tensor(self, b: flatbuffers.Builder, index: int, t, buffer: int) -> int:
        # the layout of tb.ModelBuilder._write_tensor, with slot 5 (is_variable) added
        quant = None
        if t.scale is not None:
            scale_vec = b.CreateNumpyVector(np.array(t.scale, dtype=np.float32))
            zp_vec = b.CreateNumpyVector(np.array(t.zero_point, dtype=np.int64))
            b.StartObject(7)                                   # QuantizationParameters
            b.PrependUOffsetTRelativeSlot(2, scale_vec, 0)
            b.PrependUOffsetTRelativeSlot(3, zp_vec, 0)
            b.PrependInt32Slot(6, t.axis, 0)
            quant = b.EndObject()
        shape_vec = b.CreateNumpyVector(np.array(t.shape, dtype=np.int32))
        name = b.CreateString(t.name)
        b.StartObject(9)                                       # Tensor
        b.PrependUOffsetTRelativeSlot(0, shape_vec, 0)         # shape
        b.PrependInt8Slot(1, tb.TENSOR_TYPES[t.dtype], 0)      # type
        b.PrependUint32Slot(2, buffer, 0)                      # buffer
        b.PrependUOffsetTRelativeSlot(3, name, 0)              # name
        if quant is not None:
            b.PrependUOffsetTRelativeSlot(4, quant, 0)         # quantization
        if index in self.variables:
            b.PrependBoolSlot(5, True, False)                  # is_variable
        return b.EndObject()

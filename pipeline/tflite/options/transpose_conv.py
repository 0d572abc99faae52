"""Options of TRANSPOSE_CONV, lowered by compile/ops/transpose_conv.py.

Field ids and the union tag are those of the TFLite schema (schema.fbs: ``table
TransposeConvOptions { padding; stride_w; stride_h; fused_activation_function (version 4);
quantized_bias_type }``, member 49 of ``union BuiltinOptions``). TFLite-Micro reads padding,
strides and the fused activation (ParseTransposeConv); ``quantized_bias_type`` only names the
bias type, which the lowering reads from the bias tensor itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..graph import Activation, Padding
from . import activation, padding, positive


@dataclass(frozen=True)
class TransposeConvOptions:
    padding: Padding
    stride_w: int
    stride_h: int
    activation: Activation = Activation.NONE


def _transpose_conv(t, where: str, file: str) -> TransposeConvOptions:
    # padding, stride_w, stride_h, fused_activation_function, quantized_bias_type
    return TransposeConvOptions(
        padding=padding(t.scalar(0, "b", 0, "padding"), where, file),
        stride_w=positive(t.scalar(1, "i", 0, "stride_w"), "stride_w", where, file),
        stride_h=positive(t.scalar(2, "i", 0, "stride_h"), "stride_h", where, file),
        activation=activation(t.scalar(3, "b", 0, "fused_activation_function"), where, file),
    )


# op name -> (BuiltinOptions union tag, options table name, parser, options table required).
# Required: without the table TFLite-Micro leaves padding and strides unset.
PARSERS = {
    "TRANSPOSE_CONV": (49, "TransposeConvOptions", _transpose_conv, True),
}

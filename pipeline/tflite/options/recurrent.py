"""Options of the recurrent ops: SVDF (lowered by compile/ops/svdf.py) and
UNIDIRECTIONAL_SEQUENCE_LSTM (read by compile/ops/unidirectional_sequence_lstm.py, which is not
registered yet, so compiling it is the one-line "unsupported op" error).

Field ids and union tags are those of the TFLite schema (schema.fbs: ``table SVDFOptions {
rank; fused_activation_function; asymmetric_quantize_inputs }``, member 6 of ``union
BuiltinOptions``; ``table UnidirectionalSequenceLSTMOptions { fused_activation_function;
cell_clip; proj_clip; time_major; asymmetric_quantize_inputs; diagonal_recurrent_tensors }``,
member 71), read as TFLite-Micro's ParseSvdf and ParseUnidirectionalSequenceLSTM read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import ModelFileError
from ..graph import Activation
from . import activation, positive


@dataclass(frozen=True)
class SVDFOptions:
    rank: int
    activation: Activation = Activation.NONE     # TFLite-Micro's int8 SVDF does not apply it
    asymmetric_quantize_inputs: bool = False     # hybrid (float) models only


def _svdf(t, where: str, file: str) -> SVDFOptions:
    # rank, fused_activation_function, asymmetric_quantize_inputs
    return SVDFOptions(
        # TFLite-Micro divides the filter count by the rank: 0 would crash it
        rank=positive(t.scalar(0, "i", 0, "rank"), "rank", where, file),
        activation=activation(t.scalar(1, "b", 0, "fused_activation_function"), where, file),
        asymmetric_quantize_inputs=bool(t.scalar(2, "?", False, "asymmetric_quantize_inputs")),
    )


@dataclass(frozen=True)
class UnidirectionalSequenceLSTMOptions:
    activation: Activation = Activation.NONE     # the cell gate's nonlinearity (TANH)
    cell_clip: float = 0.0                       # 0: no clipping (float32 in the file)
    proj_clip: float = 0.0                       # projection only (not supported)
    time_major: bool = False                     # input [time, batch, n] rather than [batch, time, n]
    asymmetric_quantize_inputs: bool = False     # hybrid (float) models only
    diagonal_recurrent_tensors: bool = False


def _finite(t, field_id: int, name: str, where: str, file: str) -> float:
    value = t.scalar(field_id, "f", 0.0, name)
    if not math.isfinite(value):
        raise ModelFileError(f"{file}: {where}: {name} is {value}, must be finite")
    return value


def _unidirectional_sequence_lstm(t, where: str, file: str) -> UnidirectionalSequenceLSTMOptions:
    # fused_activation_function, cell_clip, proj_clip, time_major, asymmetric_quantize_inputs,
    # diagonal_recurrent_tensors
    return UnidirectionalSequenceLSTMOptions(
        activation=activation(t.scalar(0, "b", 0, "fused_activation_function"), where, file),
        cell_clip=_finite(t, 1, "cell_clip", where, file),
        proj_clip=_finite(t, 2, "proj_clip", where, file),
        time_major=bool(t.scalar(3, "?", False, "time_major")),
        asymmetric_quantize_inputs=bool(t.scalar(4, "?", False, "asymmetric_quantize_inputs")),
        diagonal_recurrent_tensors=bool(t.scalar(5, "?", False, "diagonal_recurrent_tensors")),
    )


# op name -> (BuiltinOptions union tag, options table name, parser, options table required).
# Required: without the table TFLite-Micro leaves the rank (SVDF) and the cell gate's
# nonlinearity (LSTM) unset.
PARSERS = {
    "SVDF": (6, "SVDFOptions", _svdf, True),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": (71, "UnidirectionalSequenceLSTMOptions",
                                     _unidirectional_sequence_lstm, True),
}

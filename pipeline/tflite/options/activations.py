"""Builtin options of the activation ops: LEAKY_RELU's alpha. (LOGISTIC, TANH, RELU, RELU6, ELU,
HARD_SWISH, PRELU and QUANTIZE have no option that changes their arithmetic.)"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import ModelFileError


@dataclass(frozen=True)
class LeakyReluOptions:
    alpha: float = 0.0       # the slope below zero (float32 in the file); any finite value


def _leaky_relu(t, where: str, file: str) -> LeakyReluOptions:
    # LeakyReluOptions { alpha: float; } (schema default 0.0, which TFLite-Micro also uses when
    # the table is absent)
    alpha = t.scalar(0, "f", 0.0, "alpha")
    if not math.isfinite(alpha):
        raise ModelFileError(f"{file}: {where}: alpha is {alpha}, must be finite")
    return LeakyReluOptions(alpha=alpha)


# op name -> (BuiltinOptions union tag, options table name, parser, options table required)
PARSERS = {
    "LEAKY_RELU": (75, "LeakyReluOptions", _leaky_relu, False),
}

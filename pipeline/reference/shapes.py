"""The one convention for what a "vector" is: one model input or output without its batch axis."""

from __future__ import annotations


def vector_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Per-vector shape of a tensor: the batch axis is dropped when it is 1 (the usual case); a
    model with a larger batch takes whole tensors."""
    return tuple(shape[1:]) if shape and shape[0] == 1 else tuple(shape)

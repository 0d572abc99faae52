"""Shape arithmetic of the element-wise, data-movement and reduction lowerings: the kernels see
the fewest dimensions that describe the operation (firmware/include/mcuforge_kernels.h)."""

from __future__ import annotations


def row_major_strides(shape: tuple[int, ...]) -> list[int]:
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return strides[::-1]


def merge_dims(dims: list[int], strides: list[list[int]]) -> tuple[list[int], list[list[int]]]:
    """Drops extent-1 dimensions and merges each dimension into the one before it wherever every
    operand walks the pair as one run (outer stride == inner stride * inner extent; two zero
    strides qualify too). ``strides`` has one list per operand. Returns at least one dimension."""
    keep = [d for d in range(len(dims)) if dims[d] != 1]
    out_dims: list[int] = []
    out_strides: list[list[int]] = [[] for _ in strides]
    for d in keep:
        if out_dims and all(s_out[-1] == s[d] * dims[d] for s_out, s in zip(out_strides, strides)):
            out_dims[-1] *= dims[d]
            for s_out, s in zip(out_strides, strides):
                s_out[-1] = s[d]
        else:
            out_dims.append(dims[d])
            for s_out, s in zip(out_strides, strides):
                s_out.append(s[d])
    if not out_dims:
        return [1], [[1] for _ in strides]
    return out_dims, out_strides


def broadcast_strides(shape: tuple[int, ...], operand: tuple[int, ...]) -> list[int]:
    """Strides (elements) that read ``operand`` at each index of the broadcast ``shape``: 0 along
    a dimension the operand repeats."""
    ext = (1,) * (len(shape) - len(operand)) + tuple(operand)
    natural = row_major_strides(ext)
    return [0 if e == 1 and d != 1 else s for e, d, s in zip(ext, shape, natural)]

"""Shared by the optimized adapters (no OPCODES: not an adapter): naming the new constant arrays,
building the call, the weight layouts of the DSP inner loops and the folded requantization
constants, with the generation-time checks that make the fast requantization exact."""

from __future__ import annotations

import dataclasses

import numpy as np

from ...backends import Fallback, Target
from ...params import CStruct, constants_of
from ...program import ConstArray, KernelCall

BACKEND = "optimized"           # KernelCall.backend: the folder firmware/kernels/optimized/
INT32_LIMIT = 2**31
# SXTB16 splits a word of 4 int8 (b0, b1, b2, b3) into the int16 pairs (b0, b2) and (b1, b3):
# weights are stored in that lane order so that SMLAD multiplies matching taps.
SXTB16_ORDER = np.array([0, 2, 1, 3])


def no_simd(target: Target) -> Fallback | None:
    if target.isa == "none":
        return Fallback("the optimized kernels need the DSP extension or Helium; this core has "
                        "neither")
    return None


def const(call: KernelCall, what: str, c_type: str, values) -> ConstArray:
    """A new constant array of this call, ``op<index>_<what>``."""
    dtype = {"int8_t": np.int8, "int16_t": np.int16, "int32_t": np.int32}[c_type]
    return ConstArray(name=f"op{call.op_index}_{what}", c_type=c_type,
                      values=np.ascontiguousarray(values, dtype=dtype).reshape(-1))


def adapted(call: KernelCall, kernel: str, function: str, params: CStruct,
            scratch_bytes: int = 0) -> KernelCall:
    """``call`` turned into a call of the optimized ``function`` (kernels/optimized/<kernel>.c);
    its constants are exactly what ``params`` points to (the portable arrays it no longer
    needs are not emitted)."""
    return dataclasses.replace(call, kernel=kernel, function=function, params=params,
                               backend=BACKEND, constants=tuple(constants_of(params)),
                               scratch_bytes=int(scratch_bytes), note="")


def round_up(n: int, m: int) -> int:
    return (int(n) + m - 1) // m * m


def values(array: ConstArray | None, n: int | None = None) -> np.ndarray:
    if array is None:
        return np.zeros(n or 0, dtype=np.int64)
    return np.asarray(array.values, dtype=np.int64)


def accumulator_bounds(weights: np.ndarray, input_offset: int, bias: np.ndarray) -> np.ndarray:
    """Per output channel (rows of ``weights``), the largest |TFLite-Micro accumulator|:
    |bias| + sum|w| * max|x + input_offset| over int8 x."""
    max_x = max(abs(-128 + input_offset), abs(127 + input_offset))
    return np.abs(bias) + np.abs(weights.astype(np.int64)).sum(axis=1) * max_x


def folded_bias(weights: np.ndarray, input_offset: int, bias: np.ndarray) -> np.ndarray:
    """bias + input_offset * sum(w) per row: the inner loop then multiplies raw int8 inputs."""
    return bias + input_offset * weights.astype(np.int64).sum(axis=1)


def dsp_quant(weights: np.ndarray, input_offset: int, bias: np.ndarray, multiplier: np.ndarray,
              shift: np.ndarray, output_offset: int) -> np.ndarray | Fallback:
    """[channels, 4] int32 {2 * bias', multiplier, e, 2^(e-1) + (output_offset << e)} for the DSP
    kernels' requantization (SMMULR of the doubled accumulator, then a rounding shift by e with
    the output offset folded in), or why it would not be exact for this layer."""
    shift = np.asarray(shift, dtype=np.int64)
    multiplier = np.asarray(multiplier, dtype=np.int64)
    if (shift > -1).any():
        k = int(np.argmax(shift > -1))
        return Fallback(f"channel {k} requantizes with shift {int(shift[k])} (effective scale "
                        f">= 0.5): the DSP kernels' requantization takes right shifts only")
    bound = accumulator_bounds(weights, input_offset, bias)
    if (bound >= 2**30).any():
        return Fallback(f"the accumulator can reach {int(bound.max()):,} (>= 2^30): the DSP "
                        f"kernels' requantization doubles it")
    e = -shift
    rounding = (1 << (e - 1)) + (output_offset << e)
    if (bound + 1 + np.abs(rounding) >= INT32_LIMIT).any():
        return Fallback("the requantization's rounding constant with the output offset leaves "
                        "int32 (right shift too large)")
    bias2 = 2 * folded_bias(weights, input_offset, bias)
    if (np.abs(bias2) >= INT32_LIMIT).any():
        return Fallback("the folded bias leaves int32")
    return np.stack([bias2, multiplier, e, rounding], axis=1)


def dsp_weight_rows(weights: np.ndarray, k_padded: int) -> np.ndarray:
    """[channels, k_padded] int16: each row zero-padded, every group of 4 in SXTB16 lane order,
    doubled (the accumulator then holds 2 * acc)."""
    rows, k = weights.shape
    out = np.zeros((rows, k_padded), dtype=np.int64)
    out[:, :k] = weights
    out = out.reshape(rows, k_padded // 4, 4)[:, :, SXTB16_ORDER].reshape(rows, k_padded)
    return (2 * out).astype(np.int16)


def dsp_channel_pairs(rows: np.ndarray) -> np.ndarray:
    """The rows of ``dsp_weight_rows`` interleaved by channel pairs, group by group:
    [c0 g0][c1 g0][c0 g1][c1 g1]... (4 values each); an odd last row follows whole."""
    n, k = rows.shape
    pairs = n // 2
    head = rows[:2 * pairs].reshape(pairs, 2, k // 4, 4).transpose(0, 2, 1, 3).reshape(-1)
    return np.concatenate([head, rows[2 * pairs:].reshape(-1)])


def mve_quant(bias: np.ndarray, multiplier: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """[channels / 4][4 fields][4 channels] int32 (channels a multiple of 4): bias', multiplier,
    left shift max(shift, 0), right shift min(shift, 0), for the Helium requantization."""
    fields = np.stack([bias, multiplier, np.maximum(shift, 0), np.minimum(shift, 0)])
    return fields.reshape(4, -1, 4).transpose(1, 0, 2)

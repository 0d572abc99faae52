"""AVERAGE_POOL_2D -> mf_opt_avg_pool2d_{dsp,mve}_s8 and MAX_POOL_2D -> mf_opt_max_pool2d_{dsp,
mve}_s8 (firmware/kernels/optimized/pooling_dsp.c on the DSP extension, pooling_mve.c on
Helium): every window, stride, padding and batch the portable lowering accepts.

Ahead of time, for the average: the counts the windows take (the in-bounds part of each window,
known per output position) and, per count d, the reciprocal ceil(2^32 / d) that turns the
rounded division into a high multiply, exact for this layer's sums (``reciprocals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np

from ...backends import Fallback, Target
from ...params import const_ptr, i32
from ...program import ConstArray, KernelCall
from ..pooling import Pool2DParams
from . import common as cm

OPCODES = ("AVERAGE_POOL_2D", "MAX_POOL_2D")
DSP_MAX_WINDOW = 256     # the DSP average sums in int16 lanes: |sum| <= 128 * 256


@dataclass(frozen=True)
class _PoolFields(Pool2DParams):
    """The portable kernel's fields, then the average's reciprocals (pooling_{dsp,mve}.h)."""

    count_min: int = i32()
    recip: ConstArray | None = const_ptr("int32_t")


@dataclass(frozen=True)
class OptPool2DDspParams(_PoolFields):
    """mf_opt_pool2d_dsp_params (firmware/kernels/optimized/pooling_dsp.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_pool2d_dsp_params"


@dataclass(frozen=True)
class OptPool2DMveParams(_PoolFields):
    """mf_opt_pool2d_mve_params (firmware/kernels/optimized/pooling_mve.h)."""

    C_TYPE: ClassVar[str] = "mf_opt_pool2d_mve_params"


def _extents(size: int, stride: int, pad: int, k: int, count: int) -> np.ndarray:
    """Per output position along one axis, how many window taps lie inside the input."""
    start = np.arange(count) * stride - pad
    return np.minimum(start + k, size) - np.maximum(start, 0)


def window_counts(p: Pool2DParams) -> np.ndarray:
    """Every output position's count of in-bounds window taps (the average's divisor)."""
    rows = _extents(p.input.h, p.stride_h, p.pad_h, p.filter_h, p.output.h)
    cols = _extents(p.input.w, p.stride_w, p.pad_w, p.filter_w, p.output.w)
    return np.unique(np.outer(rows, cols))


def reciprocal(d: int) -> int:
    """ceil(2^32 / d) for d >= 2, 0 for d = 1 (the mean of one tap is the tap)."""
    return 0 if d == 1 else -(-(1 << 32) // d)


def exact_reciprocal(d: int) -> bool:
    """(|sum| + d // 2) * reciprocal(d) >> 32 == (|sum| + d // 2) // d for every int8 sum of d
    taps: the error e = reciprocal * d - 2^32 < d must keep a * e < 2^32 for the largest
    a = 128 * d + d // 2."""
    return (128 * d + d // 2) * (d - 1) < (1 << 32)


def reciprocals(counts: np.ndarray) -> np.ndarray:
    """The table recip[d - min(counts)] for d up to max(counts), as int32 bits of the uint32."""
    lo, hi = int(counts.min()), int(counts.max())
    table = np.array([reciprocal(d) for d in range(lo, hi + 1)], dtype=np.int64)
    return np.where(table >= 1 << 31, table - (1 << 32), table)


def adapt(call: KernelCall, target: Target) -> KernelCall | Fallback:
    reason = cm.no_simd(target)
    if reason is not None:
        return reason
    p = cast(Pool2DParams, call.params)   # the adapter of Pool2DParams's opcodes
    mve = target.isa == "mve"
    isa = "mve" if mve else "dsp"
    cls = OptPool2DMveParams if mve else OptPool2DDspParams
    recip = None
    count_min = 0
    if call.opcode == "AVERAGE_POOL_2D":
        counts = window_counts(p)
        largest = int(counts.max())
        if not mve and largest > DSP_MAX_WINDOW:
            return Fallback(f"window of {largest} taps: the DSP average sums in int16 lanes, "
                            f"at most {DSP_MAX_WINDOW} taps")
        if not exact_reciprocal(largest):
            return Fallback(f"window of {largest} taps: the average's reciprocal multiply is "
                            f"not exact that far")
        count_min = int(counts.min())
        recip = cm.const(call, f"recip_{isa}", "int32_t", reciprocals(counts))
    params = cls(input=p.input, output=p.output, stride_h=p.stride_h, stride_w=p.stride_w,
                 filter_h=p.filter_h, filter_w=p.filter_w, pad_h=p.pad_h, pad_w=p.pad_w,
                 act_min=p.act_min, act_max=p.act_max, count_min=count_min, recip=recip)
    kind = "avg" if call.opcode == "AVERAGE_POOL_2D" else "max"
    return cm.adapted(call, f"pooling_{isa}", f"mf_opt_{kind}_pool2d_{isa}_s8", params)

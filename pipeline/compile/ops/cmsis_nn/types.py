"""Python mirrors of the CMSIS-NN structs the cmsis_nn kernels' params hold (CMSIS-NN's
Include/arm_nn_types.h), field for field, with C_TYPE the CMSIS typedef names.

Pointers that CMSIS-NN declares without const (the multipliers and shifts of the quantization
params, the context's buffer) point at constant arrays through ``const_ptr(..., cast=True)``: the
initializer casts, CMSIS-NN only reads them. The context's buffer is the call's scratch slot
(``NnContext``, ``buf = SCRATCH``), a constant array the Helium kernels read (``NnConstContext``),
or nothing (``NnNoContext``, NULL and 0): three Python spellings of one C struct.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...params import CStruct, arena_ptr, const_ptr, i32, nested
from ...program import ArenaRef, ConstArray


@dataclass(frozen=True)
class NnDims(CStruct):
    """cmsis_nn_dims: n (batches, or output channels of a filter), h, w, c."""

    C_TYPE: ClassVar[str] = "cmsis_nn_dims"
    n: int = i32()
    h: int = i32()
    w: int = i32()
    c: int = i32()


@dataclass(frozen=True)
class NnTile(CStruct):
    """cmsis_nn_tile: width first, then height."""

    C_TYPE: ClassVar[str] = "cmsis_nn_tile"
    w: int = i32()
    h: int = i32()


@dataclass(frozen=True)
class NnActivation(CStruct):
    """cmsis_nn_activation: the clamp bounds in the output's quantized domain."""

    C_TYPE: ClassVar[str] = "cmsis_nn_activation"
    min: int = i32()
    max: int = i32()


@dataclass(frozen=True)
class NnConvParams(CStruct):
    """cmsis_nn_conv_params."""

    C_TYPE: ClassVar[str] = "cmsis_nn_conv_params"
    input_offset: int = i32()       # -input zero point
    output_offset: int = i32()      # +output zero point
    stride: NnTile = nested(NnTile)
    padding: NnTile = nested(NnTile)
    dilation: NnTile = nested(NnTile)
    activation: NnActivation = nested(NnActivation)


@dataclass(frozen=True)
class NnDwConvParams(CStruct):
    """cmsis_nn_dw_conv_params."""

    C_TYPE: ClassVar[str] = "cmsis_nn_dw_conv_params"
    input_offset: int = i32()
    output_offset: int = i32()
    ch_mult: int = i32()
    stride: NnTile = nested(NnTile)
    padding: NnTile = nested(NnTile)
    dilation: NnTile = nested(NnTile)
    activation: NnActivation = nested(NnActivation)


@dataclass(frozen=True)
class NnPoolParams(CStruct):
    """cmsis_nn_pool_params."""

    C_TYPE: ClassVar[str] = "cmsis_nn_pool_params"
    stride: NnTile = nested(NnTile)
    padding: NnTile = nested(NnTile)
    activation: NnActivation = nested(NnActivation)


@dataclass(frozen=True)
class NnFcParams(CStruct):
    """cmsis_nn_fc_params."""

    C_TYPE: ClassVar[str] = "cmsis_nn_fc_params"
    input_offset: int = i32()
    filter_offset: int = i32()      # -weights zero point
    output_offset: int = i32()
    activation: NnActivation = nested(NnActivation)


@dataclass(frozen=True)
class NnPerChannelQuantParams(CStruct):
    """cmsis_nn_per_channel_quant_params (int32_t *multiplier, *shift: non-const in CMSIS-NN)."""

    C_TYPE: ClassVar[str] = "cmsis_nn_per_channel_quant_params"
    multiplier: ConstArray = const_ptr("int32_t", cast=True)
    shift: ConstArray = const_ptr("int32_t", cast=True)


@dataclass(frozen=True)
class NnQuantParams(CStruct):
    """cmsis_nn_quant_params: per-channel (is_per_channel 1, one value per output channel) or
    per-tensor (0, one value) multipliers and shifts."""

    C_TYPE: ClassVar[str] = "cmsis_nn_quant_params"
    multiplier: ConstArray = const_ptr("int32_t", cast=True)
    shift: ConstArray = const_ptr("int32_t", cast=True)
    is_per_channel: int = i32()


@dataclass(frozen=True)
class NnContext(CStruct):
    """cmsis_nn_context (void *buf, int32_t size) whose buffer is this call's scratch slot."""

    C_TYPE: ClassVar[str] = "cmsis_nn_context"
    buf: ArenaRef | ConstArray | None = arena_ptr("int8_t")   # `arena + N` converts to void *
    size: int = i32()


@dataclass(frozen=True)
class NnNoContext(NnContext):
    """A cmsis_nn_context without a buffer: buf = NULL, size = 0."""

    buf: None = const_ptr("void", cast=True)
    size: int = i32()


@dataclass(frozen=True)
class NnConstContext(NnContext):
    """A cmsis_nn_context whose buffer is a constant int32 array the kernel only reads (the
    Helium fully-connected kernel sums)."""

    buf: ConstArray = const_ptr("int32_t", cast=True)
    size: int = i32()


def no_context() -> NnNoContext:
    return NnNoContext(buf=None, size=0)


def dims(n: int, h: int, w: int, c: int) -> NnDims:
    return NnDims(int(n), int(h), int(w), int(c))


def tile(w: int, h: int) -> NnTile:
    return NnTile(int(w), int(h))


def activation(act_min: int, act_max: int) -> NnActivation:
    return NnActivation(int(act_min), int(act_max))

"""One op being lowered: its graph, its one-line errors and checked access to its tensors.

Every lowering starts with ``o = OpContext(graph, op)``. The accessors check what the int8 kernels
rely on (types, per-tensor activations, symmetric weights, shapes) and raise a one-line
``UnsupportedModelError`` (a valid model that mcuforge does not generate) or ``ModelFileError``
(the file contradicts itself), each naming the model, the op index and the opcode.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from ...errors import ModelFileError, UnsupportedModelError
from ...tflite.graph import DType, Graph, Operator, Tensor
from .. import quant
from ..program import ConstArray


class OpContext:
    def __init__(self, graph: Graph, op: Operator):
        self.graph = graph
        self.op = op
        self.where = f"{graph.name}.tflite: op {op.index} ({op.opcode})"

    def unsupported(self, message: str) -> NoReturn:
        raise UnsupportedModelError(f"{self.where}: {message}")

    def bad_file(self, message: str) -> NoReturn:
        raise ModelFileError(f"{self.where}: {message}")

    def name(self, what: str) -> str:
        """The C name of one of this op's constant arrays: ``op<index>_<what>``."""
        return f"op{self.op.index}_{what}"

    def options(self, cls: type, default=None):
        """The op's builtin options as ``cls``; ``default`` (an instance) when the file has none
        and the op has a default, else a ModelFileError."""
        options = self.op.options if self.op.options is not None else default
        if not isinstance(options, cls):
            self.bad_file(f"has no {cls.__name__}" if options is None
                          else f"has options that are not {cls.__name__}")
        return options

    # ---- tensors ----

    def input(self, k: int, role: str, optional: bool = False) -> Tensor | None:
        if k >= len(self.op.inputs) or self.op.inputs[k] < 0:
            if optional:
                return None
            self.bad_file(f"missing {role} (input {k})")
        return self.graph.tensor(self.op.inputs[k])

    def required_input(self, k: int, role: str) -> Tensor:
        t = self.input(k, role)
        assert t is not None
        return t

    def output(self, k: int = 0) -> Tensor:
        if len(self.op.outputs) <= k:
            self.bad_file(f"has {len(self.op.outputs)} outputs")
        return self.graph.tensor(self.op.outputs[k])

    def activation(self, t: Tensor, role: str, rank: int | None = None,
                   dtype: DType = DType.INT8) -> tuple[float, int]:
        """A per-tensor quantized, computed tensor of ``dtype`` (int8, or int16 in a 16x8 op):
        returns (scale, zero_point)."""
        label = f"{role} tensor '{t.name}'"
        if t.dtype is not dtype:
            self.unsupported(f"{label} is {t.dtype.name.lower()}; only {dtype.name.lower()} "
                             f"activations are supported here")
        if t.is_constant:
            self.unsupported(f"{label} is a constant; only computed activations are supported")
        if t.quant is None:
            self.unsupported(f"{label} has no quantization parameters")
        if t.quant.per_channel:
            self.unsupported(f"{label} is quantized per channel; activations must be per-tensor")
        if rank is not None and len(t.shape) != rank:
            self.bad_file(f"{label} has shape {list(t.shape)}; expected {rank} dimensions")
        if any(d <= 0 for d in t.shape):
            self.unsupported(f"{label} has an empty or dynamic shape {list(t.shape)}")
        return t.quant.scale[0], t.quant.zero_point[0]

    def symmetric(self, t: Tensor, role: str, zero_point: int) -> None:
        """An int16 activation of an op whose TFLite-Micro kernel ignores zero points: only 0
        (the converter's symmetric int16 quantization) gives the same result."""
        if zero_point != 0:
            self.unsupported(f"{role} tensor '{t.name}' has zero point {zero_point}; int16 "
                             f"activations must be symmetric (zero point 0)")

    def weights(self, t: Tensor, role: str, channels: int, axis: int, rank: int,
                allow_zero_point: bool = False) -> tuple[tuple[float, ...], int]:
        """A constant int8 filter with one scale or one per output channel along ``axis``;
        returns (scales, zero point). Zero points must be 0 unless ``allow_zero_point``."""
        label = f"{role} tensor '{t.name}'"
        if t.dtype is not DType.INT8:
            self.unsupported(f"{label} is {t.dtype.name.lower()}; only int8 weights are supported")
        if not t.is_constant:
            self.unsupported(f"{label} is computed at run time; only constant weights are "
                             f"supported")
        if len(t.shape) != rank:
            self.bad_file(f"{label} has shape {list(t.shape)}; expected {rank} dimensions")
        if t.quant is None:
            self.unsupported(f"{label} has no quantization parameters")
        scales, zps = t.quant.scale, t.quant.zero_point
        if len(scales) not in (1, channels):
            self.bad_file(f"{label} has {len(scales)} scales for {channels} output channels")
        if len(scales) > 1 and t.quant.axis != axis:
            self.unsupported(f"{label} is quantized along dimension {t.quant.axis}; "
                             f"expected dimension {axis}")
        nonzero = sorted({int(z) for z in zps if z != 0})
        if nonzero and not (allow_zero_point and len(zps) == 1):
            self.unsupported(f"{label} has zero point {nonzero[0]}; int8 weights must be "
                             f"symmetric (zero point 0)")
        return scales, int(zps[0])

    def bias(self, t: Tensor | None, channels: int) -> np.ndarray | None:
        if t is None:
            return None
        label = f"bias tensor '{t.name}'"
        if t.dtype is not DType.INT32:
            self.unsupported(f"{label} is {t.dtype.name.lower()}; int8 ops need an int32 bias")
        if not t.is_constant:
            self.unsupported(f"{label} is computed at run time; only a constant bias is supported")
        if t.num_elements != channels:
            self.bad_file(f"{label} has {t.num_elements} values for {channels} output channels")
        return np.asarray(t.data, dtype=np.int32).reshape(-1)

    def bias_s16(self, t: Tensor | None, channels: int) -> tuple[np.ndarray | None, bool]:
        """The bias of an int16-activation op, widened to int64, and whether TFLite-Micro
        accumulates in 64 bits: an int64 bias (or none) does, an int32 bias does not."""
        if t is None:
            return None, True
        label = f"bias tensor '{t.name}'"
        if t.dtype not in (DType.INT32, DType.INT64):
            self.unsupported(f"{label} is {t.dtype.name.lower()}; int16 ops need an int64 or "
                             f"int32 bias")
        if not t.is_constant:
            self.unsupported(f"{label} is computed at run time; only a constant bias is supported")
        if t.num_elements != channels:
            self.bad_file(f"{label} has {t.num_elements} values for {channels} output channels")
        return np.asarray(t.data, dtype=np.int64).reshape(-1), t.dtype is DType.INT64

    def int32_constant(self, k: int, role: str) -> np.ndarray:
        """A constant int32 input (axes, paddings), as int64 values."""
        t = self.required_input(k, role)
        if not t.is_constant:
            self.unsupported(f"{role} tensor '{t.name}' is computed at run time; it must be a "
                             f"constant")
        if t.dtype is not DType.INT32:
            self.unsupported(f"{role} tensor '{t.name}' is {t.dtype.name.lower()}; TFLite-Micro "
                             f"reads it as int32")
        return np.asarray(t.data, dtype=np.int64).reshape(-1)

    # ---- checks ----

    def expect_shape(self, t: Tensor, expected: tuple[int, ...], why: str) -> None:
        if tuple(t.shape) != tuple(expected):
            self.bad_file(f"output tensor '{t.name}' has shape {list(t.shape)}, but {why} gives "
                          f"{list(expected)}")

    def activation_range(self, activation, scale: float, zero_point: int,
                         dtype: DType = DType.INT8) -> tuple[int, int]:
        try:
            return quant.activation_range(activation, scale, zero_point,
                                          *quant.INT_RANGES[dtype.name.lower()])
        except quant.QuantError as err:
            self.unsupported(str(err))

    def accumulator_fits(self, abs_weight_sums: np.ndarray, input_zero_point: int,
                         bias: np.ndarray | None, dtype: DType = DType.INT8,
                         bits: int = 32) -> None:
        """|accumulator| < 2^(bits - 1) for every ``dtype`` input (bits 48: the 64-bit
        accumulator of an int16 op, whose requantization needs |x| < 2^47)."""
        bound = quant.accumulator_bound(abs_weight_sums, input_zero_point, bias,
                                        *quant.INT_RANGES[dtype.name.lower()])
        if bound >= 2 ** (bits - 1):
            self.unsupported(f"the accumulator can reach {bound:,} (>= 2^{bits - 1}) for some "
                             f"input; weights and bias too large for {bits}-bit accumulation")

    def multipliers(self, input_scale: float, filter_scales: tuple[float, ...],
                    output_scale: float, channels: int,
                    effective=quant.conv_effective_scale) -> tuple[np.ndarray, np.ndarray]:
        try:
            mults, shifts, _ = quant.per_channel_multipliers(input_scale, filter_scales,
                                                             output_scale, channels, effective)
        except quant.QuantError as err:
            self.unsupported(str(err))
        return mults, shifts

    def multiplier(self, real: float, what: str) -> tuple[int, int]:
        """``real`` as one (multiplier, shift) for a 32-bit requantization (shift <= 30)."""
        try:
            m, s = quant.quantize_multiplier(real)
        except quant.QuantError as err:
            self.unsupported(f"{what}: {err}")
        if s > 30:
            self.unsupported(f"{what} {real:.6g} is too large for a 32-bit requantization")
        return m, s

    def requant64_fits(self, shifts: np.ndarray) -> None:
        """The 64-bit requantization of an int16 op takes shifts up to quant.REQUANT64_MAX_SHIFT
        (an effective scale below 2^14)."""
        if shifts.size and int(shifts.max()) > quant.REQUANT64_MAX_SHIFT:
            self.unsupported(f"effective scale 2^{int(shifts.max()) - 1} or more (input * filter "
                             f"/ output) is too large for the 64-bit requantization of int16 ops")

    # ---- constant arrays ----

    def const(self, what: str, c_type: str, values: np.ndarray) -> ConstArray:
        """This op's constant array ``op<index>_<what>``, 1-D in the order the kernel reads it."""
        dtype = {"int8_t": np.int8, "int16_t": np.int16, "int32_t": np.int32,
                 "int64_t": np.int64}[c_type]
        return ConstArray(name=self.name(what), c_type=c_type,
                          values=np.ascontiguousarray(values, dtype=dtype).reshape(-1))


def same_quantization(a: tuple[float, int], b: tuple[float, int]) -> bool:
    """Scale (float32 values, compared exactly as TFLite-Micro does in double) and zero point."""
    return float(np.float32(a[0])) == float(np.float32(b[0])) and a[1] == b[1]

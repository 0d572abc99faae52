"""SVDF -> mf_svdf_s8 (firmware/kernels/svdf.c): int8 input and output, int8 feature weights,
int16 (or int8) time weights and activation state, as TFLite-Micro's EvalIntegerSvdfReference.

Inputs: 0 input [batch, input_size] int8; 1 weights_feature [filters, input_size] int8;
2 weights_time [filters, memory] int16 or int8; 3 bias [units] int32 (TFLite-Micro's int8 path
reads its scale, so it is required); 4 activation_state [batch, memory * filters], a variable
tensor of the time weights' type that keeps its value from one invocation to the next
(TFLite-Micro resets it to 0, or to the zero point for int8, when it allocates the model).

Arithmetic (done by TFLite-Micro in float32 where marked):
- scale 1 = f32(f32(input_scale * feature_scale) / state_scale): each filter's dot product
  sum(w * (x - input_zp)) is requantized with it, clamped to the state type, and stored (plus
  the state zero point) as the newest of the filter's `memory` state values, after the older
  ones moved one place towards the start;
- scale 2 = f32(f32(state_scale * time_scale) / output_scale): each unit's bias plus the
  `rank` dot products sum(w_time * (state - state_zp)) is requantized with it, plus the output
  zero point, clamped to int8. TFLite-Micro ignores the fused activation on this path, and so
  does the kernel (it is read and reported, never applied);
- TFLite-Micro refuses a bias scale more than 1e-5 away from f32(state_scale * time_scale).
The int32 sums can leave int32 for large time weights and states; TFLite-Micro's build wraps
them, and so does the kernel, explicitly (it has no undefined behaviour).

The state: a persistent arena slot of its own (the planner's variable-tensor slots, see
compile/planner.py), shared with no other tensor and kept from one invocation to the next, so SVDF
runs anywhere in a multi-op model. It starts all zero (static arena, and ``<name>_reset()``), which
is TFLite-Micro's start in the kernel's encoding (see firmware/kernels/svdf.h).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import DType, Graph, Operator, Tensor
from ...tflite.options.recurrent import SVDFOptions
from ..params import CStruct, arena_ptr, const_ptr, i32
from ..program import ArenaRef, ConstArray, KernelCall, state_ref
from .context import OpContext

OPCODES = ("SVDF",)

_STATE_TYPES = {DType.INT16: ("int16_t", -32768, 32767), DType.INT8: ("int8_t", -128, 127)}


@dataclass(frozen=True)
class SVDFParams(CStruct):
    """mf_svdf_params (firmware/kernels/svdf.h)."""

    C_TYPE: ClassVar[str] = "mf_svdf_params"
    batch: int = i32()
    input_size: int = i32()
    num_filters: int = i32()
    memory_size: int = i32()
    rank: int = i32()
    num_units: int = i32()
    input_offset: int = i32()         # -input zero point
    feature_multiplier: int = i32()   # scale 1
    feature_shift: int = i32()
    state_min: int = i32()            # range of the state type
    state_max: int = i32()
    state_zero_point: int = i32()
    output_multiplier: int = i32()    # scale 2
    output_shift: int = i32()
    output_offset: int = i32()        # +output zero point
    weights_feature: ConstArray = const_ptr("int8_t")
    weights_time_s16: ConstArray | None = const_ptr("int16_t")
    weights_time_s8: ConstArray | None = const_ptr("int8_t")
    bias: ConstArray | None = const_ptr("int32_t")
    state: ArenaRef = arena_ptr("int8_t")


def _f32(x: float) -> np.float32:
    return np.float32(x)


def _per_tensor(o: OpContext, t: Tensor, role: str, dtypes: tuple[DType, ...],
                rank: int) -> float:
    """A constant, per-tensor, symmetric weight tensor of one of ``dtypes``: its scale."""
    label = f"{role} tensor '{t.name}'"
    if t.dtype not in dtypes:
        names = " or ".join(d.name.lower() for d in dtypes)
        o.unsupported(f"{label} is {t.dtype.name.lower()}; the int8 SVDF takes {names}")
    if not t.is_constant:
        o.unsupported(f"{label} is computed at run time; only constant weights are supported")
    if len(t.shape) != rank:
        o.bad_file(f"{label} has shape {list(t.shape)}; expected {rank} dimensions")
    if t.quant is None:
        o.unsupported(f"{label} has no quantization parameters")
    if t.quant.per_channel:
        o.unsupported(f"{label} is quantized per channel; TFLite-Micro's SVDF uses one scale")
    if t.quant.zero_point[0] != 0:
        o.unsupported(f"{label} has zero point {t.quant.zero_point[0]}; TFLite-Micro's SVDF "
                      f"ignores it, so it must be 0")
    return t.quant.scale[0]


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(SVDFOptions)
    if len(op.inputs) != 5:
        o.bad_file(f"has {len(op.inputs)} inputs; SVDF takes input, weights_feature, "
                   f"weights_time, bias and activation_state")
    inp = o.required_input(0, "input")
    wf = o.required_input(1, "weights_feature")
    wt = o.required_input(2, "weights_time")
    state = o.required_input(4, "activation_state")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input", rank=2)
    out_scale, out_zp = o.activation(out, "output", rank=2)
    wf_scale = _per_tensor(o, wf, "weights_feature", (DType.INT8,), 2)
    wt_scale = _per_tensor(o, wt, "weights_time", (DType.INT16, DType.INT8), 2)

    batch, input_size = inp.shape
    num_filters, memory = wt.shape
    rank = options.rank
    if wf.shape != (num_filters, input_size):
        o.bad_file(f"weights_feature tensor '{wf.name}' has shape {list(wf.shape)}; expected "
                   f"[{num_filters}, {input_size}] (filters of weights_time, input size)")
    if num_filters % rank != 0:
        o.bad_file(f"{num_filters} filters are not a multiple of the rank {rank}")
    units = num_filters // rank
    o.expect_shape(out, (batch, units), f"{batch} batches of {num_filters} filters of rank {rank}")

    label = f"activation_state tensor '{state.name}'"
    if state.dtype is not wt.dtype:
        o.unsupported(f"{label} is {state.dtype.name.lower()} but weights_time is "
                      f"{wt.dtype.name.lower()}; TFLite-Micro reads the state as the time "
                      f"weights' type")
    if state.is_constant or not state.is_variable:
        o.unsupported(f"{label} is {'a constant' if state.is_constant else 'not variable'}; it "
                      f"must be a variable tensor (state kept across invocations)")
    if state.shape != (batch, memory * num_filters):
        o.bad_file(f"{label} has shape {list(state.shape)}; expected "
                   f"[{batch}, {memory * num_filters}] (batch, memory * filters)")
    if state.quant is None or state.quant.per_channel:
        o.unsupported(f"{label} needs one scale and zero point")
    state_scale, state_zp = state.quant.scale[0], state.quant.zero_point[0]

    bias_t = o.input(3, "bias", optional=True)
    if bias_t is None:
        o.unsupported("has no bias; TFLite-Micro's int8 SVDF reads the bias scale and cannot "
                      "run without one")
    bias = o.bias(bias_t, units)
    bias_scale = bias_t.quant.scale[0] if bias_t.quant is not None else 0.0
    state_time = float(_f32(state_scale) * _f32(wt_scale))
    if not abs(bias_scale - state_time) < 1e-5:
        o.unsupported(f"bias scale {bias_scale:.6g} is not within 1e-5 of state scale * "
                      f"weights_time scale = {state_time:.6g} (TFLite-Micro requires it)")

    scale_1 = float(_f32(_f32(in_scale) * _f32(wf_scale)) / _f32(state_scale))
    scale_2 = float(_f32(_f32(state_scale) * _f32(wt_scale)) / _f32(out_scale))
    m1, s1 = o.multiplier(scale_1, "input * weights_feature / state scale")
    m2, s2 = o.multiplier(scale_2, "state * weights_time / output scale")

    c_type, lo, hi = _STATE_TYPES[state.dtype]
    time = np.asarray(wt.data).reshape(-1)
    params = SVDFParams(
        batch=batch, input_size=input_size, num_filters=num_filters, memory_size=memory,
        rank=rank, num_units=units, input_offset=-in_zp,
        feature_multiplier=m1, feature_shift=s1, state_min=lo, state_max=hi,
        state_zero_point=state_zp, output_multiplier=m2, output_shift=s2, output_offset=out_zp,
        weights_feature=o.const("weights_feature", "int8_t", np.asarray(wf.data)),
        weights_time_s16=o.const("weights_time", "int16_t", time) if c_type == "int16_t" else None,
        weights_time_s8=o.const("weights_time", "int8_t", time) if c_type == "int8_t" else None,
        bias=o.const("bias", "int32_t", _required(bias)),
        state=state_ref(state.index),
    )
    return KernelCall.of(op, "svdf", "mf_svdf_s8", params, (inp.index,), (out.index,),
                         macs=int(batch * num_filters * (input_size + memory)),
                         state=(state.index,))


def _required(bias):
    """The bias: a missing one was rejected above (TFLite-Micro would read its scale)."""
    assert bias is not None
    return bias

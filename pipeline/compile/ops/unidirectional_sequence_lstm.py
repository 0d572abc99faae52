"""UNIDIRECTIONAL_SEQUENCE_LSTM -> mf_unidirectional_sequence_lstm_s8
(firmware/kernels/unidirectional_sequence_lstm.c): TFLite-Micro's integer LSTM, int8 input,
hidden state and output, int8 weights, int32 biases, int16 cell state.

TFLite-Micro (unidirectional_sequence_lstm.cc, lstm_eval*.cc) runs the standard LSTM only: 24
inputs, of which the CIFG-less gate weights (1-8: input-to-{input, forget, cell, output}
[state, input], recurrent-to-... [state, state]), the gate biases (12-15, [state]), the hidden
state (18, int8, variable) and the cell state (19, int16, variable) must be there, and the
peephole (9-11), projection (16-17) and layer-norm (20-23) tensors must be absent. It does not
read the operator's ``intermediates`` (the quantizer's gate scales): every gate's fully
connected output is int16 with scale 2^-12 (Q3.12), the sigmoid/tanh outputs have scale 2^-15
(Q0.15). Per time step and batch row:

    gate = sigma(clamp16(FC(x) + bias) +sat clamp16(FC(h)))   (tanh for the cell gate)
    c = clamp16(clamp16(f * c) + clamp16(i * g)), clipped to +-cell_clip when it is > 0
    h = clamp8(requant(tanh(c) * o) + hidden_zero_point); output[t] = h

FC multipliers f32(activation scale * weight scale) / 2^-12 (per-tensor weights, zero point 0:
TFLite-Micro's LSTM path has no per-channel multipliers); products 2^-15 * cell / cell,
2^-30 / cell and 2^-30 / hidden, in double. The cell's tanh reads the cell state as Q(15-p).p
with 2^-p the float32 round(log2(cell scale)) (CheckedLog2; the fractional part is ignored, as
TFLite-Micro ignores it). The sums wrap in int32 as TFLite-Micro's build does.

The states: the hidden (input 18) and cell (input 19) states are variable tensors, each in its
own persistent arena slot (compile/planner.py), kept from one invocation to the next as
TFLite-Micro keeps them, so the LSTM runs anywhere in a multi-op model. TFLite-Micro starts the
hidden state at its zero point and the cell state at 0; the kernel keeps the hidden state minus
its zero point, so the zeroed slots (static arena, ``<name>_reset()``) are that start.

The sigmoid/tanh table: TFLite-Micro interpolates 256 uint16 nodes near 65536 * sigmoid(k / 24),
tuned data that mcuforge may not copy and no formula of ours reproduces; the lowering reads them
back from the installed tflite-micro interpreter (compile.sigmoid_table, shared with the int16
LOGISTIC and TANH of ops/sigmoid_s16.py), and refuses in one line if that fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...tflite.graph import Activation, DType, Graph, Operator, Tensor
from ...tflite.options.recurrent import UnidirectionalSequenceLSTMOptions
from .. import quant
from ..params import CStruct, arena_ptr, const_ptr, i32, i32_array
from ..program import ArenaRef, ConstArray, KernelCall, state_ref
from .context import OpContext
from .sigmoid_s16 import nodes_array

OPCODES = ("UNIDIRECTIONAL_SEQUENCE_LSTM",)

GATES = ("input", "forget", "cell", "output")     # the order of the tensors and of the params
GATE_INPUT_SCALE = 2.0**-12     # fully connected outputs: Q3.12
GATE_OUTPUT_SCALE = 2.0**-15    # sigmoid and tanh outputs: Q0.15
# The cell's tanh scales the int16 cell by 3 * 2^(12 + p): beyond 2^14 that leaves int32.
TANH_MAX_LEFT_SHIFT = 14

_ABSENT = {9: "cell-to-input (peephole) weights", 10: "cell-to-forget (peephole) weights",
           11: "cell-to-output (peephole) weights", 16: "projection weights",
           17: "projection bias", 20: "input layer-norm coefficients",
           21: "forget layer-norm coefficients", 22: "cell layer-norm coefficients",
           23: "output layer-norm coefficients"}


@dataclass(frozen=True)
class UnidirectionalSequenceLSTMParams(CStruct):
    """mf_unidirectional_sequence_lstm_params (firmware/kernels/unidirectional_sequence_lstm.h)."""

    C_TYPE: ClassVar[str] = "mf_unidirectional_sequence_lstm_params"
    batch: int = i32()
    time_steps: int = i32()
    time_major: int = i32()             # 1: input [time, batch, input_size]
    input_size: int = i32()
    state_size: int = i32()
    input_offset: int = i32()           # -input zero point
    hidden_zero_point: int = i32()
    input_multiplier: tuple[int, ...] = i32_array(4)      # per gate, in GATES order
    input_shift: tuple[int, ...] = i32_array(4)
    recurrent_multiplier: tuple[int, ...] = i32_array(4)
    recurrent_shift: tuple[int, ...] = i32_array(4)
    forget_multiplier: int = i32()      # f * c -> c
    forget_shift: int = i32()
    update_multiplier: int = i32()      # i * g -> c
    update_shift: int = i32()
    hidden_multiplier: int = i32()      # tanh(c) * o -> h
    hidden_shift: int = i32()
    tanh_multiplier: int = i32()        # the cell's tanh input scaling
    tanh_right_shift: int = i32()
    clip: int = i32()                   # 1: clip the cell state to [-cell_clip, cell_clip]
    cell_clip: int = i32()
    input_weights: ConstArray = const_ptr("int8_t")       # [4][state][input]
    recurrent_weights: ConstArray = const_ptr("int8_t")   # [4][state][state]
    bias: ConstArray = const_ptr("int32_t")               # [4][state]
    sigmoid_table: ConstArray = const_ptr("uint16_t")     # [256] (compile.sigmoid_table)
    cell_state: ArenaRef = arena_ptr("int8_t")            # int16 [batch][state], persistent
    hidden_state: ArenaRef = arena_ptr("int8_t")          # h - zp, int8 [batch][state], persistent


def _weights(o: OpContext, t: Tensor, role: str, shape: tuple[int, int]) -> tuple[float, np.ndarray]:
    label = f"{role} tensor '{t.name}'"
    if t.dtype is not DType.INT8:
        o.unsupported(f"{label} is {t.dtype.name.lower()}; only int8 weights are supported")
    if not t.is_constant:
        o.unsupported(f"{label} is computed at run time; only constant weights are supported")
    if t.quant is None:
        o.unsupported(f"{label} has no quantization parameters")
    if t.quant.per_channel:
        o.unsupported(f"{label} is quantized per channel; TFLite-Micro's LSTM takes one scale "
                      f"per weight tensor")
    if t.quant.zero_point[0] != 0:
        o.unsupported(f"{label} has zero point {t.quant.zero_point[0]}; int8 weights must be "
                      f"symmetric (zero point 0)")
    if tuple(t.shape) != shape:
        o.bad_file(f"{label} has shape {list(t.shape)}; expected {list(shape)}")
    return t.quant.scale[0], np.asarray(t.data, dtype=np.int8)


def cell_scale_power(cell_scale: float) -> tuple[int, float]:
    """(round(log2(cell scale)), the fractional part) as TFLite-Micro's CheckedLog2."""
    return quant.checked_log2(cell_scale)


def _state(o: OpContext, k: int, role: str, dtype: DType,
           elements: int) -> tuple[Tensor, float, int]:
    """A state input: the variable tensor, its scale and zero point."""
    t = o.required_input(k, role)
    label = f"{role} tensor '{t.name}'"
    if t.dtype is not dtype:
        o.unsupported(f"{label} is {t.dtype.name.lower()}; the int8 LSTM keeps it as "
                      f"{dtype.name.lower()}")
    if t.is_constant or not t.is_variable:
        o.unsupported(f"{label} is {'a constant' if t.is_constant else 'not variable'}; it must "
                      f"be a variable tensor (state kept across invocations)")
    quant = t.quant
    if quant is None or quant.per_channel:
        o.unsupported(f"{label} needs one scale and zero point")
    if t.num_elements != elements:
        o.bad_file(f"{label} has shape {list(t.shape)}: {t.num_elements} values for "
                   f"{elements} (batch * state size)")
    return t, quant.scale[0], quant.zero_point[0]


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(UnidirectionalSequenceLSTMOptions)
    if len(op.inputs) != 24:
        o.bad_file(f"has {len(op.inputs)} inputs; TFLite-Micro's LSTM takes 24")
    for k, role in _ABSENT.items():
        if o.input(k, role, optional=True) is not None:
            o.unsupported(f"has {role} (input {k}); TFLite-Micro runs the standard LSTM only "
                          f"(no peephole, projection or layer normalization)")
    if options.activation is not Activation.TANH:
        o.unsupported(f"cell gate activation {options.activation.name}; TFLite-Micro's LSTM "
                      f"takes TANH")
    inp = o.required_input(0, "input")
    out = o.output()
    in_scale, in_zp = o.activation(inp, "input", rank=3)
    o.activation(out, "output", rank=3)
    hidden_t = o.required_input(18, "hidden state")
    if len(hidden_t.shape) != 2:
        o.unsupported(f"hidden state tensor '{hidden_t.name}' has shape "
                      f"{list(hidden_t.shape)}; TFLite-Micro reads the state size from its "
                      f"second dimension")
    state_size = int(hidden_t.shape[1])
    if options.time_major:
        time_steps, batch, input_size = inp.shape
    else:
        batch, time_steps, input_size = inp.shape
    hidden, h_scale, h_zp = _state(o, 18, "hidden state", DType.INT8, batch * state_size)
    cell, c_scale, _ = _state(o, 19, "cell state", DType.INT16, batch * state_size)
    o.expect_shape(out, (inp.shape[0], inp.shape[1], state_size),
                   f"an LSTM of state size {state_size} over input {list(inp.shape)}")

    in_mults, in_shifts, rec_mults, rec_shifts = [], [], [], []
    input_weights, recurrent_weights, biases = [], [], []
    for g, gate in enumerate(GATES):
        w_scale, w = _weights(o, o.required_input(1 + g, f"input-to-{gate} weights"),
                              f"input-to-{gate} weights", (state_size, input_size))
        r_scale, r = _weights(o, o.required_input(5 + g, f"recurrent-to-{gate} weights"),
                              f"recurrent-to-{gate} weights", (state_size, state_size))
        bias_t = o.required_input(12 + g, f"{gate} gate bias")
        if len(bias_t.shape) != 1:
            o.bad_file(f"{gate} gate bias tensor '{bias_t.name}' has shape "
                       f"{list(bias_t.shape)}; expected [{state_size}]")
        bias = o.bias(bias_t, state_size)
        assert bias is not None       # a required input
        biases.append(bias)
        m, s = o.multiplier(quant.fc_per_tensor_effective_scale(in_scale, w_scale,
                                                                  GATE_INPUT_SCALE),
                           f"{gate} gate input scale * weight scale / 2^-12")
        in_mults.append(m)
        in_shifts.append(s)
        m, s = o.multiplier(quant.fc_per_tensor_effective_scale(h_scale, r_scale,
                                                                  GATE_INPUT_SCALE),
                           f"{gate} gate hidden scale * weight scale / 2^-12")
        rec_mults.append(m)
        rec_shifts.append(s)
        input_weights.append(w)
        recurrent_weights.append(r)

    forget = o.multiplier(GATE_OUTPUT_SCALE * c_scale / c_scale, "forget * cell scale")
    update = o.multiplier(GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / c_scale,
                         "2^-30 / cell state scale")
    hidden_m = o.multiplier(GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / h_scale,
                           "2^-30 / hidden state scale")

    power, frac = cell_scale_power(c_scale)
    if abs(abs(frac) - 0.5) < 1e-4:
        o.unsupported(f"cell state scale {c_scale:.6g} lies half way between two powers of two; "
                      f"TFLite-Micro's rounding of its log2 is not reproducible")
    left = 12 + power
    if left > TANH_MAX_LEFT_SHIFT:
        o.unsupported(f"cell state scale {c_scale:.6g} is too coarse: the cell's tanh input "
                      f"(cell * 3 * 2^{left}) leaves int32")
    tanh_multiplier, tanh_right_shift = (3 << left, 0) if left >= 0 else (3, -left)

    clip = options.cell_clip > 0
    cell_clip = 0
    if clip:
        cell_clip = int(math.trunc(min(max(float(np.float32(options.cell_clip)) / c_scale,
                                           -32768.0), 32767.0)))

    table = nodes_array(o)

    params = UnidirectionalSequenceLSTMParams(
        batch=batch, time_steps=time_steps, time_major=int(options.time_major),
        input_size=input_size, state_size=state_size, input_offset=-in_zp,
        hidden_zero_point=h_zp,
        input_multiplier=tuple(in_mults), input_shift=tuple(in_shifts),
        recurrent_multiplier=tuple(rec_mults), recurrent_shift=tuple(rec_shifts),
        forget_multiplier=forget[0], forget_shift=forget[1],
        update_multiplier=update[0], update_shift=update[1],
        hidden_multiplier=hidden_m[0], hidden_shift=hidden_m[1],
        tanh_multiplier=tanh_multiplier, tanh_right_shift=tanh_right_shift,
        clip=int(clip), cell_clip=cell_clip,
        input_weights=o.const("input_weights", "int8_t", np.stack(input_weights)),
        recurrent_weights=o.const("recurrent_weights", "int8_t", np.stack(recurrent_weights)),
        bias=o.const("bias", "int32_t", np.stack(biases)),
        sigmoid_table=table,
        cell_state=state_ref(cell.index),
        hidden_state=state_ref(hidden.index),
    )
    return KernelCall.of(op, "unidirectional_sequence_lstm",
                         "mf_unidirectional_sequence_lstm_s8", params, (inp.index,),
                         (out.index,),
                         macs=int(batch * time_steps * 4 * state_size * (input_size + state_size)),
                         state=(cell.index, hidden.index))

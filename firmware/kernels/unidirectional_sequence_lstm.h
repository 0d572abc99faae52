/*
 * mcuforge kernel: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state.
 * The params struct is mirrored field for field by
 * mcuforge.compile.ops.unidirectional_sequence_lstm;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_UNIDIRECTIONAL_SEQUENCE_LSTM_H
#define MF_KERNEL_UNIDIRECTIONAL_SEQUENCE_LSTM_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The standard LSTM (no peephole, projection or layer norm) over a sequence, as TFLite-Micro's
 * integer kernel. input [batch, time, input_size] (time_major 0) or [time, batch, input_size]
 * (time_major 1) int8; output the same with state_size values per step, int8: each step's
 * new hidden state.
 *
 * Gates g = 0..3 are input, forget, cell, output. input_weights [4][state][input_size] and
 * recurrent_weights [4][state][state] int8; bias [4][state] int32. For each batch row, step by
 * step, and each unit u (all units read the hidden state of the previous step):
 *   pre_g = clamp16(requant(sum (x + input_offset) * w_in + bias, input_*[g]))
 *        +sat clamp16(requant(sum (h - hidden_zero_point) * w_rec, recurrent_*[g]))  (Q3.12)
 *   i, f, o = sigmoid(pre) and g = tanh(pre), Q0.15, by TFLite-Micro's int16 table method on
 *   sigmoid_table: 256 non-decreasing uint16 nodes from 32768 up to at most 65535
 *   c = clamp16(clamp16(requant(f * c, forget_*)) + clamp16(requant(i * g, update_*)))
 *   c = clamp(c, -cell_clip, cell_clip) if clip
 *   h = clamp8(requant(tanh_cell(c) * o, hidden_*) + hidden_zero_point)
 * where tanh_cell first scales c by tanh_multiplier / 2^tanh_right_shift (rounding) to the
 * Q3.12-times-3 input of the table method.
 *
 * The states are the variable tensors' persistent arena slots, all zero before the first call
 * (static arena, <name>_reset()): cell_state (2-byte aligned) the cell state [batch][state]
 * int16, as TFLite-Micro's, which starts at 0; hidden_state [batch][state] kept as
 * h - hidden_zero_point wrapped to int8, so that zero is TFLite-Micro's start (every value at the
 * zero point). Each batch row runs its time steps in order, every unit of a step reading the
 * hidden state of the step before; the states left after the last step carry to the next call.
 *
 * Ranges: multipliers in [2^30, 2^31) or 0, shifts in [-31, 30]; tanh_multiplier * 32768 * 3
 * below 2^31; 0 <= cell_clip <= 32767. The dot products wrap modulo 2^32 (as TFLite-Micro's
 * int32 sums do); every other intermediate fits its type. */
typedef struct {
    int32_t batch, time_steps, time_major, input_size, state_size;
    int32_t input_offset, hidden_zero_point;
    int32_t input_multiplier[4], input_shift[4];
    int32_t recurrent_multiplier[4], recurrent_shift[4];
    int32_t forget_multiplier, forget_shift;
    int32_t update_multiplier, update_shift;
    int32_t hidden_multiplier, hidden_shift;
    int32_t tanh_multiplier, tanh_right_shift;
    int32_t clip, cell_clip;
    const int8_t *input_weights;
    const int8_t *recurrent_weights;
    const int32_t *bias;
    const uint16_t *sigmoid_table;
    int8_t *cell_state;
    int8_t *hidden_state;
} mf_unidirectional_sequence_lstm_params;

mf_status mf_unidirectional_sequence_lstm_s8(const mf_unidirectional_sequence_lstm_params *p,
                                             const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_UNIDIRECTIONAL_SEQUENCE_LSTM_H */

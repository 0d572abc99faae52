/*
 * mcuforge: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state.
 * Portable C99 reference implementation; see unidirectional_sequence_lstm.h for the contract.
 *
 * The sigmoid and tanh of int16 values are TFLite-Micro's table method, sigmoid_s16.c's per-value
 * functions on the params' sigmoid_table (the 256 nodes the generator read back from
 * TFLite-Micro).
 */
#include <string.h>

#include "unidirectional_sequence_lstm.h"
#include "sigmoid_s16.h"
#include "mf_fixedpoint.h"

/* sigmoid(x / 2^12) in Q0.15 for x in Q3.12: the table method's input is 3x (|3x| <= 98304). */
static int32_t mf_lstm_sigmoid(const uint16_t *table, int32_t x)
{
    return mf_sigmoid_s16_value(table, 3 * x);
}

/* v modulo 256 as a signed 8-bit value, without implementation-defined conversions. */
static int32_t mf_lstm_wrap8(int32_t v)
{
    const int32_t r = (int32_t)((uint32_t)v & 0xFFu);
    return (r >= 128) ? r - 256 : r;
}

/* A gate's input (Q3.12): both fully connected parts clamped to int16, then added saturating. */
static int32_t mf_lstm_gate(const mf_unidirectional_sequence_lstm_params *p, int g, int32_t u,
                            const int8_t *x, const int8_t *hidden)
{
    const int32_t n_in = p->input_size, n_state = p->state_size;
    const int8_t *w = p->input_weights + ((int32_t)g * n_state + u) * n_in;
    const int8_t *r = p->recurrent_weights + ((int32_t)g * n_state + u) * n_state;
    int32_t acc = 0, rec = 0, d;
    for (d = 0; d < n_in; ++d) {
        acc = mf_add_wrapping(acc, (int32_t)w[d] * ((int32_t)x[d] + p->input_offset));
    }
    acc = mf_add_wrapping(acc, p->bias[(int32_t)g * n_state + u]);
    acc = mf_clamp(mf_multiply_by_quantized_multiplier(acc, p->input_multiplier[g],
                                                       p->input_shift[g]), -32768, 32767);
    for (d = 0; d < n_state; ++d) {
        /* the state keeps h - zp wrapped to int8: h itself is the wrap of that plus zp, and
         * TFLite-Micro multiplies by h - zp (in [-255, 255]) */
        const int32_t zp = p->hidden_zero_point;
        const int32_t h = mf_lstm_wrap8((int32_t)hidden[d] + zp) - zp;
        rec = mf_add_wrapping(rec, (int32_t)r[d] * h);
    }
    rec = mf_clamp(mf_multiply_by_quantized_multiplier(rec, p->recurrent_multiplier[g],
                                                       p->recurrent_shift[g]), -32768, 32767);
    return mf_clamp(acc + rec, -32768, 32767);
}

/* a * b requantized (a, b int16: the product fits in int32) */
static int32_t mf_lstm_mul(int32_t a, int32_t b, int32_t multiplier, int32_t shift)
{
    return mf_multiply_by_quantized_multiplier(a * b, multiplier, shift);
}

mf_status mf_unidirectional_sequence_lstm_s8(const mf_unidirectional_sequence_lstm_params *p,
                                             const int8_t *input, int8_t *output)
{
    enum { GATE_I = 0, GATE_F = 1, GATE_G = 2, GATE_O = 3 };
    const int32_t n_in = p->input_size, n_state = p->state_size;
    const int32_t zp = p->hidden_zero_point;
    const uint16_t *tab = p->sigmoid_table;
    int32_t b, t, u;

    if (tab == NULL || n_state < 1 || n_in < 1 || p->cell_clip < 0) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->batch; ++b) {
        int8_t *cell = p->cell_state + (size_t)2 * (size_t)(b * n_state);
        int8_t *hidden = p->hidden_state + (size_t)(b * n_state);
        for (t = 0; t < p->time_steps; ++t) {
            const int32_t row = p->time_major ? t * p->batch + b : b * p->time_steps + t;
            const int8_t *x = input + row * n_in;
            int8_t *y = output + row * n_state;
            for (u = 0; u < n_state; ++u) {
                const int32_t in_gate = mf_lstm_sigmoid(tab, mf_lstm_gate(p, GATE_I, u, x, hidden));
                const int32_t forget = mf_lstm_sigmoid(tab, mf_lstm_gate(p, GATE_F, u, x, hidden));
                const int32_t update =
                    mf_tanh_s16_value(tab, 3 * mf_lstm_gate(p, GATE_G, u, x, hidden));
                const int32_t out_gate = mf_lstm_sigmoid(tab, mf_lstm_gate(p, GATE_O, u, x, hidden));
                int16_t c16;
                int32_t c, kept, added, hv;
                memcpy(&c16, cell + 2 * u, sizeof c16);
                kept = mf_clamp(mf_lstm_mul(forget, c16, p->forget_multiplier, p->forget_shift),
                                -32768, 32767);
                added = mf_clamp(mf_lstm_mul(in_gate, update, p->update_multiplier,
                                             p->update_shift), -32768, 32767);
                c = mf_clamp(kept + added, -32768, 32767);
                if (p->clip) {
                    c = mf_clamp(c, -p->cell_clip, p->cell_clip);
                }
                c16 = (int16_t)c;
                memcpy(cell + 2 * u, &c16, sizeof c16);
                hv = mf_lstm_mul(mf_tanh_s16_value(tab, mf_sigmoid_s16_scale(c, p->tanh_multiplier,
                                                                             p->tanh_right_shift)),
                                 out_gate, p->hidden_multiplier, p->hidden_shift);
                y[u] = (int8_t)mf_clamp(hv + zp, -128, 127);
            }
            /* every unit has read the previous hidden state: now replace it (as h - zp) */
            for (u = 0; u < n_state; ++u) {
                hidden[u] = (int8_t)mf_lstm_wrap8((int32_t)y[u] - zp);
            }
        }
    }
    return MF_OK;
}

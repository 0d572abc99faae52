/*
 * mcuforge: SVDF, int8 input/output, int16 or int8 time weights and activation state.
 * Portable C99 reference implementation; see svdf.h for the parameter contract.
 *
 * The state is a byte buffer in the arena; int16 values are read and written with memcpy (no
 * alignment or aliasing assumptions; compilers turn it into one load or store).
 */
#include <string.h>

#include "svdf.h"
#include "mf_fixedpoint.h"

/* v modulo 2^bits as a signed bits-wide value (bits 8 or 16), without implementation-defined
 * conversions: what TFLite-Micro's store of an int32 into the state type gives. */
static int32_t mf_svdf_wrap(int32_t v, int bits)
{
    const uint32_t mask = ((uint32_t)1 << bits) - 1u;
    const int32_t r = (int32_t)((uint32_t)v & mask);
    return (r >= ((int32_t)1 << (bits - 1))) ? r - ((int32_t)1 << bits) : r;
}

static int32_t mf_svdf_load(const int8_t *state, int wide, int32_t i)
{
    if (wide) {
        int16_t v;
        memcpy(&v, state + 2 * i, sizeof v);
        return v;
    }
    return state[i];
}

static void mf_svdf_store(int8_t *state, int wide, int32_t i, int32_t v)
{
    if (wide) {
        const int16_t s = (int16_t)v;      /* v is already within int16 */
        memcpy(state + 2 * i, &s, sizeof s);
    } else {
        state[i] = (int8_t)v;              /* v is already within int8 */
    }
}

mf_status mf_svdf_s8(const mf_svdf_params *p, const int8_t *input, int8_t *output)
{
    const int wide = (p->weights_time_s16 != NULL);
    const int bytes = wide ? 2 : 1;
    const int32_t n_in = p->input_size, n_filter = p->num_filters, n_mem = p->memory_size;
    const int32_t zp = p->state_zero_point;
    int32_t b, f, u, c, j, r;

    if ((p->weights_time_s16 == NULL) == (p->weights_time_s8 == NULL) || p->rank < 1 ||
        n_mem < 1 || p->num_units * p->rank != n_filter) {
        return MF_ERROR_ARGUMENT;
    }

    for (b = 0; b < p->batch; ++b) {
        const int8_t *x = input + b * n_in;
        int8_t *batch_state = p->state + (size_t)b * (size_t)n_filter * (size_t)n_mem * bytes;

        /* 1. feature step: age each filter's row, append the new value */
        for (f = 0; f < n_filter; ++f) {
            int8_t *row = batch_state + (size_t)f * (size_t)n_mem * bytes;
            const int8_t *w = p->weights_feature + f * n_in;
            int32_t dot = 0;
            int32_t v;
            memmove(row, row + bytes, (size_t)(n_mem - 1) * (size_t)bytes);
            for (c = 0; c < n_in; ++c) {
                /* |w * (x + input_offset)| <= 128 * 255; the sum wraps like TFLite-Micro's */
                dot = mf_add_wrapping(dot, (int32_t)w[c] * ((int32_t)x[c] + p->input_offset));
            }
            v = mf_multiply_by_quantized_multiplier(dot, p->feature_multiplier,
                                                    p->feature_shift);
            v = mf_clamp(v, p->state_min, p->state_max);
            /* int16 keeps the stored value itself; int8 keeps it minus the zero point */
            v = wide ? mf_svdf_wrap(mf_add_wrapping(v, zp), 16) : v;
            mf_svdf_store(row, wide, n_mem - 1, v);
        }

        /* 2. time step, reduction over the rank, bias, requantization */
        for (u = 0; u < p->num_units; ++u) {
            int32_t acc = (p->bias != NULL) ? p->bias[u] : 0;
            int32_t y;
            for (r = 0; r < p->rank; ++r) {
                const int32_t filter = u * p->rank + r;
                const int8_t *row = batch_state + (size_t)filter * (size_t)n_mem * bytes;
                for (j = 0; j < n_mem; ++j) {
                    const int32_t stored = mf_svdf_load(row, wide, j);
                    const int32_t s = wide ? stored : mf_svdf_wrap(stored + zp, 8);
                    const int32_t w = wide ? (int32_t)p->weights_time_s16[filter * n_mem + j]
                                           : (int32_t)p->weights_time_s8[filter * n_mem + j];
                    /* |w| <= 2^15 and |s - zp| <= 2^16 - 1: the product fits in int32 */
                    acc = mf_add_wrapping(acc, w * (s - zp));
                }
            }
            y = mf_multiply_by_quantized_multiplier(acc, p->output_multiplier, p->output_shift);
            y = mf_add_wrapping(y, p->output_offset);
            output[b * p->num_units + u] = (int8_t)mf_clamp(y, -128, 127);
        }
    }
    return MF_OK;
}

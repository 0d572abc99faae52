/*
 * mcuforge: FULLY_CONNECTED, int16 activations, int8 weights, per-tensor or per-channel
 * requantization. Portable C99 reference implementation; see fully_connected_s16.h.
 */
#include "fully_connected_s16.h"
#include "mf_fixedpoint.h"

mf_status mf_fully_connected_s16(const mf_fully_connected_s16_params *p, const int16_t *input,
                                 int16_t *output)
{
    const int32_t depth = p->accum_depth;
    const int32_t units = p->output_depth;
    int32_t b, o, d;

    if (depth < 1 || units < 1) {
        return MF_ERROR_ARGUMENT;
    }

    for (b = 0; b < p->batches; ++b) {
        const int16_t *x = input + b * depth;
        for (o = 0; o < units; ++o) {
            const int8_t *w = p->filter_data + o * depth;
            const int32_t q = p->per_channel ? o : 0;
            int32_t acc;
            /* |w + filter_offset| <= 255, |x + input_offset| <= 65535: each product fits in
             * int32. The generator bounded sum(|w + filter_offset|) * max|x + input_offset| +
             * |bias| below 2^31 (acc64 == 0) or 2^47 (acc64 != 0) for every output unit, so no
             * partial sum overflows its accumulator. */
            if (p->acc64) {
                int64_t acc64 = 0;
                for (d = 0; d < depth; ++d) {
                    acc64 += (int64_t)(((int32_t)w[d] + p->filter_offset) *
                                       ((int32_t)x[d] + p->input_offset));
                }
                if (p->bias != 0) {
                    acc64 += p->bias[o];
                }
                acc = mf_multiply_by_quantized_multiplier64(acc64, p->multiplier[q], p->shift[q]);
            } else {
                acc = 0;
                for (d = 0; d < depth; ++d) {
                    acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
                }
                if (p->bias != 0) {
                    acc += (int32_t)p->bias[o];
                }
                acc = mf_multiply_by_quantized_multiplier(acc, p->multiplier[q], p->shift[q]);
            }
            acc = mf_add_wrapping(acc, p->output_offset);
            output[b * units + o] = (int16_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}

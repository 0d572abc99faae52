/*
 * mcuforge: FULLY_CONNECTED, int8 activations and weights, per-tensor or per-channel
 * requantization. Portable C99 reference implementation; see mcuforge_kernels.h.
 */
#include "fully_connected.h"
#include "mf_fixedpoint.h"

mf_status mf_fully_connected_s8(const mf_fully_connected_params *p, const int8_t *input,
                                int8_t *output)
{
    const int32_t depth = p->accum_depth;
    const int32_t units = p->output_depth;
    const int32_t input_offset = p->input_offset;
    const int32_t filter_offset = p->filter_offset;
    int32_t b, o, d;

    if (depth < 1 || units < 1) {
        return MF_ERROR_ARGUMENT;
    }

    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * depth;
        for (o = 0; o < units; ++o) {
            const int8_t *w = p->filter_data + o * depth;
            const int32_t q = p->per_channel ? o : 0;
            int32_t acc = 0;
            /* |w + filter_offset| <= 255 and |x + input_offset| <= 255; the generator bounded
             * sum(|w + filter_offset|) * max|x + input_offset| + |bias| below 2^31 for every
             * output unit, so no partial sum can overflow. */
            for (d = 0; d < depth; ++d) {
                acc += ((int32_t)w[d] + filter_offset) * ((int32_t)x[d] + input_offset);
            }
            if (p->bias != 0) {
                acc += p->bias[o];
            }
            acc = mf_multiply_by_quantized_multiplier(acc, p->multiplier[q], p->shift[q]);
            acc = mf_add_wrapping(acc, p->output_offset);
            output[b * units + o] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
        }
    }
    return MF_OK;
}

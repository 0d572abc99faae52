/*
 * mcuforge: QUANTIZE int8 -> int16, int16 -> int8, int16 -> int16. Portable C99; see
 * quantize_s16.h.
 */
#include "quantize_s16.h"
#include "mf_fixedpoint.h"

static int32_t requantize(const mf_quantize_s16_params *p, int32_t x)
{
    return mf_add_wrapping(mf_multiply_by_quantized_multiplier(x + p->input_offset, p->multiplier,
                                                               p->shift),
                           p->output_offset);
}

mf_status mf_quantize_s8_s16(const mf_quantize_s16_params *p, const int8_t *input,
                             int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int16_t)mf_clamp(requantize(p, input[i]), INT16_MIN, INT16_MAX);
    }
    return MF_OK;
}

mf_status mf_quantize_s16_s8(const mf_quantize_s16_params *p, const int16_t *input,
                             int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int8_t)mf_clamp(requantize(p, input[i]), INT8_MIN, INT8_MAX);
    }
    return MF_OK;
}

mf_status mf_quantize_s16_s16(const mf_quantize_s16_params *p, const int16_t *input,
                              int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int16_t)mf_clamp(requantize(p, input[i]), INT16_MIN, INT16_MAX);
    }
    return MF_OK;
}

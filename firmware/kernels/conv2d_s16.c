/*
 * mcuforge: CONV_2D, int16 activations, int8 weights, per-channel requantization.
 * Portable C99 reference implementation; see conv2d_s16.h for the parameter contract.
 */
#include "conv2d_s16.h"
#include "mf_fixedpoint.h"

/* The sum over one output's window of w * x: |w| <= 128, |x| <= 32768, so each product fits in
 * int32. The generator bounded sum(|w|) * 32768 + |bias| per output channel below 2^31
 * (acc64 == 0) or 2^47 (acc64 != 0), so no partial sum overflows the accumulator used. */
static int64_t window_sum(const mf_conv2d_s16_params *p, const int16_t *in_batch,
                          const int8_t *filter, int32_t y0, int32_t x0, int32_t first_in_c)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w, k_c = p->filter.c;
    int64_t acc64 = 0;
    int32_t acc32 = 0;
    int32_t ky, kx, ic;
    for (ky = 0; ky < k_h; ++ky) {
        const int32_t iy = y0 + ky * p->dilation_h;
        if (iy < 0 || iy >= in_h) {
            continue;       /* zero padding: the term is left out */
        }
        for (kx = 0; kx < k_w; ++kx) {
            const int32_t ix = x0 + kx * p->dilation_w;
            const int16_t *x;
            const int8_t *w;
            if (ix < 0 || ix >= in_w) {
                continue;
            }
            x = in_batch + (iy * in_w + ix) * in_c + first_in_c;
            w = filter + (ky * k_w + kx) * k_c;
            if (p->acc64) {
                for (ic = 0; ic < k_c; ++ic) {
                    acc64 += (int64_t)((int32_t)w[ic] * (int32_t)x[ic]);
                }
            } else {
                for (ic = 0; ic < k_c; ++ic) {
                    acc32 += (int32_t)w[ic] * (int32_t)x[ic];
                }
            }
        }
    }
    return p->acc64 ? acc64 : (int64_t)acc32;
}

mf_status mf_conv2d_s16(const mf_conv2d_s16_params *p, const int16_t *input, int16_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w, k_c = p->filter.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    int32_t groups, filters_per_group, b, oy, ox, oc;

    if (k_c <= 0 || in_c % k_c != 0 || p->stride_h < 1 || p->stride_w < 1 ||
        p->dilation_h < 1 || p->dilation_w < 1) {
        return MF_ERROR_ARGUMENT;
    }
    /* grouped convolution when k_c < in_c, as in mf_conv2d_s8 */
    groups = in_c / k_c;
    if (out_c % groups != 0) {
        return MF_ERROR_ARGUMENT;
    }
    filters_per_group = out_c / groups;

    for (b = 0; b < p->output.n; ++b) {
        const int16_t *in_batch = input + (int32_t)b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int16_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (oc = 0; oc < out_c; ++oc) {
                    const int8_t *filter = p->filter_data + oc * k_h * k_w * k_c;
                    int64_t sum = window_sum(p, in_batch, filter, y0, x0,
                                             (oc / filters_per_group) * k_c);
                    int32_t acc;
                    if (p->acc64) {
                        if (p->bias != 0) {
                            sum += p->bias[oc];
                        }
                        acc = mf_multiply_by_quantized_multiplier64(sum, p->multiplier[oc],
                                                                    p->shift[oc]);
                    } else {
                        /* sum and the widened int32 bias both fit in int32 (see window_sum) */
                        acc = (int32_t)sum;
                        if (p->bias != 0) {
                            acc += (int32_t)p->bias[oc];
                        }
                        acc = mf_multiply_by_quantized_multiplier(acc, p->multiplier[oc],
                                                                  p->shift[oc]);
                    }
                    out_pixel[oc] = (int16_t)mf_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
    return MF_OK;
}

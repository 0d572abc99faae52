/*
 * mcuforge: DEPTHWISE_CONV_2D, int16 activations, int8 weights, per-channel requantization.
 * Portable C99 reference implementation; see depthwise_conv2d_s16.h for the parameter contract.
 */
#include "depthwise_conv2d_s16.h"
#include "mf_fixedpoint.h"

mf_status mf_depthwise_conv2d_s16(const mf_depthwise_conv2d_s16_params *p, const int16_t *input,
                                  int16_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t mult = p->depth_multiplier;
    int32_t b, oy, ox, ic, m;

    if (mult < 1 || out_c != in_c * mult || p->filter.c != out_c || p->stride_h < 1 ||
        p->stride_w < 1 || p->dilation_h < 1 || p->dilation_w < 1) {
        return MF_ERROR_ARGUMENT;
    }

    for (b = 0; b < p->output.n; ++b) {
        const int16_t *in_batch = input + (int32_t)b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int16_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (ic = 0; ic < in_c; ++ic) {
                    for (m = 0; m < mult; ++m) {
                        const int32_t oc = ic * mult + m;
                        int64_t acc = 0;
                        int32_t ky, kx;
                        for (ky = 0; ky < k_h; ++ky) {
                            const int32_t iy = y0 + ky * p->dilation_h;
                            if (iy < 0 || iy >= in_h) {
                                continue;   /* zero padding: the term is left out */
                            }
                            for (kx = 0; kx < k_w; ++kx) {
                                const int32_t ix = x0 + kx * p->dilation_w;
                                if (ix < 0 || ix >= in_w) {
                                    continue;
                                }
                                /* |w * x| <= 128 * 32768 fits in int32; the generator bounded
                                 * sum(|w|) * 32768 + |bias| below 2^47 per output channel. */
                                acc += (int64_t)((int32_t)p->filter_data[(ky * k_w + kx) * out_c + oc] *
                                                 (int32_t)in_batch[(iy * in_w + ix) * in_c + ic]);
                            }
                        }
                        if (p->bias != 0) {
                            acc += p->bias[oc];
                        }
                        out_pixel[oc] = (int16_t)mf_clamp(
                            mf_multiply_by_quantized_multiplier64(acc, p->multiplier[oc],
                                                                  p->shift[oc]),
                            p->act_min, p->act_max);
                    }
                }
            }
        }
    }
    return MF_OK;
}

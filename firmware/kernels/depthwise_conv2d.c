/*
 * mcuforge: DEPTHWISE_CONV_2D, int8 activations and weights, per-channel requantization.
 * Portable C99 reference implementation; see mcuforge_kernels.h for the parameter contract.
 */
#include "depthwise_conv2d.h"
#include "mf_fixedpoint.h"

mf_status mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_params *p, const int8_t *input,
                                 int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t mult = p->depth_multiplier;
    const int32_t input_offset = p->input_offset;
    int32_t b, oy, ox, ic, m;

    if (mult < 1 || out_c != in_c * mult || p->filter.c != out_c || p->stride_h < 1 ||
        p->stride_w < 1 || p->dilation_h < 1 || p->dilation_w < 1) {
        return MF_ERROR_ARGUMENT;
    }

    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in_batch = input + (int32_t)b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (ic = 0; ic < in_c; ++ic) {
                    for (m = 0; m < mult; ++m) {
                        /* output channel oc reads input channel ic = oc / mult */
                        const int32_t oc = ic * mult + m;
                        int32_t acc = 0;
                        int32_t ky, kx;
                        for (ky = 0; ky < k_h; ++ky) {
                            const int32_t iy = y0 + ky * p->dilation_h;
                            if (iy < 0 || iy >= in_h) {
                                continue;   /* zero padding: the term is left out */
                            }
                            for (kx = 0; kx < k_w; ++kx) {
                                const int32_t ix = x0 + kx * p->dilation_w;
                                int32_t x, w;
                                if (ix < 0 || ix >= in_w) {
                                    continue;
                                }
                                x = in_batch[(iy * in_w + ix) * in_c + ic];
                                /* filter layout [1, k_h, k_w, out_c] */
                                w = p->filter_data[(ky * k_w + kx) * out_c + oc];
                                /* |w| <= 128, |x + input_offset| <= 255; the generator bounded
                                 * sum(|w|) * max|x + input_offset| + |bias| below 2^31 per
                                 * output channel, so the sum cannot overflow. */
                                acc += w * (x + input_offset);
                            }
                        }
                        if (p->bias != 0) {
                            acc += p->bias[oc];
                        }
                        acc = mf_multiply_by_quantized_multiplier(acc, p->multiplier[oc],
                                                                  p->shift[oc]);
                        acc = mf_add_wrapping(acc, p->output_offset);
                        out_pixel[oc] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
    return MF_OK;
}

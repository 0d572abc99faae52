/*
 * mcuforge: CONV_2D, int8 activations and weights, per-channel requantization.
 * Portable C99 reference implementation; see mcuforge_kernels.h for the parameter contract.
 */
#include "conv2d.h"
#include "mf_fixedpoint.h"

mf_status mf_conv2d_s8(const mf_conv2d_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w, k_c = p->filter.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t input_offset = p->input_offset;
    int32_t groups, filters_per_group, b, oy, ox, oc;

    /* Cheap shape sanity; everything else was checked when the code was generated. */
    if (k_c <= 0 || in_c % k_c != 0 || p->stride_h < 1 || p->stride_w < 1 ||
        p->dilation_h < 1 || p->dilation_w < 1) {
        return MF_ERROR_ARGUMENT;
    }
    /* A filter narrower than the input means grouped convolution: output channel oc reads the
     * k_c input channels of group oc / (out_c / groups). groups == 1 is the usual case. */
    groups = in_c / k_c;
    if (out_c % groups != 0) {
        return MF_ERROR_ARGUMENT;
    }
    filters_per_group = out_c / groups;

    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in_batch = input + (int32_t)b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (oc = 0; oc < out_c; ++oc) {
                    const int8_t *filter = p->filter_data + oc * k_h * k_w * k_c;
                    const int32_t first_in_c = (oc / filters_per_group) * k_c;
                    int32_t acc = 0;
                    int32_t ky, kx, ic;
                    for (ky = 0; ky < k_h; ++ky) {
                        const int32_t iy = y0 + ky * p->dilation_h;
                        if (iy < 0 || iy >= in_h) {
                            continue;       /* zero padding: the term is left out */
                        }
                        for (kx = 0; kx < k_w; ++kx) {
                            const int32_t ix = x0 + kx * p->dilation_w;
                            const int8_t *x;
                            const int8_t *w;
                            if (ix < 0 || ix >= in_w) {
                                continue;
                            }
                            x = in_batch + (iy * in_w + ix) * in_c + first_in_c;
                            w = filter + (ky * k_w + kx) * k_c;
                            /* Each term is w * (x - input_zero_point) with |w| <= 128 and
                             * |x + input_offset| <= 255. The generator bounded
                             * sum(|w|) * max|x + input_offset| + |bias| per output channel
                             * below 2^31, so no partial sum can overflow. */
                            for (ic = 0; ic < k_c; ++ic) {
                                acc += (int32_t)w[ic] * ((int32_t)x[ic] + input_offset);
                            }
                        }
                    }
                    if (p->bias != 0) {
                        acc += p->bias[oc];
                    }
                    acc = mf_multiply_by_quantized_multiplier(acc, p->multiplier[oc], p->shift[oc]);
                    acc = mf_add_wrapping(acc, p->output_offset);
                    out_pixel[oc] = (int8_t)mf_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
    return MF_OK;
}

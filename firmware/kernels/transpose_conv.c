/*
 * mcuforge: TRANSPOSE_CONV, int8 activations and weights, per-channel requantization.
 * Portable C99 reference implementation; see transpose_conv.h for the parameter contract.
 *
 * Written as a gather (one output value at a time) rather than TFLite-Micro's scatter into an
 * int32 buffer the size of the output: the same products are summed, and integer sums that
 * never overflow do not depend on the order, so the results are identical without the buffer.
 */
#include "transpose_conv.h"
#include "mf_fixedpoint.h"

mf_status mf_transpose_conv_s8(const mf_transpose_conv_params *p, const int8_t *input,
                               int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t input_offset = p->input_offset;
    int32_t b, oy, ox, oc;

    /* Cheap sanity; everything else was checked when the code was generated. */
    if (stride_h < 1 || stride_w < 1 || p->pad_h < 0 || p->pad_w < 0 || p->filter.c != in_c) {
        return MF_ERROR_ARGUMENT;
    }

    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y = oy + p->pad_h;   /* = iy * stride_h + ky for the taps that hit */
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x = ox + p->pad_w;
                int8_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (oc = 0; oc < out_c; ++oc) {
                    const int8_t *filter = p->filter_data + oc * k_h * k_w * in_c;
                    int32_t acc = 0;
                    int32_t ky, kx, ic;
                    /* ky runs over the taps with y - ky a multiple of the stride; y - ky
                     * decreases as ky grows, so the first negative one ends the loop. */
                    for (ky = y % stride_h; ky < k_h && ky <= y; ky += stride_h) {
                        const int32_t iy = (y - ky) / stride_h;
                        if (iy >= in_h) {
                            continue;
                        }
                        for (kx = x % stride_w; kx < k_w && kx <= x; kx += stride_w) {
                            const int32_t ix = (x - kx) / stride_w;
                            const int8_t *xs;
                            const int8_t *ws;
                            if (ix >= in_w) {
                                continue;
                            }
                            xs = in_batch + (iy * in_w + ix) * in_c;
                            ws = filter + (ky * k_w + kx) * in_c;
                            /* |w| <= 128, |x + input_offset| <= 255; the generator bounded
                             * the channel's whole sum below 2^31 (see transpose_conv.h). */
                            for (ic = 0; ic < in_c; ++ic) {
                                acc += (int32_t)ws[ic] * ((int32_t)xs[ic] + input_offset);
                            }
                        }
                    }
                    if (p->bias != NULL) {
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

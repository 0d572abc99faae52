/*
 * mcuforge optimized kernels: DEPTHWISE_CONV_2D for Helium (layouts in depthwise_conv2d_mve.h).
 * Per output pixel the tap pointers are set once (a padded tap points at a pixel of zero points),
 * then 8 channels at a time: per tap a widening load of 8 inputs, a load of 8 int16 weights and
 * VMULLB/VMULLT into the even and odd 32-bit accumulators.
 */
#include <arm_mve.h>

#include "depthwise_conv2d_mve.h"

#if !defined(__ARM_FEATURE_MVE) || (__ARM_FEATURE_MVE & 1) == 0
#error "kernels/optimized/depthwise_conv2d_mve.c needs Helium (MVE integer: Cortex-M55)"
#endif

static inline __attribute__((always_inline)) int32x4_t
mf_opt_requant(int32x4_t acc, const int32_t *q, int32_t output_offset, int32x4_t lo,
               int32x4_t hi)
{
    const int32x4_t right = vldrwq_s32(q + 24);
    acc = vaddq_s32(acc, vldrwq_s32(q));
    acc = vshlq_s32(acc, vldrwq_s32(q + 16));
    acc = vqrdmulhq_s32(acc, vldrwq_s32(q + 8));
    acc = vqaddq_s32(acc, vshrq_n_s32(vandq_s32(acc, right), 31));
    acc = vrshlq_s32(acc, right);
    acc = vaddq_n_s32(acc, output_offset);
    return vminq_s32(vmaxq_s32(acc, lo), hi);
}

static inline __attribute__((always_inline)) void
mf_opt_dw_body(const mf_opt_depthwise_conv2d_mve_params *p, const int8_t *input, int8_t *output,
               int32_t k_h, int32_t k_w)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, c = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w;
    const int32_t c_padded = p->c_padded, taps = k_h * k_w;
    const int32_t whole = c & ~7;
    const int32_t output_offset = p->output_offset;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int8_t **const tap = (const int8_t **)(void *)p->scratch;
    int8_t *const pad_pixel = p->scratch + 4 * taps;
    int32_t b, oy, ox, i;

    for (i = 0; i < c_padded; ++i) {
        pad_pixel[i] = (int8_t)p->pad_value;
    }
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in = input + b * in_h * in_w * c;
        int8_t *out = output + b * out_h * out_w * c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < out_w; ++ox, out += c) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t *q = p->quant;
                int32_t ky, kx, t, ch;
                for (ky = 0, t = 0; ky < k_h; ++ky) {
                    const int32_t iy = y0 + ky;
                    for (kx = 0; kx < k_w; ++kx, ++t) {
                        const int32_t ix = x0 + kx;
                        tap[t] = (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w)
                                     ? in + (iy * in_w + ix) * c : pad_pixel;
                    }
                }
                for (ch = 0; ch < c; ch += 8, q += 32) {
                    const int16_t *w = p->weights + ch;
                    int32x4_t even = vdupq_n_s32(0), odd = vdupq_n_s32(0);
                    int16x8_t y;
                    if (ch < whole) {
                        for (t = 0; t < taps; ++t, w += c_padded) {
                            const int16x8_t x = vldrbq_s16(tap[t] + ch);
                            const int16x8_t wv = vldrhq_s16(w);
                            even = vaddq_s32(even, vmullbq_int_s16(x, wv));
                            odd = vaddq_s32(odd, vmulltq_int_s16(x, wv));
                        }
                    } else {    /* the last c % 8 channels: loads predicated to them */
                        const mve_pred16_t pred = vctp16q((uint32_t)(c - ch));
                        for (t = 0; t < taps; ++t, w += c_padded) {
                            const int16x8_t x = vldrbq_z_s16(tap[t] + ch, pred);
                            const int16x8_t wv = vldrhq_s16(w);
                            even = vaddq_s32(even, vmullbq_int_s16(x, wv));
                            odd = vaddq_s32(odd, vmulltq_int_s16(x, wv));
                        }
                    }
                    even = mf_opt_requant(even, q, output_offset, lo, hi);
                    odd = mf_opt_requant(odd, q + 4, output_offset, lo, hi);
                    y = vmovnbq_s32(vdupq_n_s16(0), even);
                    y = vmovntq_s32(y, odd);
                    vstrbq_p_s16(out + ch, y, vctp16q((uint32_t)(c - ch)));
                }
            }
        }
    }
}

mf_status mf_opt_depthwise_conv2d_mve_s8(const mf_opt_depthwise_conv2d_mve_params *p,
                                         const int8_t *input, int8_t *output)
{
    if (p->c_padded < p->input.c || (p->c_padded & 7) != 0 || p->k_h < 1 || p->k_w < 1) {
        return MF_ERROR_ARGUMENT;
    }
    mf_opt_dw_body(p, input, output, p->k_h, p->k_w);
    return MF_OK;
}

mf_status mf_opt_depthwise_conv2d_3x3_mve_s8(const mf_opt_depthwise_conv2d_mve_params *p,
                                             const int8_t *input, int8_t *output)
{
    if (p->c_padded < p->input.c || (p->c_padded & 7) != 0 || p->k_h != 3 || p->k_w != 3) {
        return MF_ERROR_ARGUMENT;
    }
    mf_opt_dw_body(p, input, output, 3, 3);
    return MF_OK;
}

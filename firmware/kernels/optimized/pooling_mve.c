/*
 * mcuforge optimized kernels: AVERAGE_POOL_2D and MAX_POOL_2D for Helium (see pooling_mve.h).
 * Average: 16 channels per step, widened to four int32 accumulators (|sum| <= 128 * window, far
 * below 2^31), then the mean by a high multiply (VMULH.U32) with the position's reciprocal.
 * Max: 16 channels per step with VMAX.S8. The last c % 16 channels go 4 (average) or all at
 * once (max) under a predicate (nothing past a pixel is read).
 */
#include <arm_mve.h>

#include "pooling_mve.h"

#if !defined(__ARM_FEATURE_MVE) || (__ARM_FEATURE_MVE & 1) == 0
#error "kernels/optimized/pooling_mve.c needs Helium (MVE integer: Cortex-M55)"
#endif

/* The in-bounds part of output pixel (oy, ox)'s window over one batch image: its first pixel,
 * *rows x *cols pixels (the generator checked every window overlaps the input). */
static inline const int8_t *mf_opt_window(const mf_opt_pool2d_mve_params *p, const int8_t *image,
                                          int32_t oy, int32_t ox, int32_t *rows, int32_t *cols)
{
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int32_t ky0 = (y0 < 0) ? -y0 : 0, kx0 = (x0 < 0) ? -x0 : 0;
    const int32_t ky1 = (p->input.h - y0 < p->filter_h) ? p->input.h - y0 : p->filter_h;
    const int32_t kx1 = (p->input.w - x0 < p->filter_w) ? p->input.w - x0 : p->filter_w;
    *rows = ky1 - ky0;
    *cols = kx1 - kx0;
    return image + ((y0 + ky0) * p->input.w + (x0 + kx0)) * p->input.c;
}

/* TFLite-Micro's rounded mean of 4 sums over d taps (recip = ceil(2^32 / d), 0 for d = 1),
 * clamped and stored under pred. */
static inline __attribute__((always_inline)) void
mf_opt_mean4(int32x4_t sum, uint32_t half, uint32_t recip, int32x4_t lo, int32x4_t hi,
             int8_t *out, mve_pred16_t pred)
{
    const uint32x4_t a = vaddq_n_u32(vreinterpretq_u32_s32(vabsq_s32(sum)), half);
    const int32x4_t q = vreinterpretq_s32_u32(recip ? vmulhq_u32(a, vdupq_n_u32(recip)) : a);
    const int32x4_t r = vpselq_s32(vnegq_s32(q), q, vcmpltq_n_s32(sum, 0));
    vstrbq_p_s32(out, vminq_s32(vmaxq_s32(r, lo), hi), pred);
}

mf_status mf_opt_avg_pool2d_mve_s8(const mf_opt_pool2d_mve_params *p, const int8_t *input,
                                   int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, ch = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, row = in_w * ch;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    int32_t b, oy, ox, c, ky, kx;

    if (p->stride_h < 1 || p->stride_w < 1 || p->output.c != ch || p->recip == 0) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in_batch = input + b * in_h * row;
        int8_t *out = output + b * out_h * out_w * ch;
        for (oy = 0; oy < out_h; ++oy) {
            for (ox = 0; ox < out_w; ++ox, out += ch) {
                int32_t rows, cols, d;
                uint32_t recip, half;
                const int8_t *const first = mf_opt_window(p, in_batch, oy, ox, &rows, &cols);
                d = rows * cols;
                if (d < p->count_min) {
                    return MF_ERROR_ARGUMENT;
                }
                recip = (uint32_t)p->recip[d - p->count_min];
                half = (uint32_t)d >> 1;
                for (c = 0; c + 16 <= ch; c += 16) {
                    int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
                    const int8_t *r = first + c;
                    for (ky = rows; ky > 0; --ky, r += row) {
                        const int8_t *x = r;
                        for (kx = cols; kx > 0; --kx, x += ch) {
                            s0 = vaddq_s32(s0, vldrbq_s32(x));
                            s1 = vaddq_s32(s1, vldrbq_s32(x + 4));
                            s2 = vaddq_s32(s2, vldrbq_s32(x + 8));
                            s3 = vaddq_s32(s3, vldrbq_s32(x + 12));
                        }
                    }
                    mf_opt_mean4(s0, half, recip, lo, hi, out + c, 0xffff);
                    mf_opt_mean4(s1, half, recip, lo, hi, out + c + 4, 0xffff);
                    mf_opt_mean4(s2, half, recip, lo, hi, out + c + 8, 0xffff);
                    mf_opt_mean4(s3, half, recip, lo, hi, out + c + 12, 0xffff);
                }
                for (; c < ch; c += 4) {
                    const mve_pred16_t pred = vctp32q((uint32_t)(ch - c));
                    int32x4_t s = vdupq_n_s32(0);
                    const int8_t *r = first + c;
                    for (ky = rows; ky > 0; --ky, r += row) {
                        const int8_t *x = r;
                        for (kx = cols; kx > 0; --kx, x += ch) {
                            s = vaddq_s32(s, vldrbq_z_s32(x, pred));
                        }
                    }
                    mf_opt_mean4(s, half, recip, lo, hi, out + c, pred);
                }
            }
        }
    }
    return MF_OK;
}

mf_status mf_opt_max_pool2d_mve_s8(const mf_opt_pool2d_mve_params *p, const int8_t *input,
                                   int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, ch = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, row = in_w * ch;
    const int8x16_t lo = vdupq_n_s8((int8_t)p->act_min), hi = vdupq_n_s8((int8_t)p->act_max);
    int32_t b, oy, ox, c, ky, kx;

    if (p->stride_h < 1 || p->stride_w < 1 || p->output.c != ch) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in_batch = input + b * in_h * row;
        int8_t *out = output + b * out_h * out_w * ch;
        for (oy = 0; oy < out_h; ++oy) {
            for (ox = 0; ox < out_w; ++ox, out += ch) {
                int32_t rows, cols;
                const int8_t *const first = mf_opt_window(p, in_batch, oy, ox, &rows, &cols);
                for (c = 0; c < ch; c += 16) {
                    /* inactive lanes of the last step load 0 and are not stored */
                    const mve_pred16_t pred = vctp8q((uint32_t)(ch - c));
                    int8x16_t m = vdupq_n_s8(-128);
                    const int8_t *r = first + c;
                    for (ky = rows; ky > 0; --ky, r += row) {
                        const int8_t *x = r;
                        for (kx = cols; kx > 0; --kx, x += ch) {
                            m = vmaxq_s8(m, vldrbq_z_s8(x, pred));
                        }
                    }
                    vstrbq_p_s8(out + c, vminq_s8(vmaxq_s8(m, lo), hi), pred);
                }
            }
        }
    }
    return MF_OK;
}

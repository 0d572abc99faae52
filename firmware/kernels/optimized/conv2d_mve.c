/*
 * mcuforge optimized kernels: CONV_2D for Helium (layouts in conv2d_mve.h).
 */
#include <arm_mve.h>

#include "conv2d_mve.h"

#if !defined(__ARM_FEATURE_MVE) || (__ARM_FEATURE_MVE & 1) == 0
#error "kernels/optimized/conv2d_mve.c needs Helium (MVE integer: Cortex-M55)"
#endif

/* TFLite-Micro's requantization of 4 accumulators with their quant group q (conv2d_mve.h),
 * stored to out under pred. */
static inline __attribute__((always_inline)) void
mf_opt_requant_store4(int32x4_t acc, const int32_t *q, int32_t output_offset, int32_t lo,
                      int32_t hi, int8_t *out, mve_pred16_t pred)
{
    const int32x4_t right = vldrwq_s32(q + 12);
    acc = vaddq_s32(acc, vldrwq_s32(q));
    acc = vshlq_s32(acc, vldrwq_s32(q + 8));
    acc = vqrdmulhq_s32(acc, vldrwq_s32(q + 4));
    acc = vqaddq_s32(acc, vshrq_n_s32(vandq_s32(acc, right), 31));
    acc = vrshlq_s32(acc, right);
    acc = vaddq_n_s32(acc, output_offset);
    acc = vmaxq_s32(acc, vdupq_n_s32(lo));
    acc = vminq_s32(acc, vdupq_n_s32(hi));
    vstrbq_p_s32(out, acc, pred);
}

/* Output channels c .. c + 3 of one pixel: dot products of x (n taps, n > 0; a last partial
 * vector's load is predicated, so nothing past x + n is read) with the 4 weight rows at *wp,
 * interleaved by 16 taps; *wp advances past them. */
static inline __attribute__((always_inline)) int32x4_t
mf_opt_dot4(const int8_t *x, const int8_t **wp, int32_t n)
{
    const int8_t *w = *wp;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32x4_t acc = vdupq_n_s32(0);
    int32_t k;
    for (k = n >> 4; k > 0; --k) {
        const int8x16_t xv = vldrbq_s8(x);
        x += 16;
        a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w));
        a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w + 16));
        a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w + 32));
        a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w + 48));
        w += 64;
    }
    if (n & 15) {
        const int8x16_t xv = vldrbq_z_s8(x, vctp8q((uint32_t)(n & 15)));
        a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w));
        a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w + 16));
        a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w + 32));
        a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w + 48));
        w += 64;
    }
    *wp = w;
    acc = vsetq_lane_s32(a0, acc, 0);
    acc = vsetq_lane_s32(a1, acc, 1);
    acc = vsetq_lane_s32(a2, acc, 2);
    return vsetq_lane_s32(a3, acc, 3);
}

static inline void mf_opt_copy(int8_t *d, const int8_t *s, int32_t n)
{
    for (; n > 0; n -= 16, d += 16, s += 16) {
        const mve_pred16_t pred = vctp8q((uint32_t)n);
        vstrbq_p_s8(d, vldrbq_z_s8(s, pred), pred);
    }
}

static inline void mf_opt_fill(int8_t *d, int8_t v, int32_t n)
{
    const int8x16_t vv = vdupq_n_s8(v);
    for (; n > 0; n -= 16, d += 16) {
        vstrbq_p_s8(d, vv, vctp8q((uint32_t)n));
    }
}

/* The k taps of output pixel (oy, ox), natural order, padded taps = pad_value. */
static void mf_opt_im2col(const mf_opt_conv2d_mve_params *p, const int8_t *in, int32_t oy,
                          int32_t ox, int8_t *dst)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_w = p->k_w, row_len = k_w * in_c;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int8_t pad = (int8_t)p->pad_value;
    const int inside = x0 >= 0 && x0 + k_w <= in_w;
    int32_t ky, kx;
    for (ky = 0; ky < p->k_h; ++ky, dst += row_len) {
        const int32_t iy = y0 + ky;
        if (iy < 0 || iy >= in_h) {
            mf_opt_fill(dst, pad, row_len);
        } else if (inside) {
            mf_opt_copy(dst, in + (iy * in_w + x0) * in_c, row_len);
        } else {
            for (kx = 0; kx < k_w; ++kx) {
                const int32_t ix = x0 + kx;
                if (ix >= 0 && ix < in_w) {
                    mf_opt_copy(dst + kx * in_c, in + (iy * in_w + ix) * in_c, in_c);
                } else {
                    mf_opt_fill(dst + kx * in_c, pad, in_c);
                }
            }
        }
    }
}

static inline __attribute__((always_inline)) void
mf_opt_conv_body(const mf_opt_conv2d_mve_params *p, const int8_t *input, int8_t *output,
                 int one_by_one)
{
    const int32_t in_size = p->input.h * p->input.w * p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t n = one_by_one ? p->k : p->k_padded;
    const int32_t output_offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t b, oy, ox, c;
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in = input + b * in_size;
        int8_t *out = output + b * out_h * out_w * out_c;
        for (oy = 0; oy < out_h; ++oy) {
            for (ox = 0; ox < out_w; ++ox, out += out_c) {
                const int8_t *x;
                const int8_t *w = p->weights;
                const int32_t *q = p->quant;
                if (one_by_one) {
                    x = in + (oy * p->stride_h * p->input.w + ox * p->stride_w) * p->input.c;
                } else {
                    mf_opt_im2col(p, in, oy, ox, p->scratch);
                    x = p->scratch;
                }
                for (c = 0; c + 4 <= out_c; c += 4, q += 16) {
                    const int32x4_t acc = mf_opt_dot4(x, &w, n);
                    mf_opt_requant_store4(acc, q, output_offset, lo, hi, out + c, 0xffff);
                }
                if (c < out_c) {
                    const int32x4_t acc = mf_opt_dot4(x, &w, n);
                    mf_opt_requant_store4(acc, q, output_offset, lo, hi, out + c,
                                          vctp32q((uint32_t)(out_c - c)));
                }
            }
        }
    }
}

mf_status mf_opt_conv2d_mve_s8(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                               int8_t *output)
{
    if (p->k_padded < p->k || (p->k_padded & 15) != 0) {
        return MF_ERROR_ARGUMENT;
    }
    mf_opt_conv_body(p, input, output, 0);
    return MF_OK;
}

mf_status mf_opt_conv2d_1x1_mve_s8(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                                   int8_t *output)
{
    if (p->k_padded < p->k || (p->k_padded & 15) != 0 || p->k != p->input.c) {
        return MF_ERROR_ARGUMENT;
    }
    mf_opt_conv_body(p, input, output, 1);
    return MF_OK;
}

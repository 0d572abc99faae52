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

/* 16 taps of two pixels (u0, u1) by the 4 weight rows at w, into a0..a3 and b0..b3. */
#define MF_OPT_MAC4X2(u0, u1)                                                                    \
    do {                                                                                         \
        int8x16_t wv_ = vldrbq_s8(w);                                                            \
        a0 = vmladavaq_s8(a0, (u0), wv_);                                                        \
        b0 = vmladavaq_s8(b0, (u1), wv_);                                                        \
        wv_ = vldrbq_s8(w + 16);                                                                 \
        a1 = vmladavaq_s8(a1, (u0), wv_);                                                        \
        b1 = vmladavaq_s8(b1, (u1), wv_);                                                        \
        wv_ = vldrbq_s8(w + 32);                                                                 \
        a2 = vmladavaq_s8(a2, (u0), wv_);                                                        \
        b2 = vmladavaq_s8(b2, (u1), wv_);                                                        \
        wv_ = vldrbq_s8(w + 48);                                                                 \
        a3 = vmladavaq_s8(a3, (u0), wv_);                                                        \
        b3 = vmladavaq_s8(b3, (u1), wv_);                                                        \
        w += 64;                                                                                 \
    } while (0)

/* The same for two pixels at once (x0, x1: n taps each): every weight vector loaded once feeds
 * both; *wp advances past the 4 rows. */
static inline __attribute__((always_inline)) void
mf_opt_dot4x2(const int8_t *x0, const int8_t *x1, const int8_t **wp, int32_t n, int32x4_t *acc0,
              int32x4_t *acc1)
{
    const int8_t *w = *wp;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    int32x4_t v = vdupq_n_s32(0);
    int32_t k;
    k = n >> 4;
    if (k > 0) {
        /* in assembly: GCC 12 spills two of the 8 accumulators and both input pointers of the
         * same loop written with intrinsics (25 instructions per 16 taps instead of 15); "Te"
         * asks for the even registers VMLAVA accumulates in */
        int8x16_t u0, u1, wv;
        __asm__ volatile(
            "1:\n\t"
            "vldrb.8 %q[u0], [%[x0]], #16\n\t"
            "vldrb.8 %q[u1], [%[x1]], #16\n\t"
            "vldrb.8 %q[wv], [%[w]], #16\n\t"
            "vmlava.s8 %[a0], %q[u0], %q[wv]\n\t"
            "vmlava.s8 %[b0], %q[u1], %q[wv]\n\t"
            "vldrb.8 %q[wv], [%[w]], #16\n\t"
            "vmlava.s8 %[a1], %q[u0], %q[wv]\n\t"
            "vmlava.s8 %[b1], %q[u1], %q[wv]\n\t"
            "vldrb.8 %q[wv], [%[w]], #16\n\t"
            "vmlava.s8 %[a2], %q[u0], %q[wv]\n\t"
            "vmlava.s8 %[b2], %q[u1], %q[wv]\n\t"
            "vldrb.8 %q[wv], [%[w]], #16\n\t"
            "vmlava.s8 %[a3], %q[u0], %q[wv]\n\t"
            "vmlava.s8 %[b3], %q[u1], %q[wv]\n\t"
            "subs %[k], %[k], #1\n\t"
            "bne 1b\n\t"
            : [a0] "+Te"(a0), [a1] "+Te"(a1), [a2] "+Te"(a2), [a3] "+Te"(a3),
              [b0] "+Te"(b0), [b1] "+Te"(b1), [b2] "+Te"(b2), [b3] "+Te"(b3),
              [x0] "+r"(x0), [x1] "+r"(x1), [w] "+r"(w), [k] "+r"(k), [u0] "=&w"(u0),
              [u1] "=&w"(u1), [wv] "=&w"(wv)
            :
            : "cc", "memory");
    }
    if (n & 15) {
        const mve_pred16_t pred = vctp8q((uint32_t)(n & 15));
        const int8x16_t u0 = vldrbq_z_s8(x0, pred), u1 = vldrbq_z_s8(x1, pred);
        MF_OPT_MAC4X2(u0, u1);
    }
    *wp = w;
    v = vsetq_lane_s32(a0, v, 0);
    v = vsetq_lane_s32(a1, v, 1);
    v = vsetq_lane_s32(a2, v, 2);
    *acc0 = vsetq_lane_s32(a3, v, 3);
    v = vsetq_lane_s32(b0, v, 0);
    v = vsetq_lane_s32(b1, v, 1);
    v = vsetq_lane_s32(b2, v, 2);
    *acc1 = vsetq_lane_s32(b3, v, 3);
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

/* The k taps of output pixel (oy, ox), natural order, padded taps = pad_value: per window row
 * a fill for the columns left of the input, one copy of the columns inside it (contiguous in
 * NHWC), a fill for those right of it. */
static void mf_opt_im2col(const mf_opt_conv2d_mve_params *p, const int8_t *in, int32_t oy,
                          int32_t ox, int8_t *dst)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_w = p->k_w, row_len = k_w * in_c;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int8_t pad = (int8_t)p->pad_value;
    /* the window's columns inside the input, [kx0, kx1) (empty: all padding) */
    const int32_t kx0 = x0 < 0 ? (-x0 < k_w ? -x0 : k_w) : 0;
    const int32_t kx1 = x0 + k_w > in_w ? (in_w - x0 > kx0 ? in_w - x0 : kx0) : k_w;
    const int32_t left = kx0 * in_c, inside = (kx1 - kx0) * in_c;
    const int32_t right = row_len - left - inside;
    int32_t ky;
    for (ky = 0; ky < p->k_h; ++ky, dst += row_len) {
        const int32_t iy = y0 + ky;
        if (iy < 0 || iy >= in_h) {
            mf_opt_fill(dst, pad, row_len);
            continue;
        }
        mf_opt_fill(dst, pad, left);
        mf_opt_copy(dst + left, in + (iy * in_w + x0 + kx0) * in_c, inside);
        mf_opt_fill(dst + left + inside, pad, right);
    }
}

/* The pixel-pair loop of both kernels: output pixels two at a time (raster order, any stride;
 * an odd last one alone), then 4 output channels at a time with every weight vector feeding
 * both pixels. A 1x1 convolution reads each pixel's taps straight from the input (the two
 * expansions stay separate functions: one shared inline body costs the 1x1 kernel 9 % more
 * instructions through GCC's register allocation). */
#define MF_OPT_PIXEL_PAIRS(GATHER0, GATHER1)                                                     \
    const int32_t in_w = p->input.w, in_c = p->input.c, in_size = p->input.h * in_w * in_c;   \
    const int32_t out_w = p->output.w, out_c = p->output.c, pixels = p->output.h * out_w;     \
    const int32_t output_offset = p->output_offset, lo = p->act_min, hi = p->act_max;         \
    const mve_pred16_t tail = vctp32q((uint32_t)(out_c & 3));                                   \
    int32_t b, i, c;                                                                            \
    (void)in_w, (void)in_c;                                                                     \
    for (b = 0; b < p->output.n; ++b) {                                                         \
        const int8_t *in = input + b * in_size;                                                 \
        int8_t *out = output + b * pixels * out_c;                                              \
        int32_t oy0 = 0, ox0 = 0; /* pixel i's position, stepped without dividing */            \
        for (i = 0; i < pixels; i += 2, out += 2 * out_c) {                                     \
            const int32_t oy1 = (ox0 + 1 < out_w) ? oy0 : oy0 + 1;                              \
            const int32_t ox1 = (ox0 + 1 < out_w) ? ox0 + 1 : 0;                                \
            const int8_t *w = p->weights;                                                       \
            const int32_t *q = p->quant;                                                        \
            GATHER0;                                                                            \
            if (i + 1 == pixels) { /* the odd last pixel */                                     \
                for (c = 0; c < out_c; c += 4, q += 16) {                                       \
                    mf_opt_requant_store4(mf_opt_dot4(x0, &w, n), q, output_offset, lo, hi,     \
                                          out + c, c + 4 <= out_c ? 0xffff : tail);             \
                }                                                                               \
                break;                                                                          \
            }                                                                                   \
            GATHER1;                                                                            \
            for (c = 0; c < out_c; c += 4, q += 16) {                                           \
                const mve_pred16_t pred = c + 4 <= out_c ? 0xffff : tail;                       \
                int32x4_t acc0, acc1;                                                           \
                mf_opt_dot4x2(x0, x1, &w, n, &acc0, &acc1);                                     \
                mf_opt_requant_store4(acc0, q, output_offset, lo, hi, out + c, pred);           \
                mf_opt_requant_store4(acc1, q, output_offset, lo, hi, out + out_c + c, pred);   \
            }                                                                                   \
            oy0 = (ox1 + 1 < out_w) ? oy1 : oy1 + 1;                                            \
            ox0 = (ox1 + 1 < out_w) ? ox1 + 1 : 0;                                              \
        }                                                                                       \
    }

/* Any window: each pixel's taps gathered (im2col) into its half of the scratch. */
static void mf_opt_conv_any(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                            int8_t *output)
{
    const int32_t n = p->k_padded;
    int8_t *const x0 = p->scratch, *const x1 = p->scratch + n;
    MF_OPT_PIXEL_PAIRS(mf_opt_im2col(p, in, oy0, ox0, x0), mf_opt_im2col(p, in, oy1, ox1, x1))
}

/* 1x1: the taps straight from the input pixels. */
static void mf_opt_conv_1x1(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                            int8_t *output)
{
    const int32_t n = p->k;
    MF_OPT_PIXEL_PAIRS(
        const int8_t *const x0 = in + (oy0 * p->stride_h * in_w + ox0 * p->stride_w) * in_c,
        const int8_t *const x1 = in + (oy1 * p->stride_h * in_w + ox1 * p->stride_w) * in_c)
}

mf_status mf_opt_conv2d_mve_s8(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                               int8_t *output)
{
    if (p->k_padded < p->k || (p->k_padded & 15) != 0) {
        return MF_ERROR_ARGUMENT;
    }
    mf_opt_conv_any(p, input, output);
    return MF_OK;
}

mf_status mf_opt_conv2d_1x1_mve_s8(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                                   int8_t *output)
{
    if (p->k_padded < p->k || (p->k_padded & 15) != 0 || p->k != p->input.c) {
        return MF_ERROR_ARGUMENT;
    }
    mf_opt_conv_1x1(p, input, output);
    return MF_OK;
}

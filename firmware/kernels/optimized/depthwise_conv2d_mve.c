/*
 * mcuforge optimized kernels: DEPTHWISE_CONV_2D for Helium (layouts in depthwise_conv2d_mve.h).
 * Per output pixel one pointer per tap is set (a padded tap points at a pixel of zero points),
 * then 8 channels at a time: per tap a widening load of 8 inputs and of 8 weights, VMULLB/VMULLT
 * into the even and odd channels' 32-bit accumulators. Every tap pointer advances by 8 bytes
 * per step, so the 3x3 kernel keeps its 9 pointers in registers.
 */
#include <arm_mve.h>

#include "depthwise_conv2d_mve.h"

#if !defined(__ARM_FEATURE_MVE) || (__ARM_FEATURE_MVE & 1) == 0
#error "kernels/optimized/depthwise_conv2d_mve.c needs Helium (MVE integer: Cortex-M55)"
#endif

/* TFLite-Micro's requantization of 4 accumulators (bias already added) with quant fields q
 * (multiplier at q + 8, left shift at q + 16, right shift at q + 24). */
static inline __attribute__((always_inline)) int32x4_t
mf_opt_requant(int32x4_t acc, const int32_t *q, int32_t output_offset, int32x4_t lo,
               int32x4_t hi)
{
    const int32x4_t right = vldrwq_s32(q + 24);
    acc = vshlq_s32(acc, vldrwq_s32(q + 16));
    acc = vqrdmulhq_s32(acc, vldrwq_s32(q + 8));
    acc = vqaddq_s32(acc, vshrq_n_s32(vandq_s32(acc, right), 31));
    acc = vrshlq_s32(acc, right);
    acc = vaddq_n_s32(acc, output_offset);
    return vminq_s32(vmaxq_s32(acc, lo), hi);
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

/* The tap pointers of output pixel (oy, ox) of one batch image. */
static inline __attribute__((always_inline)) void
mf_opt_taps(const mf_opt_depthwise_conv2d_mve_params *p, const int8_t *in, const int8_t *pad,
            int32_t oy, int32_t ox, int32_t k_h, int32_t k_w, const int8_t **tap)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, c = p->input.c;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    int32_t ky, kx;
    for (ky = 0; ky < k_h; ++ky) {
        const int32_t iy = y0 + ky;
        for (kx = 0; kx < k_w; ++kx) {
            const int32_t ix = x0 + kx;
            *tap++ = (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w)
                         ? in + (iy * in_w + ix) * c : pad;
        }
    }
}

/* One tap of 8 channels: 8 widened inputs x 8 widened weights, VMULLB/VMULLT into the even
 * and odd channels' 32-bit accumulators (|x * w| <= 2^14: the sums wrap modulo 2^32 only if
 * TFLite-Micro's int32 accumulator would, which the lowering excludes). */
#define MF_OPT_TAP(x, wv)                                                                        \
    do {                                                                                         \
        const int16x8_t x_ = (x), w_ = (wv);                                                     \
        even = vaddq_s32(even, vmullbq_int_s16(x_, w_));                                         \
        odd = vaddq_s32(odd, vmulltq_int_s16(x_, w_));                                           \
    } while (0)

/* 8 channels' accumulators (bias included) requantized and stored (under pred). */
static inline __attribute__((always_inline)) void
mf_opt_store8(int32x4_t even, int32x4_t odd, const int32_t *q, int32_t output_offset,
              int32x4_t lo, int32x4_t hi, int8_t *out, mve_pred16_t pred)
{
    int16x8_t y;
    even = mf_opt_requant(even, q, output_offset, lo, hi);
    odd = mf_opt_requant(odd, q + 4, output_offset, lo, hi);
    y = vmovnbq_s32(vdupq_n_s16(0), even);
    y = vmovntq_s32(y, odd);
    vstrbq_p_s16(out, y, pred);
}

/* Tap (row, column) of 8 whole channels: x = 8 inputs at `addr`, wv = their 8 int16 weights
 * at w + 16 * tap bytes, into the even and odd channels' accumulators. */
#define MF_OPT_TAP_ASM(addr, tap)                                                                \
    "vldrb.s16 %q[x], " addr "\n\t"                                                              \
    "vldrh.u16 %q[wv], [%[w], #" #tap "]\n\t"                                                    \
    "vmullb.s16 %q[p], %q[x], %q[wv]\n\t"                                                        \
    "vadd.i32 %q[even], %q[even], %q[p]\n\t"                                                     \
    "vmullt.s16 %q[p], %q[x], %q[wv]\n\t"                                                        \
    "vadd.i32 %q[odd], %q[odd], %q[p]\n\t"

/* Window row `r` (a pointer at its first column): columns 1 and 2 at r + c and r + 2c, then
 * column 0, the pointer advancing to the next 8 channels. */
#define MF_OPT_ROW_ASM(r, t0, t1, t2)                                                            \
    "add %[a], %[" r "], %[c1]\n\t" MF_OPT_TAP_ASM("[%[a]]", t1)                                 \
    "add %[a], %[" r "], %[c2]\n\t" MF_OPT_TAP_ASM("[%[a]]", t2)                                 \
    MF_OPT_TAP_ASM("[%[" r "]], #8", t0)

/* The 3 window rows of 3 pixels at row pointers r0, r1, r2 (pixel pitch c), all channels, 8 at a
 * time. The 9 taps of a group of 8 channels are written in assembly: the widening loads take
 * only r0-r7 as base, and GCC 12 spills the same code written with intrinsics. The accumulators
 * start at the folded bias. The last c % 8 channels are loaded under a predicate (nothing past
 * the pixel is read). */
static inline __attribute__((always_inline)) void
mf_opt_pixel_3x3(const int8_t *r0, const int8_t *r1, const int8_t *r2, const int16_t *w,
                 const int32_t *q, int8_t *out, int32_t c, int32_t output_offset, int32x4_t lo,
                 int32x4_t hi)
{
    const int32_t c1 = c, c2 = 2 * c;
    int32_t n;
    for (n = c >> 3; n > 0; --n, q += 32, out += 8, w += 72) {
        int32x4_t even = vldrwq_s32(q), odd = vldrwq_s32(q + 4);
        int16x8_t x, wv, prod;
        const int8_t *a;
        __asm__(MF_OPT_ROW_ASM("r0", 0, 16, 32) MF_OPT_ROW_ASM("r1", 48, 64, 80)
                MF_OPT_ROW_ASM("r2", 96, 112, 128)
                : [even] "+w"(even), [odd] "+w"(odd), [x] "=&w"(x), [wv] "=&w"(wv),
                  [p] "=&w"(prod), [a] "=&l"(a), [r0] "+l"(r0), [r1] "+l"(r1), [r2] "+l"(r2)
                : [w] "r"(w), [c1] "r"(c1), [c2] "r"(c2)
                : "memory");
        mf_opt_store8(even, odd, q, output_offset, lo, hi, out, 0xffff);
    }
    if (c & 7) {
        const mve_pred16_t pred = vctp16q((uint32_t)(c & 7));
        int32x4_t even = vldrwq_s32(q), odd = vldrwq_s32(q + 4);
        MF_OPT_TAP(vldrbq_z_s16(r0, pred), vldrhq_s16(w));
        MF_OPT_TAP(vldrbq_z_s16(r0 + c1, pred), vldrhq_s16(w + 8));
        MF_OPT_TAP(vldrbq_z_s16(r0 + c2, pred), vldrhq_s16(w + 16));
        MF_OPT_TAP(vldrbq_z_s16(r1, pred), vldrhq_s16(w + 24));
        MF_OPT_TAP(vldrbq_z_s16(r1 + c1, pred), vldrhq_s16(w + 32));
        MF_OPT_TAP(vldrbq_z_s16(r1 + c2, pred), vldrhq_s16(w + 40));
        MF_OPT_TAP(vldrbq_z_s16(r2, pred), vldrhq_s16(w + 48));
        MF_OPT_TAP(vldrbq_z_s16(r2 + c1, pred), vldrhq_s16(w + 56));
        MF_OPT_TAP(vldrbq_z_s16(r2 + c2, pred), vldrhq_s16(w + 64));
        mf_opt_store8(even, odd, q, output_offset, lo, hi, out, pred);
    }
}

/* The 3x3 kernel: per output pixel three row pointers, each at the window's first column: into
 * the input when the window's 3 columns are inside it, else into a patch of 3 x 3 pixels
 * assembled in the scratch with pad_value in the padded columns; a padded row points at a
 * row of pad_value. */
static void mf_opt_dw_3x3(const mf_opt_depthwise_conv2d_mve_params *p, const int8_t *input,
                          int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, c = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, row3 = 3 * c;
    const int32_t output_offset = p->output_offset;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    int8_t *const pad = p->scratch;                 /* 3 pixels of pad_value */
    int8_t *const patch = p->scratch + row3;        /* 3 rows of 3 pixels */
    int32_t b, oy, ox, ky, kx;

    mf_opt_fill(pad, (int8_t)p->pad_value, row3);
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in = input + b * in_h * in_w * c;
        int8_t *out = output + b * out_h * out_w * c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < out_w; ++ox, out += c) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int8_t *row[3];
                for (ky = 0; ky < 3; ++ky) {
                    const int32_t iy = y0 + ky;
                    if (iy < 0 || iy >= in_h) {
                        row[ky] = pad;
                    } else if (x0 >= 0 && x0 + 3 <= in_w) {
                        row[ky] = in + (iy * in_w + x0) * c;
                    } else {
                        int8_t *dst = patch + ky * row3;
                        for (kx = 0; kx < 3; ++kx, dst += c) {
                            const int32_t ix = x0 + kx;
                            if (ix >= 0 && ix < in_w) {
                                mf_opt_copy(dst, in + (iy * in_w + ix) * c, c);
                            } else {
                                mf_opt_fill(dst, (int8_t)p->pad_value, c);
                            }
                        }
                        row[ky] = patch + ky * row3;
                    }
                }
                mf_opt_pixel_3x3(row[0], row[1], row[2], p->weights, p->quant, out, c,
                                 output_offset, lo, hi);
            }
        }
    }
}

/* One output pixel of any window (taps > 0), all channels. */
static inline void mf_opt_pixel(const int8_t *const *tap, int32_t taps, const int16_t *w,
                                const int32_t *q, int8_t *out, int32_t c, int32_t output_offset,
                                int32x4_t lo, int32x4_t hi)
{
    int32_t ch, t;
    for (ch = 0; ch < c; ch += 8, q += 32) {
        const mve_pred16_t pred = vctp16q((uint32_t)(c - ch));
        int32x4_t even = vldrwq_s32(q), odd = vldrwq_s32(q + 4);
        for (t = 0; t < taps; ++t, w += 8) {
            MF_OPT_TAP(vldrbq_z_s16(tap[t] + ch, pred), vldrhq_s16(w));
        }
        mf_opt_store8(even, odd, q, output_offset, lo, hi, out + ch, pred);
    }
}

/* Any window: per output pixel its tap pointers (a padded tap points at a pixel of pad_value). */
static void mf_opt_dw_any(const mf_opt_depthwise_conv2d_mve_params *p, const int8_t *input,
                          int8_t *output)
{
    const int32_t c = p->input.c, k_h = p->k_h, k_w = p->k_w, taps = k_h * k_w;
    const int32_t out_h = p->output.h, out_w = p->output.w;
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    const int8_t **const tap = (const int8_t **)(void *)p->scratch;
    int8_t *const pad = p->scratch + 4 * taps;
    int32_t b, oy, ox;

    mf_opt_fill(pad, (int8_t)p->pad_value, c);
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in = input + b * p->input.h * p->input.w * c;
        int8_t *out = output + b * out_h * out_w * c;
        for (oy = 0; oy < out_h; ++oy) {
            for (ox = 0; ox < out_w; ++ox, out += c) {
                mf_opt_taps(p, in, pad, oy, ox, k_h, k_w, tap);
                mf_opt_pixel(tap, taps, p->weights, p->quant, out, c, p->output_offset, lo, hi);
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
    mf_opt_dw_any(p, input, output);
    return MF_OK;
}

mf_status mf_opt_depthwise_conv2d_3x3_mve_s8(const mf_opt_depthwise_conv2d_mve_params *p,
                                             const int8_t *input, int8_t *output)
{
    if (p->c_padded < p->input.c || (p->c_padded & 7) != 0 || p->k_h != 3 || p->k_w != 3) {
        return MF_ERROR_ARGUMENT;
    }
    mf_opt_dw_3x3(p, input, output);
    return MF_OK;
}

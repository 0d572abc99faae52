/*
 * mcuforge optimized kernels: CONV_2D for the DSP extension (see conv2d_dsp.h for the layouts).
 *
 * Two output pixels at a time: their taps are widened once to int16 (SXTB16, the lane order the
 * generator stored the weights in) into the scratch, interleaved group by group, then every pair
 * of output channels runs a 2 x 2 block: per group of 4 taps two 8-byte loads of pixel data, two
 * of weights and 8 SMLAD (16 MACs). Requantization is TFLite-Micro's, exactly (conv2d_dsp.h).
 * Relies on GCC/Clang/Arm Compiler semantics: `>>` of a negative int32 is arithmetic.
 */
#include <arm_acle.h>

#include "conv2d_dsp.h"

#ifndef __ARM_FEATURE_DSP
#error "kernels/optimized/conv2d_dsp.c needs the DSP extension (Cortex-M4, M7, M33, M55)"
#endif

typedef uint32_t __attribute__((may_alias)) mf_opt_u32;

static inline int32_t mf_opt_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static inline uint32_t mf_opt_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* A word of 4 int8 at any alignment (LDR; the DSP cores allow unaligned single-word loads). */
static inline uint32_t mf_opt_load4(const int8_t *p)
{
    return *(const mf_opt_u32 *)(const void *)p;
}

/* TFLite-Micro's requantization of acc = acc2 / 2 (see conv2d_dsp.h), clamped. */
static inline __attribute__((always_inline)) int8_t
mf_opt_requant(int32_t acc2, const int32_t *q, int32_t lo, int32_t hi, int full_range)
{
    int32_t r = mf_opt_smmulr(acc2, q[1]);
    r = (r + (r >> 31) + q[3]) >> q[2];
    if (full_range) {
        return (int8_t)__ssat(r, 8);
    }
    r = r < lo ? lo : r;
    return (int8_t)(r > hi ? hi : r);
}

/* n groups of 4 int8 taps at src to int16 pairs (t0, t2), (t1, t3) at dst; dst advances 4 words
 * per group (the pixel-pair interleaving). */
static inline void mf_opt_widen(const int8_t *src, mf_opt_u32 *dst, int32_t n)
{
    for (; n > 0; --n) {
        const uint32_t v = mf_opt_load4(src);
        src += 4;
        dst[0] = __sxtb16(v);
        dst[1] = mf_opt_sxtb16_ror8(v);
        dst += 4;
    }
}

static inline void mf_opt_fill(mf_opt_u32 *dst, uint32_t pair, int32_t n)
{
    for (; n > 0; --n) {
        dst[0] = pair;
        dst[1] = pair;
        dst += 4;
    }
}

static inline void mf_opt_copy_or_pad(int8_t *dst, const int8_t *src, int32_t n, int valid,
                                      int8_t pad)
{
    int32_t i;
    if (valid) {
        for (i = 0; i < n; ++i) {
            dst[i] = src[i];
        }
    } else {
        for (i = 0; i < n; ++i) {
            dst[i] = pad;
        }
    }
}

/* The taps of output pixel (oy, ox) into the int16 slot dst (pixel-pair interleaved). */
static void mf_opt_gather(const mf_opt_conv2d_dsp_params *p, const int8_t *in, int32_t oy,
                          int32_t ox, mf_opt_u32 *dst, int8_t *row)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_h = p->k_h, k_w = p->k_w;
    const int32_t row_len = k_w * in_c;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int8_t pad = (int8_t)p->pad_value;
    int32_t ky, kx;
    if ((row_len & 3) == 0) {
        const int32_t groups = row_len >> 2;
        const uint32_t pair = ((uint32_t)(uint16_t)(int16_t)pad) * 0x10001u;
        const int inside = x0 >= 0 && x0 + k_w <= in_w;
        for (ky = 0; ky < k_h; ++ky, dst += 4 * groups) {
            const int32_t iy = y0 + ky;
            if (iy < 0 || iy >= in_h) {
                mf_opt_fill(dst, pair, groups);
            } else if (inside) {
                mf_opt_widen(in + (iy * in_w + x0) * in_c, dst, groups);
            } else {
                for (kx = 0; kx < k_w; ++kx) {
                    const int32_t ix = x0 + kx;
                    mf_opt_copy_or_pad(row + kx * in_c, in + (iy * in_w + ix) * in_c, in_c,
                                       ix >= 0 && ix < in_w, pad);
                }
                mf_opt_widen(row, dst, groups);
            }
        }
    } else {
        /* rows not a whole number of groups: assemble the whole pixel's taps, then widen */
        int8_t *r = row;
        int32_t i;
        for (ky = 0; ky < k_h; ++ky) {
            const int32_t iy = y0 + ky;
            const int row_ok = iy >= 0 && iy < in_h;
            for (kx = 0; kx < k_w; ++kx, r += in_c) {
                const int32_t ix = x0 + kx;
                mf_opt_copy_or_pad(r, in + (iy * in_w + ix) * in_c, in_c,
                                   row_ok && ix >= 0 && ix < in_w, pad);
            }
        }
        for (i = (int32_t)(r - row); i < p->k_padded; ++i) {
            row[i] = 0;     /* the weights are zero there */
        }
        mf_opt_widen(row, dst, p->k_padded >> 2);
    }
}

/* The input pixel of 1x1 output pixel (oy, ox) into the int16 slot dst. */
static inline void mf_opt_gather_1x1(const mf_opt_conv2d_dsp_params *p, const int8_t *in,
                                     int32_t oy, int32_t ox, mf_opt_u32 *dst)
{
    const int32_t in_c = p->input.c;
    const int8_t *src = in + (oy * p->stride_h * p->input.w + ox * p->stride_w) * in_c;
    const int32_t whole = in_c >> 2, rest = in_c & 3;
    mf_opt_widen(src, dst, whole);
    if (rest) {
        uint32_t v = (uint8_t)src[4 * whole];
        if (rest > 1) {
            v |= (uint32_t)(uint8_t)src[4 * whole + 1] << 8;
        }
        if (rest > 2) {
            v |= (uint32_t)(uint8_t)src[4 * whole + 2] << 16;
        }
        dst += 4 * whole;
        dst[0] = __sxtb16(v);
        dst[1] = mf_opt_sxtb16_ror8(v);
    }
}

/* The 2 x 2 block over `pairs` pairs of groups (8 taps): x the interleaved pixel pair, w the
 * interleaved channel pair. Per group: one LDM of the pixels' 4 words, two LDRD of the weights,
 * 8 SMLAD; 24 instructions per 32 MACs with the loop. */
static inline __attribute__((always_inline)) void
mf_opt_block_2x2(const mf_opt_u32 **xp, const mf_opt_u32 **wp, int32_t pairs, int32_t *a00,
                 int32_t *a10, int32_t *a01, int32_t *a11)
{
    const mf_opt_u32 *x = *xp, *w = *wp;
    int32_t s00 = *a00, s10 = *a10, s01 = *a01, s11 = *a11;
    uint32_t wa, wb;
#define MF_OPT_GROUP_2X2                                   \
    "ldmia  %[x]!, {r4, r5, r6, r7}\n\t"                   \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                  \
    "smlad  %[s00], r4, %[wa], %[s00]\n\t"                 \
    "smlad  %[s10], r6, %[wa], %[s10]\n\t"                 \
    "smlad  %[s00], r5, %[wb], %[s00]\n\t"                 \
    "smlad  %[s10], r7, %[wb], %[s10]\n\t"                 \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                  \
    "smlad  %[s01], r4, %[wa], %[s01]\n\t"                 \
    "smlad  %[s11], r6, %[wa], %[s11]\n\t"                 \
    "smlad  %[s01], r5, %[wb], %[s01]\n\t"                 \
    "smlad  %[s11], r7, %[wb], %[s11]\n\t"
    __asm__ volatile(
        "1:\n\t"
        MF_OPT_GROUP_2X2
        MF_OPT_GROUP_2X2
        "subs   %[n], %[n], #1\n\t"
        "bne    1b\n\t"
        : [s00] "+r"(s00), [s10] "+r"(s10), [s01] "+r"(s01), [s11] "+r"(s11), [x] "+r"(x),
          [w] "+r"(w), [n] "+r"(pairs), [wa] "=&r"(wa), [wb] "=&r"(wb)
        :
        : "r4", "r5", "r6", "r7", "cc", "memory");
#undef MF_OPT_GROUP_2X2
    *xp = x;
    *wp = w;
    *a00 = s00;
    *a10 = s10;
    *a01 = s01;
    *a11 = s11;
}

/* The 1 x 2 block (one pixel, the interleaved channel pair) over `pairs` pairs of groups: per
 * group one LDRD of the pixel's 2 words, two LDRD of the weights, 4 SMLAD. */
static inline __attribute__((always_inline)) void
mf_opt_block_1x2(const mf_opt_u32 **xp, const mf_opt_u32 **wp, int32_t pairs, int32_t *a0,
                 int32_t *a1)
{
    const mf_opt_u32 *x = *xp, *w = *wp;
    int32_t s0 = *a0, s1 = *a1;
    uint32_t wa, wb, x0, x1;
#define MF_OPT_GROUP_1X2                                   \
    "ldrd   %[x0], %[x1], [%[x]], #16\n\t"                 \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                  \
    "smlad  %[s0], %[x0], %[wa], %[s0]\n\t"                \
    "smlad  %[s0], %[x1], %[wb], %[s0]\n\t"                \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                  \
    "smlad  %[s1], %[x0], %[wa], %[s1]\n\t"                \
    "smlad  %[s1], %[x1], %[wb], %[s1]\n\t"
    __asm__ volatile(
        "1:\n\t"
        MF_OPT_GROUP_1X2
        MF_OPT_GROUP_1X2
        "subs   %[n], %[n], #1\n\t"
        "bne    1b\n\t"
        : [s0] "+r"(s0), [s1] "+r"(s1), [x] "+r"(x), [w] "+r"(w), [n] "+r"(pairs),
          [wa] "=&r"(wa), [wb] "=&r"(wb), [x0] "=&r"(x0), [x1] "=&r"(x1)
        :
        : "cc", "memory");
#undef MF_OPT_GROUP_1X2
    *xp = x;
    *wp = w;
    *a0 = s0;
    *a1 = s1;
}

static inline __attribute__((always_inline)) void
mf_opt_conv_body(const mf_opt_conv2d_dsp_params *p, const int8_t *input, int8_t *output,
                 int one_by_one, int full_range)
{
    const int32_t in_size = p->input.h * p->input.w * p->input.c;
    const int32_t out_w = p->output.w, out_c = p->output.c;
    const int32_t pixels = p->output.h * out_w;
    const int32_t groups = p->k_padded >> 2;
    const int32_t lo = p->act_min, hi = p->act_max;
    mf_opt_u32 *const xbuf = (mf_opt_u32 *)(void *)p->scratch;
    int8_t *const row = p->scratch + 4 * p->k_padded;
    int32_t b;

    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in = input + b * in_size;
        int8_t *out = output + b * pixels * out_c;
        int32_t pix, oy = 0, ox = 0;
        for (pix = 0; pix < pixels; pix += 2) {
            const int two = pix + 1 < pixels;
            const mf_opt_u32 *w = (const mf_opt_u32 *)(const void *)p->weights;
            const int32_t *q = p->quant;
            int8_t *o0 = out + pix * out_c;
            int8_t *o1 = o0 + out_c;
            int32_t c;
            if (one_by_one) {
                mf_opt_gather_1x1(p, in, oy, ox, xbuf);
            } else {
                mf_opt_gather(p, in, oy, ox, xbuf, row);
            }
            if (++ox == out_w) {
                ox = 0;
                ++oy;
            }
            if (two) {
                if (one_by_one) {
                    mf_opt_gather_1x1(p, in, oy, ox, xbuf + 2);
                } else {
                    mf_opt_gather(p, in, oy, ox, xbuf + 2, row);
                }
                if (++ox == out_w) {
                    ox = 0;
                    ++oy;
                }
            }
            for (c = 0; c + 1 < out_c && !two; c += 2, q += 8) {
                /* one pixel (a single row of a FULLY_CONNECTED, an odd last pixel): a 1 x 2
                 * block, no work for an absent second pixel */
                const mf_opt_u32 *x = xbuf;
                int32_t a0 = q[0], a1 = q[4];
                mf_opt_block_1x2(&x, &w, groups >> 1, &a0, &a1);
                o0[c] = mf_opt_requant(a0, q, lo, hi, full_range);
                o0[c + 1] = mf_opt_requant(a1, q + 4, lo, hi, full_range);
            }
            for (; c + 1 < out_c; c += 2, q += 8) {
                const mf_opt_u32 *x = xbuf;
                int32_t a00 = q[0], a10 = q[0], a01 = q[4], a11 = q[4];
                mf_opt_block_2x2(&x, &w, groups >> 1, &a00, &a10, &a01, &a11);
                o0[c] = mf_opt_requant(a00, q, lo, hi, full_range);
                o0[c + 1] = mf_opt_requant(a01, q + 4, lo, hi, full_range);
                if (two) {
                    o1[c] = mf_opt_requant(a10, q, lo, hi, full_range);
                    o1[c + 1] = mf_opt_requant(a11, q + 4, lo, hi, full_range);
                }
            }
            if (c < out_c) {    /* an odd last channel: its groups follow one after another */
                const mf_opt_u32 *x = xbuf;
                int32_t a0 = q[0], a1 = q[0];
                int32_t g;
                for (g = groups; g > 0; --g) {
                    const uint32_t wa = w[0], wb = w[1];
                    a0 = __smlad(x[0], wa, a0);
                    a1 = __smlad(x[2], wa, a1);
                    a0 = __smlad(x[1], wb, a0);
                    a1 = __smlad(x[3], wb, a1);
                    x += 4;
                    w += 2;
                }
                o0[c] = mf_opt_requant(a0, q, lo, hi, full_range);
                if (two) {
                    o1[c] = mf_opt_requant(a1, q, lo, hi, full_range);
                }
            }
        }
    }
}

mf_status mf_opt_conv2d_dsp_s8(const mf_opt_conv2d_dsp_params *p, const int8_t *input,
                               int8_t *output)
{
    if (p->k_padded < 8 || (p->k_padded & 7) != 0 || p->stride_h < 1 || p->stride_w < 1) {
        return MF_ERROR_ARGUMENT;
    }
    if (p->act_min == -128 && p->act_max == 127) {
        mf_opt_conv_body(p, input, output, 0, 1);
    } else {
        mf_opt_conv_body(p, input, output, 0, 0);
    }
    return MF_OK;
}

mf_status mf_opt_conv2d_1x1_dsp_s8(const mf_opt_conv2d_dsp_params *p, const int8_t *input,
                                   int8_t *output)
{
    if (p->k_padded < 8 || (p->k_padded & 7) != 0 || p->stride_h < 1 || p->stride_w < 1) {
        return MF_ERROR_ARGUMENT;
    }
    if (p->act_min == -128 && p->act_max == 127) {
        mf_opt_conv_body(p, input, output, 1, 1);
    } else {
        mf_opt_conv_body(p, input, output, 1, 0);
    }
    return MF_OK;
}

/*
 * mcuforge optimized kernels: AVERAGE_POOL_2D and MAX_POOL_2D for the DSP extension (see
 * pooling_dsp.h). Channels 8 (average) or 4 (max) at a time from word loads; the rest one by one.
 * Relies on GCC/Clang/Arm Compiler semantics: `>>` of a negative int32 is arithmetic.
 */
#include <arm_acle.h>

#include "pooling_dsp.h"

#ifndef __ARM_FEATURE_DSP
#error "kernels/optimized/pooling_dsp.c needs the DSP extension (Cortex-M4, M7, M33, M55)"
#endif

/* aligned(1): the compiler must not merge two neighbouring loads into an LDRD, which faults on
 * an unaligned address where LDR does not. */
typedef uint32_t __attribute__((may_alias, aligned(1))) mf_opt_u32;

/* A word of 4 int8 at any alignment (LDR/STR; the DSP cores allow unaligned single words). */
static inline uint32_t mf_opt_load4(const int8_t *p)
{
    return *(const mf_opt_u32 *)(const void *)p;
}

static inline void mf_opt_store4(int8_t *p, uint32_t v)
{
    *(mf_opt_u32 *)(void *)p = v;
}

static inline uint32_t mf_opt_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* The in-bounds part of output pixel (oy, ox)'s window over one batch image: its first pixel,
 * *rows x *cols pixels (the generator checked every window overlaps the input). */
static inline const int8_t *mf_opt_window(const mf_opt_pool2d_dsp_params *p, const int8_t *image,
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

/* TFLite-Micro's rounded mean of `sum` over d taps (recip = ceil(2^32 / d), 0 for d = 1),
 * clamped. */
static inline int8_t mf_opt_mean(int32_t sum, uint32_t half, uint32_t recip, int32_t lo,
                                 int32_t hi)
{
    const uint32_t a = (uint32_t)(sum < 0 ? -sum : sum) + half;
    const int32_t q = (int32_t)(recip ? (uint32_t)(((uint64_t)a * recip) >> 32) : a);
    const int32_t r = sum < 0 ? -q : q;
    return (int8_t)(r < lo ? lo : (r > hi ? hi : r));
}

mf_status mf_opt_avg_pool2d_dsp_s8(const mf_opt_pool2d_dsp_params *p, const int8_t *input,
                                   int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, ch = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, row = in_w * ch;
    const int32_t lo = p->act_min, hi = p->act_max;
    int32_t b, oy, ox, c, ky, kx;

    if (p->stride_h < 1 || p->stride_w < 1 || p->output.c != ch || p->recip == 0 ||
        p->filter_h * p->filter_w > 256) {
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
                for (c = 0; c + 8 <= ch; c += 8) {
                    /* int16 lanes: channels (c, c+2), (c+1, c+3), (c+4, c+6), (c+5, c+7);
                     * |sum| <= 128 * 256 (the generator's window bound) */
                    uint32_t s02 = 0, s13 = 0, s46 = 0, s57 = 0;
                    const int8_t *r = first + c;
                    for (ky = rows; ky > 0; --ky, r += row) {
                        const int8_t *x = r;
                        for (kx = cols; kx > 0; --kx, x += ch) {
                            const uint32_t v0 = mf_opt_load4(x), v1 = mf_opt_load4(x + 4);
                            s02 = __sadd16(s02, __sxtb16(v0));
                            s13 = __sadd16(s13, mf_opt_sxtb16_ror8(v0));
                            s46 = __sadd16(s46, __sxtb16(v1));
                            s57 = __sadd16(s57, mf_opt_sxtb16_ror8(v1));
                        }
                    }
                    out[c] = mf_opt_mean((int16_t)s02, half, recip, lo, hi);
                    out[c + 1] = mf_opt_mean((int16_t)s13, half, recip, lo, hi);
                    out[c + 2] = mf_opt_mean((int32_t)s02 >> 16, half, recip, lo, hi);
                    out[c + 3] = mf_opt_mean((int32_t)s13 >> 16, half, recip, lo, hi);
                    out[c + 4] = mf_opt_mean((int16_t)s46, half, recip, lo, hi);
                    out[c + 5] = mf_opt_mean((int16_t)s57, half, recip, lo, hi);
                    out[c + 6] = mf_opt_mean((int32_t)s46 >> 16, half, recip, lo, hi);
                    out[c + 7] = mf_opt_mean((int32_t)s57 >> 16, half, recip, lo, hi);
                }
                for (; c < ch; ++c) {
                    int32_t sum = 0;
                    const int8_t *r = first + c;
                    for (ky = rows; ky > 0; --ky, r += row) {
                        for (kx = 0; kx < cols; ++kx) {
                            sum += r[kx * ch];
                        }
                    }
                    out[c] = mf_opt_mean(sum, half, recip, lo, hi);
                }
            }
        }
    }
    return MF_OK;
}

/* Lanewise signed max and min of 4 int8: SSUB8 sets a lane's GE flag where a >= b, SEL takes
 * its first operand there (one asm statement: nothing may touch the flags in between). */
static inline uint32_t mf_opt_max4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

static inline uint32_t mf_opt_min4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

mf_status mf_opt_max_pool2d_dsp_s8(const mf_opt_pool2d_dsp_params *p, const int8_t *input,
                                   int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, ch = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, row = in_w * ch;
    const int32_t lo = p->act_min, hi = p->act_max;
    /* the activation bounds in every byte lane */
    const uint32_t lo4 = 0x01010101u * (uint8_t)lo, hi4 = 0x01010101u * (uint8_t)hi;
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
                for (c = 0; c + 4 <= ch; c += 4) {
                    uint32_t m = 0x80808080u;          /* -128 in every lane */
                    const int8_t *r = first + c;
                    for (ky = rows; ky > 0; --ky, r += row) {
                        const int8_t *x = r;
                        for (kx = cols; kx > 0; --kx, x += ch) {
                            m = mf_opt_max4(mf_opt_load4(x), m);
                        }
                    }
                    mf_opt_store4(out + c, mf_opt_min4(mf_opt_max4(m, lo4), hi4));
                }
                for (; c < ch; ++c) {
                    int32_t m = -128;
                    const int8_t *r = first + c;
                    for (ky = rows; ky > 0; --ky, r += row) {
                        for (kx = 0; kx < cols; ++kx) {
                            m = r[kx * ch] > m ? r[kx * ch] : m;
                        }
                    }
                    out[c] = (int8_t)(m < lo ? lo : (m > hi ? hi : m));
                }
            }
        }
    }
    return MF_OK;
}

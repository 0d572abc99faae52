/*
 * mcuforge optimized kernels: DEPTHWISE_CONV_2D for the DSP extension (layouts in
 * depthwise_conv2d_dsp.h). Per output pixel the tap pointers are set once (a padded tap points at
 * a pixel of zero points), then 4 channels at a time: per tap one word of inputs widened by two
 * SXTB16, one 8-byte load of weights and 4 16x16 multiply-accumulates. Requantization as in
 * conv2d_dsp.c, exactly TFLite-Micro's. `>>` of a negative int32 is arithmetic (GCC, Clang,
 * Arm Compiler).
 */
#include <arm_acle.h>

#include "depthwise_conv2d_dsp.h"

#ifndef __ARM_FEATURE_DSP
#error "kernels/optimized/depthwise_conv2d_dsp.c needs the DSP extension (Cortex-M4, M7, M33, M55)"
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

static inline __attribute__((always_inline)) int8_t
mf_opt_requant(int32_t acc2, int32_t multiplier, int32_t e, int32_t rounding, int32_t lo,
               int32_t hi, int full_range)
{
    int32_t r = mf_opt_smmulr(acc2, multiplier);
    r = (r + (r >> 31) + rounding) >> e;
    if (full_range) {
        return (int8_t)__ssat(r, 8);
    }
    r = r < lo ? lo : r;
    return (int8_t)(r > hi ? hi : r);
}

static inline __attribute__((always_inline)) void
mf_opt_dw_body(const mf_opt_depthwise_conv2d_dsp_params *p, const int8_t *input, int8_t *output,
               int32_t k_h, int32_t k_w, int full_range)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, c = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w;
    const int32_t c_padded = p->c_padded, taps = k_h * k_w;
    const int32_t whole = c & ~3;
    const int32_t lo = p->act_min, hi = p->act_max;
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
                const mf_opt_u32 *wg = (const mf_opt_u32 *)(const void *)p->weights;
                int32_t ky, kx, t, ch;
                for (ky = 0, t = 0; ky < k_h; ++ky) {
                    const int32_t iy = y0 + ky;
                    for (kx = 0; kx < k_w; ++kx, ++t) {
                        const int32_t ix = x0 + kx;
                        tap[t] = (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w)
                                     ? in + (iy * in_w + ix) * c : pad_pixel;
                    }
                }
                for (ch = 0; ch < whole; ch += 4, q += 16, wg += 2) {
                    int32_t a0 = q[0], a1 = q[1], a2 = q[2], a3 = q[3];
                    const mf_opt_u32 *w = wg;
                    for (t = 0; t < taps; ++t, w += c_padded >> 1) {
                        const uint32_t v = *(const mf_opt_u32 *)(const void *)(tap[t] + ch);
                        const uint32_t ev = __sxtb16(v), od = mf_opt_sxtb16_ror8(v);
                        const uint32_t we = w[0], wo = w[1];
                        a0 = __smlabb(ev, we, a0);
                        a2 = __smlatt(ev, we, a2);
                        a1 = __smlabb(od, wo, a1);
                        a3 = __smlatt(od, wo, a3);
                    }
                    out[ch] = mf_opt_requant(a0, q[4], q[8], q[12], lo, hi, full_range);
                    out[ch + 1] = mf_opt_requant(a1, q[5], q[9], q[13], lo, hi, full_range);
                    out[ch + 2] = mf_opt_requant(a2, q[6], q[10], q[14], lo, hi, full_range);
                    out[ch + 3] = mf_opt_requant(a3, q[7], q[11], q[15], lo, hi, full_range);
                }
                for (; ch < c; ++ch) {     /* the last c % 4 channels, one at a time */
                    const int32_t j = ch & 3, lane = (j == 1) ? 2 : (j == 2) ? 1 : j;
                    const int16_t *w = p->weights + (ch & ~3) + lane;
                    const int32_t *qg = p->quant + 16 * (ch >> 2);
                    int32_t acc = qg[j];
                    for (t = 0; t < taps; ++t, w += c_padded) {
                        acc += (int32_t)tap[t][ch] * *w;
                    }
                    out[ch] = mf_opt_requant(acc, qg[4 + j], qg[8 + j], qg[12 + j], lo, hi,
                                             full_range);
                }
            }
        }
    }
}

mf_status mf_opt_depthwise_conv2d_dsp_s8(const mf_opt_depthwise_conv2d_dsp_params *p,
                                         const int8_t *input, int8_t *output)
{
    if (p->c_padded < p->input.c || (p->c_padded & 3) != 0 || p->k_h < 1 || p->k_w < 1) {
        return MF_ERROR_ARGUMENT;
    }
    if (p->act_min == -128 && p->act_max == 127) {
        mf_opt_dw_body(p, input, output, p->k_h, p->k_w, 1);
    } else {
        mf_opt_dw_body(p, input, output, p->k_h, p->k_w, 0);
    }
    return MF_OK;
}

mf_status mf_opt_depthwise_conv2d_3x3_dsp_s8(const mf_opt_depthwise_conv2d_dsp_params *p,
                                             const int8_t *input, int8_t *output)
{
    if (p->c_padded < p->input.c || (p->c_padded & 3) != 0 || p->k_h != 3 || p->k_w != 3) {
        return MF_ERROR_ARGUMENT;
    }
    if (p->act_min == -128 && p->act_max == 127) {
        mf_opt_dw_body(p, input, output, 3, 3, 1);
    } else {
        mf_opt_dw_body(p, input, output, 3, 3, 0);
    }
    return MF_OK;
}

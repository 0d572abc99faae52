/*
 * mcuforge: AVERAGE_POOL_2D and MAX_POOL_2D, int8 and int16 (input and output share scale and
 * zero point, so values are pooled as they are). Portable C99; see mcuforge_kernels.h.
 * TFLite-Micro's int16 reference kernels do what its int8 ones do on wider values; the int16
 * functions share one window walk for both ops.
 */
#include "pooling.h"
#include "mf_fixedpoint.h"

/* The in-bounds part [*start, *end) of a window of `size` taps starting at `origin` over an
 * axis of `extent` values, as tap indices. */
static void mf_window(int32_t origin, int32_t size, int32_t extent, int32_t *start, int32_t *end)
{
    *start = (origin < 0) ? -origin : 0;
    *end = (extent - origin < size) ? extent - origin : size;
}

mf_status mf_avg_pool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, ch = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w;
    int32_t b, oy, ox, c;

    if (p->stride_h < 1 || p->stride_w < 1 || p->output.c != ch) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * ch;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t ky_start, ky_end;
            mf_window(y0, p->filter_h, in_h, &ky_start, &ky_end);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * ch;
                int32_t kx_start, kx_end, count;
                mf_window(x0, p->filter_w, in_w, &kx_start, &kx_end);
                /* The generator checked that every window overlaps the input (count >= 1). */
                count = (ky_end - ky_start) * (kx_end - kx_start);
                if (count <= 0) {
                    return MF_ERROR_ARGUMENT;
                }
                for (c = 0; c < ch; ++c) {
                    /* |sum| <= 128 * filter_h * filter_w, far below 2^31 */
                    int32_t sum = 0;
                    int32_t ky, kx;
                    for (ky = ky_start; ky < ky_end; ++ky) {
                        for (kx = kx_start; kx < kx_end; ++kx) {
                            sum += in_batch[((y0 + ky) * in_w + (x0 + kx)) * ch + c];
                        }
                    }
                    /* mean rounded half away from zero (C99 division truncates toward zero) */
                    sum = (sum > 0) ? (sum + count / 2) / count : (sum - count / 2) / count;
                    out_pixel[c] = (int8_t)mf_clamp(sum, p->act_min, p->act_max);
                }
            }
        }
    }
    return MF_OK;
}

mf_status mf_max_pool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, ch = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w;
    int32_t b, oy, ox, c;

    if (p->stride_h < 1 || p->stride_w < 1 || p->output.c != ch) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->output.n; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * ch;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t ky_start, ky_end;
            mf_window(y0, p->filter_h, in_h, &ky_start, &ky_end);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * ch;
                int32_t kx_start, kx_end;
                mf_window(x0, p->filter_w, in_w, &kx_start, &kx_end);
                for (c = 0; c < ch; ++c) {
                    /* An empty window (excluded at generation time) would give -128. */
                    int32_t best = -128;
                    int32_t ky, kx;
                    for (ky = ky_start; ky < ky_end; ++ky) {
                        for (kx = kx_start; kx < kx_end; ++kx) {
                            const int32_t v = in_batch[((y0 + ky) * in_w + (x0 + kx)) * ch + c];
                            best = (v > best) ? v : best;
                        }
                    }
                    out_pixel[c] = (int8_t)mf_clamp(best, p->act_min, p->act_max);
                }
            }
        }
    }
    return MF_OK;
}

/* The mean (rounded half away from zero) or the maximum of the in-bounds taps of one window
 * of channel c. The generator checked that every window overlaps the input (count >= 1);
 * |sum| <= 32768 * filter_h * filter_w stays below 2^31 for windows of fewer than 2^16 taps, which the
 * generator also checked. */
static int32_t pool_window(const int16_t *in_batch, int32_t in_w, int32_t ch, int32_t c,
                           int32_t y0, int32_t ky_start, int32_t ky_end,
                           int32_t x0, int32_t kx_start, int32_t kx_end, int take_max)
{
    const int32_t count = (ky_end - ky_start) * (kx_end - kx_start);
    int32_t acc = take_max ? INT16_MIN : 0;
    int32_t ky, kx;
    for (ky = ky_start; ky < ky_end; ++ky) {
        for (kx = kx_start; kx < kx_end; ++kx) {
            const int32_t v = in_batch[((y0 + ky) * in_w + (x0 + kx)) * ch + c];
            acc = take_max ? ((v > acc) ? v : acc) : acc + v;
        }
    }
    if (take_max) {
        return acc;
    }
    /* C99 division truncates toward zero */
    return (acc > 0) ? (acc + count / 2) / count : (acc - count / 2) / count;
}

static mf_status pool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output,
                            int take_max)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, ch = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w;
    int32_t b, oy, ox, c;

    if (p->stride_h < 1 || p->stride_w < 1 || p->output.c != ch) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->output.n; ++b) {
        const int16_t *in_batch = input + b * in_h * in_w * ch;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t ky_start, ky_end;
            mf_window(y0, p->filter_h, in_h, &ky_start, &ky_end);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int16_t *out_pixel = output + ((b * out_h + oy) * out_w + ox) * ch;
                int32_t kx_start, kx_end;
                mf_window(x0, p->filter_w, in_w, &kx_start, &kx_end);
                if (ky_end <= ky_start || kx_end <= kx_start) {
                    return MF_ERROR_ARGUMENT;
                }
                for (c = 0; c < ch; ++c) {
                    out_pixel[c] = (int16_t)mf_clamp(
                        pool_window(in_batch, in_w, ch, c, y0, ky_start, ky_end, x0, kx_start,
                                    kx_end, take_max),
                        p->act_min, p->act_max);
                }
            }
        }
    }
    return MF_OK;
}

mf_status mf_avg_pool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output)
{
    return pool2d_s16(p, input, output, 0);
}

mf_status mf_max_pool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output)
{
    return pool2d_s16(p, input, output, 1);
}

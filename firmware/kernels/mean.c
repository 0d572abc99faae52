/*
 * mcuforge: MEAN, int8, over any set of axes. Portable C99; see mcuforge_kernels.h.
 *
 * For each output value (the kept dimensions, in order) the count input values it averages
 * are summed exactly in int32, the input zero point is taken out (sum_offset), and the sum is
 * requantized with a multiplier that already includes 1 / count: the same integer arithmetic
 * as TFLite-Micro's quantized mean, whatever order the values are summed in.
 */
#include "mean.h"
#include "mf_fixedpoint.h"

/* Advances a row-major index over `dims` (n of them, n >= 0); returns 0 after the last one. */
static int mf_next_index(int32_t *index, const int32_t *dims, int32_t n)
{
    int32_t d;
    for (d = n - 1; d >= 0; --d) {
        if (++index[d] < dims[d]) {
            return 1;
        }
        index[d] = 0;
    }
    return 0;
}

mf_status mf_mean_s8(const mf_mean_params *p, const int8_t *input, int8_t *output)
{
    /* the kept (k) and reduced (r) dimensions with their input strides */
    int32_t k_dims[MF_MAX_DIMS], k_strides[MF_MAX_DIMS], k_index[MF_MAX_DIMS];
    int32_t r_dims[MF_MAX_DIMS], r_strides[MF_MAX_DIMS], r_index[MF_MAX_DIMS];
    int32_t n_kept = 0, n_reduced = 0, stride = 1, d;

    if (p->rank < 1 || p->rank > MF_MAX_DIMS || p->count < 1 || p->shift < -31 || p->shift > 30) {
        return MF_ERROR_ARGUMENT;
    }
    for (d = p->rank - 1; d >= 0; --d) {   /* innermost first, to accumulate the strides */
        if (p->reduced[d]) {
            r_dims[n_reduced] = p->input_dims[d];
            r_strides[n_reduced++] = stride;
        } else {
            k_dims[n_kept] = p->input_dims[d];
            k_strides[n_kept++] = stride;
        }
        stride *= p->input_dims[d];
    }
    /* back to outermost first, so that outputs come out in row-major order */
    for (d = 0; d < n_kept / 2; ++d) {
        int32_t t = k_dims[d];
        k_dims[d] = k_dims[n_kept - 1 - d];
        k_dims[n_kept - 1 - d] = t;
        t = k_strides[d];
        k_strides[d] = k_strides[n_kept - 1 - d];
        k_strides[n_kept - 1 - d] = t;
    }
    for (d = 0; d < MF_MAX_DIMS; ++d) {
        k_index[d] = 0;
        r_index[d] = 0;
    }

    do {
        int32_t base = 0, sum = 0, i;
        for (i = 0; i < n_kept; ++i) {
            base += k_index[i] * k_strides[i];
        }
        do {
            int32_t offset = base;
            for (i = 0; i < n_reduced; ++i) {
                offset += r_index[i] * r_strides[i];
            }
            sum += input[offset];          /* |sum| <= 128 * count < 2^31 */
        } while (mf_next_index(r_index, r_dims, n_reduced));
        *output++ = (int8_t)mf_clamp(
            mf_add_wrapping(mf_multiply_by_quantized_multiplier(sum + p->sum_offset,
                                                                p->multiplier, p->shift),
                            p->output_offset),
            -128, 127);
    } while (mf_next_index(k_index, k_dims, n_kept));
    return MF_OK;
}

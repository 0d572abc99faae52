/*
 * mcuforge: REDUCE_MAX, REDUCE_MIN and SUM, int8, over any set of axes. Portable C99; see
 * mcuforge_kernels.h for the parameter contract.
 *
 * The dimensions are split into the kept ones (walked in order: one output each) and the
 * reduced ones (walked for every output). REDUCE_MAX / REDUCE_MIN keep the largest / smallest
 * stored value; SUM adds the values exactly in int32, takes the input zero point out
 * (sum_offset) and requantizes the sum once, as TFLite-Micro's quantized sum does, whatever
 * order the values are added in.
 */
#include "reduce.h"
#include "mf_fixedpoint.h"

enum { MF_REDUCE_MAX, MF_REDUCE_MIN, MF_REDUCE_SUM };

/* The kept (k) and reduced (r) dimensions, outermost first, with their input strides. */
typedef struct {
    int32_t n_kept, n_reduced;
    int32_t k_dims[MF_MAX_DIMS], k_strides[MF_MAX_DIMS];
    int32_t r_dims[MF_MAX_DIMS], r_strides[MF_MAX_DIMS];
} mf_reduce_split;

static int mf_reduce_split_of(const mf_reduce_params *p, mf_reduce_split *s)
{
    int32_t strides[MF_MAX_DIMS];
    int32_t stride = 1, d;
    if (p->rank < 1 || p->rank > MF_MAX_DIMS) {
        return 0;
    }
    for (d = p->rank - 1; d >= 0; --d) {
        if (p->input_dims[d] < 1) {
            return 0;
        }
        strides[d] = stride;
        stride *= p->input_dims[d];
    }
    s->n_kept = 0;
    s->n_reduced = 0;
    for (d = 0; d < p->rank; ++d) {
        if (p->reduced[d]) {
            s->r_dims[s->n_reduced] = p->input_dims[d];
            s->r_strides[s->n_reduced++] = strides[d];
        } else {
            s->k_dims[s->n_kept] = p->input_dims[d];
            s->k_strides[s->n_kept++] = strides[d];
        }
    }
    return 1;
}

/* Advances a row-major index over `dims` (n of them, n >= 0) and the offset it addresses
 * through `strides`; returns 0 after the last index (then index is all zeros again). */
static int mf_reduce_next(int32_t *index, int32_t *offset, const int32_t *dims,
                          const int32_t *strides, int32_t n)
{
    int32_t d;
    for (d = n - 1; d >= 0; --d) {
        if (++index[d] < dims[d]) {
            *offset += strides[d];
            return 1;
        }
        index[d] = 0;
        *offset -= strides[d] * (dims[d] - 1);
    }
    return 0;
}

/* One walk for the three ops: `sum` is NULL unless kind is MF_REDUCE_SUM. */
static mf_status mf_reduce_s8(const mf_reduce_params *p, const mf_sum_params *sum, int kind,
                              const int8_t *input, int8_t *output)
{
    mf_reduce_split s;
    int32_t k_index[MF_MAX_DIMS], r_index[MF_MAX_DIMS];
    int32_t base = 0, d;

    if (!mf_reduce_split_of(p, &s)) {
        return MF_ERROR_ARGUMENT;
    }
    for (d = 0; d < MF_MAX_DIMS; ++d) {
        k_index[d] = 0;
        r_index[d] = 0;
    }
    do {
        int32_t offset = base;
        int32_t acc = (kind == MF_REDUCE_MAX) ? -128 : (kind == MF_REDUCE_MIN) ? 127 : 0;
        do {
            const int32_t x = input[offset];
            if (kind == MF_REDUCE_MAX) {
                acc = (x > acc) ? x : acc;
            } else if (kind == MF_REDUCE_MIN) {
                acc = (x < acc) ? x : acc;
            } else {
                acc += x;                  /* |acc| <= 128 * count < 2^31 */
            }
        } while (mf_reduce_next(r_index, &offset, s.r_dims, s.r_strides, s.n_reduced));
        if (kind == MF_REDUCE_SUM) {
            acc = mf_clamp(mf_multiply_by_quantized_multiplier(acc + sum->sum_offset,
                                                               sum->multiplier, sum->shift) +
                               sum->output_offset,
                           -128, 127);
        }
        *output++ = (int8_t)acc;
    } while (mf_reduce_next(k_index, &base, s.k_dims, s.k_strides, s.n_kept));
    return MF_OK;
}

mf_status mf_reduce_max_s8(const mf_reduce_params *p, const int8_t *input, int8_t *output)
{
    return mf_reduce_s8(p, NULL, MF_REDUCE_MAX, input, output);
}

mf_status mf_reduce_min_s8(const mf_reduce_params *p, const int8_t *input, int8_t *output)
{
    return mf_reduce_s8(p, NULL, MF_REDUCE_MIN, input, output);
}

mf_status mf_sum_s8(const mf_sum_params *p, const int8_t *input, int8_t *output)
{
    if (p->count < 1 || p->shift < -31 || p->shift > 30) {
        return MF_ERROR_ARGUMENT;
    }
    return mf_reduce_s8(&p->reduce, p, MF_REDUCE_SUM, input, output);
}

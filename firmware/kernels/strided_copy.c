/*
 * mcuforge: the strided copy shared by the data-movement kernels. Portable C99; see
 * strided_copy.h for the parameter contract.
 *
 * The innermost dimension is one run: a memcpy when its stride is 1, else a strided loop. The
 * outer dimensions advance like an odometer, each carrying its input offset along: a step adds
 * the dimension's stride, a wrap takes its extent times the stride back off.
 */
#include <string.h>

#include "strided_copy.h"

mf_status mf_strided_copy_s8(const mf_strided_copy_params *p, const int8_t *input,
                             int8_t *output)
{
    int32_t index[MF_MAX_DIMS];
    int32_t offset = p->input_offset;
    int32_t inner, inner_stride, d, i;

    if (p->rank < 1 || p->rank > MF_MAX_DIMS) {
        return MF_ERROR_ARGUMENT;
    }
    for (d = 0; d < p->rank; ++d) {
        if (p->output_dims[d] < 1) {
            return MF_ERROR_ARGUMENT;
        }
        index[d] = 0;
    }
    inner = p->output_dims[p->rank - 1];
    inner_stride = p->input_strides[p->rank - 1];

    for (;;) {
        if (inner_stride == 1) {
            memcpy(output, input + offset, (size_t)inner);
        } else {
            int32_t at = offset;
            for (i = 0; i < inner; ++i) {
                output[i] = input[at];
                at += inner_stride;
            }
        }
        output += inner;

        /* next row: advance the outer dimensions, innermost first */
        for (d = p->rank - 2; d >= 0; --d) {
            offset += p->input_strides[d];
            if (++index[d] < p->output_dims[d]) {
                break;
            }
            offset -= p->input_strides[d] * p->output_dims[d];
            index[d] = 0;
        }
        if (d < 0) {
            return MF_OK;
        }
    }
}

/*
 * mcuforge: PAD and PADV2, int8, constant padding. Portable C99; see mcuforge_kernels.h.
 *
 * The output is written row by row (a row is the innermost dimension). A row whose outer
 * indices all fall inside the input block gets pad_before values, the next input row and
 * pad_after values; any other row is all padding. Input rows are read in order.
 */
#include <string.h>

#include "pad.h"

mf_status mf_pad_s8(const mf_pad_params *p, const int8_t *input, int8_t *output)
{
    const int32_t rank = p->rank;
    int32_t out_dims[MF_MAX_DIMS];
    int32_t index[MF_MAX_DIMS];
    int32_t rows = 1, in_row, out_row, before, after, row, d;
    const int pad_byte = (int)(uint8_t)(int8_t)p->pad_value;   /* memset takes the byte */

    if (rank < 1 || rank > MF_MAX_DIMS || p->pad_value < -128 || p->pad_value > 127) {
        return MF_ERROR_ARGUMENT;
    }
    for (d = 0; d < rank; ++d) {
        if (p->pad_before[d] < 0 || p->pad_after[d] < 0) {
            return MF_ERROR_ARGUMENT;
        }
        out_dims[d] = p->pad_before[d] + p->input_dims[d] + p->pad_after[d];
        index[d] = 0;
        if (d < rank - 1) {
            rows *= out_dims[d];
        }
    }
    in_row = p->input_dims[rank - 1];
    out_row = out_dims[rank - 1];
    before = p->pad_before[rank - 1];
    after = p->pad_after[rank - 1];

    for (row = 0; row < rows; ++row) {
        int inside = 1;
        for (d = 0; d < rank - 1; ++d) {
            if (index[d] < p->pad_before[d] || index[d] >= p->pad_before[d] + p->input_dims[d]) {
                inside = 0;
                break;
            }
        }
        if (inside) {
            memset(output, pad_byte, (size_t)before);
            memcpy(output + before, input, (size_t)in_row);
            memset(output + before + in_row, pad_byte, (size_t)after);
            input += in_row;
        } else {
            memset(output, pad_byte, (size_t)out_row);
        }
        output += out_row;
        for (d = rank - 2; d >= 0; --d) {
            if (++index[d] < out_dims[d]) {
                break;
            }
            index[d] = 0;
        }
    }
    return MF_OK;
}

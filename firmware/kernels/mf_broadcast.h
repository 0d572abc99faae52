/*
 * mcuforge: the operand layout shared by the int8 binary kernels (mul.c, sub.c,
 * maximum_minimum.c, squared_difference.c): numpy-style broadcasting of two operands to one
 * output, either operand possibly a constant of the model.
 *
 * mf_broadcast_params is nested as the `broadcast` member of each of those kernels' params and
 * mirrored field for field by mcuforge.compile.ops.binary.BroadcastParams;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 * The walk helpers below are `static inline`, portable C99.
 */
#ifndef MF_BROADCAST_H
#define MF_BROADCAST_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shapes (as in mcuforge_kernels.h): the output is [output_dims], rank 1..MF_MAX_DIMS,
 * row-major and contiguous, every extent >= 1. Input i's value for the output index
 * (j_0, ..., j_{rank-1}) is read at sum_d j_d * input_i_strides[d] (elements, >= 0); a stride
 * of 0 repeats (broadcasts) that input along d. The generator merged the dimensions that both
 * inputs walk alike (compile/ops/shapes.py), so the innermost stride of each input is 0 or 1.
 * Every offset lies inside its input, whose size is below 2^31 elements, so no offset
 * overflows.
 * Constant operand: constant_input is 0 when both operands are tensors in the arena (the
 * kernel's two-input function is called, constant is NULL); 1 or 2 when that operand is a
 * constant array of the model, pointed to by `constant` (row-major, read with the strides of
 * that input), and the kernel's `_const` function is called with the other operand only. */
typedef struct {
    int32_t rank;
    int32_t output_dims[MF_MAX_DIMS];
    int32_t input1_strides[MF_MAX_DIMS];
    int32_t input2_strides[MF_MAX_DIMS];
    int32_t constant_input;
    const int8_t *constant;
} mf_broadcast_params;

/* Position of a row-by-row walk over the output: each row is the innermost dimension,
 * `inner` outputs read at offset_i + k * stride_i (k = 0 .. inner - 1) from input i. */
typedef struct {
    int32_t index[MF_MAX_DIMS];   /* of the current row, outer dimensions only */
    int32_t offset1, offset2;     /* of the current row's first value in each input */
    int32_t rows;                 /* product of the outer extents */
    int32_t inner;                /* innermost extent */
    int32_t stride1, stride2;     /* innermost strides */
} mf_broadcast_walk;

/* Starts a walk at the first row; returns 0 (and the kernel MF_ERROR_ARGUMENT) for a rank
 * outside 1..MF_MAX_DIMS. */
static inline int mf_broadcast_begin(const mf_broadcast_params *b, mf_broadcast_walk *w)
{
    int32_t d;
    if (b->rank < 1 || b->rank > MF_MAX_DIMS) {
        return 0;
    }
    w->rows = 1;
    for (d = 0; d < MF_MAX_DIMS; ++d) {
        w->index[d] = 0;
    }
    for (d = 0; d < b->rank - 1; ++d) {
        w->rows *= b->output_dims[d];
    }
    w->inner = b->output_dims[b->rank - 1];
    w->stride1 = b->input1_strides[b->rank - 1];
    w->stride2 = b->input2_strides[b->rank - 1];
    w->offset1 = 0;
    w->offset2 = 0;
    return 1;
}

/* Moves to the next row, like an odometer over the outer dimensions: the offsets grow by a
 * dimension's stride when its index steps and fall back when it wraps to 0. */
static inline void mf_broadcast_next_row(const mf_broadcast_params *b, mf_broadcast_walk *w)
{
    int32_t d;
    for (d = b->rank - 2; d >= 0; --d) {
        if (++w->index[d] < b->output_dims[d]) {
            w->offset1 += b->input1_strides[d];
            w->offset2 += b->input2_strides[d];
            return;
        }
        w->index[d] = 0;
        w->offset1 -= b->input1_strides[d] * (b->output_dims[d] - 1);
        w->offset2 -= b->input2_strides[d] * (b->output_dims[d] - 1);
    }
}

/* The two operands of a `_const` function: the constant on the side constant_input names,
 * `input` on the other. Returns 0 when the params hold no constant. */
static inline int mf_broadcast_operands(const mf_broadcast_params *b, const int8_t *input,
                                        const int8_t **input1, const int8_t **input2)
{
    if (b->constant == NULL || (b->constant_input != 1 && b->constant_input != 2)) {
        return 0;
    }
    *input1 = (b->constant_input == 1) ? b->constant : input;
    *input2 = (b->constant_input == 1) ? input : b->constant;
    return 1;
}

#ifdef __cplusplus
}
#endif

#endif /* MF_BROADCAST_H */

/*
 * mcuforge cmsis-nn kernel: SOFTMAX, int8, through CMSIS-NN's arm_softmax_s8.
 * Same contract as the portable kernels/softmax.h (bit for bit); the params struct is mirrored
 * field for field by mcuforge.compile.ops.cmsis_nn (a test compares the two through the DWARF).
 *
 * CMSIS-NN (Include/, with its Source/ compiled into the firmware) and the CMSIS Core headers
 * are found through the include path; they are not part of mcuforge.
 */
#ifndef MF_CMSIS_KERNEL_SOFTMAX_H
#define MF_CMSIS_KERNEL_SOFTMAX_H

#include "arm_nnfunctions.h"
#include "mcuforge_kernels.h"

/* The CMSIS-NN code path this translation unit gets: 0 portable C, 1 DSP extension, 2 Helium
 * (CMSIS-NN derives ARM_MATH_DSP and ARM_MATH_MVEI from the compiler's target macros). The
 * scratch sizes in the params were computed for one path; a build that defines MF_CMSIS_NN_ISA
 * to it (0, 1, 2) is stopped here when its compiler flags select another one. */
#ifndef MF_CMSIS_NN_PATH
#if defined(ARM_MATH_MVEI)
#define MF_CMSIS_NN_PATH 2
#elif defined(ARM_MATH_DSP)
#define MF_CMSIS_NN_PATH 1
#else
#define MF_CMSIS_NN_PATH 0
#endif
#endif
#if defined(MF_CMSIS_NN_ISA) && MF_CMSIS_NN_ISA != MF_CMSIS_NN_PATH
#error "MF_CMSIS_NN_ISA: the model was generated for another CMSIS-NN code path than this core's"
#endif
#ifdef CMSIS_NN_USE_SINGLE_ROUNDING
#error "CMSIS_NN_USE_SINGLE_ROUNDING: single rounding is not bit-exact with TFLite-Micro"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* SOFTMAX int8 -> int8 (output scale 1/256, zero point -128) over the last dimension, as
 * arm_softmax_s8 takes it: input and output are [num_rows, row_size] (the leading dimensions
 * flattened into rows), 1 <= row_size <= MF_SOFTMAX_MAX_DEPTH.
 * mult (Q0.31, in [2^30, 2^31)) and shift (in [0, 31]) scale the difference x - max(row) by
 * beta * input_scale * 2^26; differences below diff_min (<= 0) contribute nothing and give -128
 * (the same values as the portable kernel's input_multiplier, input_left_shift, diff_min). */
typedef struct {
    int32_t num_rows;
    int32_t row_size;
    int32_t mult;
    int32_t shift;
    int32_t diff_min;
} mf_cmsis_softmax_params;

mf_status mf_cmsis_softmax_s8(const mf_cmsis_softmax_params *p, const int8_t *input,
                              int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_CMSIS_KERNEL_SOFTMAX_H */

/*
 * mcuforge cmsis-nn kernel: FULLY_CONNECTED, int8, through CMSIS-NN's
 * arm_fully_connected_wrapper_s8.
 * Same contract as the portable kernels/fully_connected.h (bit for bit); the params struct is mirrored
 * field for field by mcuforge.compile.ops.cmsis_nn (a test compares the two through the DWARF).
 *
 * CMSIS-NN (Include/, with its Source/ compiled into the firmware) and the CMSIS Core headers
 * are found through the include path; they are not part of mcuforge.
 */
#ifndef MF_CMSIS_KERNEL_FULLY_CONNECTED_H
#define MF_CMSIS_KERNEL_FULLY_CONNECTED_H

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

/* FULLY_CONNECTED int8, as arm_fully_connected_wrapper_s8 takes it.
 * input [batches, accum_depth] (input_dims n = batches, c = accum_depth); weights
 * [output_depth, accum_depth], one row per output unit (filter_dims n = accum_depth,
 * c = output_depth); bias [output_depth] int32 or NULL (bias_dims c = output_depth); output
 * [batches, output_depth] (output_dims n = batches, c = output_depth).
 * fc_params: input_offset = -input zero point (in [-127, 128]), filter_offset = -weights zero
 * point (in [-127, 128]; 0 for per-channel weights, whose zero points TFLite-Micro ignores),
 * output_offset = +output zero point (in [-128, 127]), activation = the fused bounds.
 * quant_params: is_per_channel 1 with output_depth multipliers and shifts, or 0 with one of each
 * (constant arrays; CMSIS-NN's struct lacks the const).
 * ctx: NULL, 0 on the portable and DSP paths. On Helium buf holds the output_depth int32 kernel
 * sums CMSIS-NN's Helium kernels start from, bias + input_offset * (sum of the row's weights +
 * accum_depth * filter_offset), as arm_vector_sum_s8 computes them: a constant array the
 * generator computed, only read (size = its bytes). */
typedef struct {
    cmsis_nn_context ctx;
    cmsis_nn_fc_params fc_params;
    cmsis_nn_quant_params quant_params;
    cmsis_nn_dims input_dims;
    cmsis_nn_dims filter_dims;
    cmsis_nn_dims bias_dims;
    cmsis_nn_dims output_dims;
    const int8_t *filter_data;
    const int32_t *bias_data;
} mf_cmsis_fully_connected_params;

mf_status mf_cmsis_fully_connected_s8(const mf_cmsis_fully_connected_params *p,
                                      const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_CMSIS_KERNEL_FULLY_CONNECTED_H */

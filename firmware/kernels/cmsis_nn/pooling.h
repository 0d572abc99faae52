/*
 * mcuforge cmsis-nn kernel: AVERAGE_POOL_2D and MAX_POOL_2D, int8, through CMSIS-NN's
 * arm_avgpool_s8 and arm_max_pool_s8.
 * Same contract as the portable kernels/pooling.h (bit for bit); the params struct is mirrored
 * field for field by mcuforge.compile.ops.cmsis_nn (a test compares the two through the DWARF).
 *
 * CMSIS-NN (Include/, with its Source/ compiled into the firmware) and the CMSIS Core headers
 * are found through the include path; they are not part of mcuforge.
 */
#ifndef MF_CMSIS_KERNEL_POOLING_H
#define MF_CMSIS_KERNEL_POOLING_H

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

/* AVERAGE_POOL_2D and MAX_POOL_2D int8, as arm_avgpool_s8 and arm_max_pool_s8 take them; input
 * and output share one quantization, so values are not rescaled.
 * input [n, h, w, c] (input_dims); output [n, oh, ow, c] (output_dims); filter_dims h and w are
 * the window (n and c are 1, unused). pool_params: stride >= 1, padding = the top/left padding,
 * activation = the fused bounds. The average is over the part of the window inside the input
 * (never empty: the generator checks), rounded half away from zero, then clamped.
 * ctx: the average's scratch buffer (c int32 sums on a DSP core: what
 * arm_avgpool_s8_get_buffer_size* gives), or NULL, 0; the max pool takes none.
 * input and output must not overlap. */
typedef struct {
    cmsis_nn_context ctx;
    cmsis_nn_pool_params pool_params;
    cmsis_nn_dims input_dims;
    cmsis_nn_dims filter_dims;
    cmsis_nn_dims output_dims;
} mf_cmsis_pool2d_params;

mf_status mf_cmsis_avg_pool2d_s8(const mf_cmsis_pool2d_params *p, const int8_t *input,
                                 int8_t *output);
mf_status mf_cmsis_max_pool2d_s8(const mf_cmsis_pool2d_params *p, const int8_t *input,
                                 int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_CMSIS_KERNEL_POOLING_H */

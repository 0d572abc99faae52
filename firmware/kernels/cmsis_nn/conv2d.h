/*
 * mcuforge cmsis-nn kernel: CONV_2D, int8, through CMSIS-NN's arm_convolve_wrapper_s8.
 * Same contract as the portable kernels/conv2d.h (bit for bit); the params struct is mirrored
 * field for field by mcuforge.compile.ops.cmsis_nn (a test compares the two through the DWARF).
 *
 * CMSIS-NN (Include/, with its Source/ compiled into the firmware) and the CMSIS Core headers
 * are found through the include path; they are not part of mcuforge.
 */
#ifndef MF_CMSIS_KERNEL_CONV2D_H
#define MF_CMSIS_KERNEL_CONV2D_H

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

/* CONV_2D, per-channel int8, as arm_convolve_wrapper_s8 takes it (it picks the 1x1, 1xN or
 * im2col + matrix-multiply kernel from the shapes).
 * input [n, h, w, c_in]; filter [c_out, fh, fw, c_f] (OHWI; filter_dims n = c_out, c = c_f,
 * with c_in a multiple of c_f: c_f < c_in is a grouped convolution); bias [c_out] int32 or NULL
 * (bias_dims c = c_out); output [n, oh, ow, c_out].
 * conv_params: input_offset = -input zero point (in [-127, 128]), output_offset = +output zero
 * point (in [-128, 127]), stride/dilation >= 1, padding = the top/left padding (bottom/right
 * follow from the output size), activation = the fused bounds in the output's quantized domain.
 * quant_params: c_out multipliers and shifts (double rounding, as mcuforge_kernels.h says);
 * the arrays are constant, CMSIS-NN's struct just lacks the const.
 * ctx: the call's scratch buffer in the arena (buf, size bytes, as CMSIS-NN's
 * arm_convolve_wrapper_s8_get_buffer_size* gives it for the generated-for core), or NULL, 0. */
typedef struct {
    cmsis_nn_context ctx;
    cmsis_nn_conv_params conv_params;
    cmsis_nn_per_channel_quant_params quant_params;
    cmsis_nn_dims input_dims;
    cmsis_nn_dims filter_dims;
    cmsis_nn_dims bias_dims;
    cmsis_nn_dims output_dims;
    const int8_t *filter_data;
    const int32_t *bias_data;
} mf_cmsis_conv2d_params;

mf_status mf_cmsis_conv2d_s8(const mf_cmsis_conv2d_params *p, const int8_t *input,
                             int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_CMSIS_KERNEL_CONV2D_H */

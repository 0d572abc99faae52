/*
 * mcuforge cmsis-nn kernel: PAD and PADV2, int8, through CMSIS-NN's arm_pad_s8.
 * Same contract as the portable kernels/pad.h (bit for bit); the params struct is mirrored
 * field for field by mcuforge.compile.ops.cmsis_nn (a test compares the two through the DWARF).
 *
 * CMSIS-NN (Include/, with its Source/ compiled into the firmware) and the CMSIS Core headers
 * are found through the include path; they are not part of mcuforge.
 */
#ifndef MF_CMSIS_KERNEL_PAD_H
#define MF_CMSIS_KERNEL_PAD_H

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

/* PAD and PADV2 int8 (constant padding, values copied as they are), as arm_pad_s8 takes it: the
 * input is [n, h, w, c] (input_size; a tensor of fewer dimensions has leading extents of 1); the
 * output has pre_pad + input_size + post_pad values along each dimension (paddings >= 0), every
 * value outside the copied input being pad_value (in [-128, 127]: the output zero point for
 * PAD, the quantized constant for PADV2). */
typedef struct {
    cmsis_nn_dims input_size;
    cmsis_nn_dims pre_pad;
    cmsis_nn_dims post_pad;
    int32_t pad_value;
} mf_cmsis_pad_params;

mf_status mf_cmsis_pad_s8(const mf_cmsis_pad_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_CMSIS_KERNEL_PAD_H */

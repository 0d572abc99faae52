/*
 * mcuforge KWS audio front end: int16 audio -> int32 MFCC-like features, integers only.
 *
 * Bit-exact twin of pipeline/features/frontend.py (compute_features); the definition, with every
 * rounding and bound, is written out in that module's docstring and repeated step by step in
 * mf_frontend.c. Real feature value = features[i] / 1024 (log2 units, FEATURE_SCALE).
 *
 * Portable C99: no floating point, no heap, no static mutable state (re-entrant), int64
 * accumulation. Stack use is about 3.2 KB (one frame's windowed samples, power spectrum and mel
 * energies). Right shifts of negative values are never used (implementation-defined in C99).
 */
#ifndef MF_FRONTEND_H
#define MF_FRONTEND_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MF_CLIP_SAMPLES 16000     /* one clip: 1 s of 16 kHz int16 audio */
#define MF_FRAME_SAMPLES 480      /* 30 ms analysis window */
#define MF_FRAME_HOP 320          /* 20 ms hop */
#define MF_NUM_FRAMES 49          /* 1 + (16000 - 480) / 320 */
#define MF_NUM_MFCC 10            /* features per frame */

/* One 480-sample frame (any int16 values) -> MF_NUM_MFCC int32 features, each |f| < 2^19.
 * For streaming: call every MF_FRAME_HOP new samples on the latest MF_FRAME_SAMPLES. */
void mf_frontend_compute_frame(const int16_t *frame /* [MF_FRAME_SAMPLES] */,
                               int32_t *features /* [MF_NUM_MFCC] */);

/* One clip -> features [MF_NUM_FRAMES][MF_NUM_MFCC], row-major (frame t at features + 10 t).
 * Frame t covers audio[320 t .. 320 t + 479]; the last 160 samples are not used. */
void mf_frontend_compute(const int16_t *audio /* [MF_CLIP_SAMPLES] */,
                         int32_t *features /* [MF_NUM_FRAMES * MF_NUM_MFCC] */);

#ifdef __cplusplus
}
#endif

#endif /* MF_FRONTEND_H */

/*
 * mcuforge KWS audio front end: int16 audio -> int32 MFCC-like features, integers only.
 *
 * Bit-exact twin of pipeline/features/frontend.py (compute_features); the definition, with every
 * rounding and bound, is written out in that module's docstring and repeated step by step in
 * mf_frontend.c: a Hann window, a 512-point real FFT (a 256-point int32 complex FFT, halving at
 * every stage, Q31 twiddles), power, 40 mel filters, log2, DCT-II.
 * Real feature value = features[i] / 1024 (log2 units, FEATURE_SCALE).
 *
 * C99: no floating point, no heap, no static mutable state (re-entrant), int64 accumulation.
 * Stack use is about 3.3 KB (the FFT buffer, the power spectrum and the mel energies). On cores
 * with the DSP extension three FFT helpers are single instructions, bit-exact with the portable
 * code (mf_frontend.c). Cost: see README, "Features: the integer front end".
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

/* The FFT helpers this build uses: "dsp" (SMMULR/SMMLAR/SMMLSR) or "portable". */
const char *mf_frontend_variant(void);

/* One clip -> features [MF_NUM_FRAMES][MF_NUM_MFCC], row-major (frame t at features + 10 t).
 * Frame t covers audio[320 t .. 320 t + 479]; the last 160 samples are not used. */
void mf_frontend_compute(const int16_t *audio /* [MF_CLIP_SAMPLES] */,
                         int32_t *features /* [MF_NUM_FRAMES * MF_NUM_MFCC] */);

/* Incremental use on a stream: push MF_FRAME_HOP new samples at a time; from the
 * MF_STREAM_FIRST_FRAME_HOPS-th push on, every push computes the features of the last
 * MF_FRAME_SAMPLES samples pushed (only the new frame: one mf_frontend_compute_frame) and
 * returns 1; before that it returns 0 and leaves features alone. */
#define MF_STREAM_FIRST_FRAME_HOPS ((MF_FRAME_SAMPLES + MF_FRAME_HOP - 1) / MF_FRAME_HOP)   /* 2 */

typedef struct {
    int16_t window[MF_FRAME_SAMPLES];   /* the last MF_FRAME_SAMPLES samples, oldest first */
    unsigned hops;                      /* pushes so far, saturating at MF_STREAM_FIRST_FRAME_HOPS */
} mf_frontend_stream;

void mf_frontend_stream_init(mf_frontend_stream *stream);
int mf_frontend_stream_push(mf_frontend_stream *stream, const int16_t *hop /* [MF_FRAME_HOP] */,
                            int32_t *features /* [MF_NUM_MFCC] */);

#ifdef __cplusplus
}
#endif

#endif /* MF_FRONTEND_H */

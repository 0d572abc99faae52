/* mcuforge streaming keyword spotting: 16-bit PCM in, detection events out.
 *
 * Every MF_FRAME_HOP (320) new samples the front end computes one frame of MF_NUM_MFCC features
 * from the newest MF_FRAME_SAMPLES (480) samples (mf_frontend_compute_frame), quantizes it to the
 * model's int8 input and writes it into a ring of the last MF_NUM_FRAMES (49) frames: only the new
 * frame is computed each hop. Once 49 frames exist, every `infer_every` hops the ring is copied,
 * oldest frame first, into the model input and the model runs; its int8 posteriors go into a
 * ring of the last `window` inferences, and a keyword fires when the sum of its (q - zero point)
 * over a full window reaches `threshold` while no refractory time is left. These are the same
 * frames, in the same order, as the clip-wise front end gives for the 1 s that ends at the hop,
 * so the model sees exactly what it was trained on.
 *
 * Portable C99: no heap, no floating point, no stdio; one mf_stream per stream, all state inside.
 * pipeline/stream/ computes every constant of mf_stream_config (input thresholds, score threshold)
 * from the model and the recipe. */
#ifndef MF_STREAM_H
#define MF_STREAM_H

#include <stdint.h>

#include "mf_frontend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MF_STREAM_MAX_CLASSES 32   /* model outputs (detect_mask has one bit per class) */
#define MF_STREAM_MAX_WINDOW 16    /* inferences averaged; pipeline/recipe.py STREAM_MAX_WINDOW */
#define MF_STREAM_INPUT_LEVELS 255 /* thresholds between the 256 int8 values */

typedef struct {
    uint32_t num_classes;            /* model outputs, 1..MF_STREAM_MAX_CLASSES */
    /* Feature -> int8: q = -128 + #{k : f >= input_thresholds[k]}, the table ascending. It is the
     * exact image of the float quantization the model's test vectors use (monotone in f), built
     * by pipeline/stream/config.py. */
    const int32_t *input_thresholds; /* [MF_STREAM_INPUT_LEVELS] */
    int32_t output_zero_point;
    uint32_t infer_every;            /* hops between inferences, >= 1 */
    uint32_t window;                 /* inferences averaged, 1..MF_STREAM_MAX_WINDOW */
    /* A class fires when sum over the window of (q - output_zero_point) >= threshold; with the
     * softmax's scale 1/256 that is window * 256 * mean posterior. |sum| <= 16 * 255 < 2^12. */
    int32_t threshold;
    uint32_t refractory_hops;        /* hops after a detection during which nothing fires */
    uint32_t detect_mask;            /* bit c set: class c is a keyword (may fire) */
    int (*invoke)(const int8_t *input, int8_t *output);  /* the model; 0 on success */
    int8_t *input;                   /* [MF_NUM_FRAMES * MF_NUM_MFCC]: the model's input */
    int8_t *output;                  /* [num_classes]: the model's output */
    uint32_t (*ticks)(void);         /* optional counter (NULL: not timed) */
} mf_stream_config;

typedef struct {
    uint32_t class_index;
    uint32_t sample;                 /* samples consumed when it fired (the end of the last hop) */
    int32_t score;                   /* the window sum that reached the threshold */
} mf_stream_event;

/* What one mf_stream_push did; ticks are 0 without a counter. */
typedef struct {
    uint32_t hops;                   /* frames computed */
    uint32_t inferences;
    uint32_t frontend_ticks;         /* counter differences summed over the frames */
    uint32_t model_ticks;            /* ... over the inferences */
    uint32_t events;                 /* events written */
    uint32_t dropped;                /* events that did not fit max_events */
} mf_stream_result;

typedef struct {
    const mf_stream_config *cfg;
    int16_t audio[MF_FRAME_SAMPLES]; /* audio[0 .. fill - 1]: the newest samples, oldest first */
    uint32_t fill;                   /* < MF_FRAME_SAMPLES between calls */
    int8_t frames[MF_NUM_FRAMES * MF_NUM_MFCC]; /* ring: frame k at row (first_row + k) % 49 */
    uint32_t next_row;               /* row the next frame goes to */
    uint32_t frames_seen;            /* saturates at MF_NUM_FRAMES */
    uint32_t samples;                /* samples consumed since mf_stream_init (wraps after 74 h) */
    uint32_t hops_to_infer;          /* hops until the next inference is due */
    int8_t posteriors[MF_STREAM_MAX_WINDOW * MF_STREAM_MAX_CLASSES]; /* ring of outputs */
    uint32_t next_post;              /* row the next output goes to */
    uint32_t posts_seen;             /* saturates at window */
    int32_t sums[MF_STREAM_MAX_CLASSES]; /* sum over the ring of (q - zero point) per class */
    uint32_t refractory_left;        /* hops */
} mf_stream;

/* Returns 0, or -1 if cfg is out of range (then s is unusable). */
int mf_stream_init(mf_stream *s, const mf_stream_config *cfg);

/* Consumes n samples; writes up to max_events events, in time order. Returns 0, or 1 + k if the
 * model failed in kernel call k (the stream then stops at that hop: call mf_stream_init). */
int mf_stream_push(mf_stream *s, const int16_t *pcm, uint32_t n, mf_stream_event *events,
                   uint32_t max_events, mf_stream_result *result);

#ifdef __cplusplus
}
#endif

#endif /* MF_STREAM_H */

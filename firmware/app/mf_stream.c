/* mcuforge streaming keyword spotting (see mf_stream.h). */
#include "mf_stream.h"

#include <stddef.h>
#include <string.h>

int mf_stream_init(mf_stream *s, const mf_stream_config *cfg)
{
    memset(s, 0, sizeof *s);
    if (cfg == NULL || cfg->num_classes == 0u || cfg->num_classes > MF_STREAM_MAX_CLASSES
        || cfg->window == 0u || cfg->window > MF_STREAM_MAX_WINDOW || cfg->infer_every == 0u
        || cfg->input_thresholds == NULL || cfg->invoke == NULL || cfg->input == NULL
        || cfg->output == NULL) {
        return -1;
    }
    s->cfg = cfg;
    s->hops_to_infer = 1u;     /* the first inference runs as soon as 49 frames exist */
    return 0;
}

/* The int8 model input of one feature: binary search for the number of thresholds <= f. */
static int8_t quantize_feature(const int32_t *thresholds, int32_t f)
{
    uint32_t lo = 0u, hi = MF_STREAM_INPUT_LEVELS;   /* invariant: t[lo-1] <= f < t[hi] */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2u;
        if (f >= thresholds[mid]) {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    return (int8_t)((int32_t)lo - 128);   /* lo in [0, 255] */
}

static uint32_t now(const mf_stream_config *cfg)
{
    return cfg->ticks != NULL ? cfg->ticks() : 0u;
}

/* One frame from s->audio (full): into the ring, quantized. */
static void compute_frame(mf_stream *s, mf_stream_result *r)
{
    const mf_stream_config *cfg = s->cfg;
    int32_t features[MF_NUM_MFCC];
    int8_t *row = &s->frames[s->next_row * MF_NUM_MFCC];
    uint32_t t0 = now(cfg), t1, i;
    mf_frontend_compute_frame(s->audio, features);
    for (i = 0; i < MF_NUM_MFCC; ++i) {
        row[i] = quantize_feature(cfg->input_thresholds, features[i]);
    }
    t1 = now(cfg);
    r->frontend_ticks += t1 - t0;
    r->hops += 1u;
    s->next_row = s->next_row + 1u == MF_NUM_FRAMES ? 0u : s->next_row + 1u;
    if (s->frames_seen < MF_NUM_FRAMES) {
        s->frames_seen += 1u;
    }
}

/* The model on the ring, oldest frame first; then the window sums. 0 or 1 + failing call. */
static int infer(mf_stream *s, mf_stream_result *r)
{
    const mf_stream_config *cfg = s->cfg;
    /* next_row is the oldest frame once the ring is full */
    uint32_t older = (MF_NUM_FRAMES - s->next_row) * MF_NUM_MFCC;
    int8_t *slot = &s->posteriors[s->next_post * MF_STREAM_MAX_CLASSES];
    uint32_t t0, t1, c;
    int status;
    memcpy(cfg->input, &s->frames[s->next_row * MF_NUM_MFCC], older);
    memcpy(cfg->input + older, s->frames, s->next_row * MF_NUM_MFCC);
    t0 = now(cfg);
    status = cfg->invoke(cfg->input, cfg->output);
    t1 = now(cfg);
    r->model_ticks += t1 - t0;
    r->inferences += 1u;
    if (status != 0) {
        return status;
    }
    for (c = 0; c < cfg->num_classes; ++c) {
        int32_t q = (int32_t)cfg->output[c] - cfg->output_zero_point;
        if (s->posts_seen == cfg->window) {   /* the slot holds the oldest output: drop it */
            s->sums[c] -= (int32_t)slot[c] - cfg->output_zero_point;
        }
        s->sums[c] += q;
        slot[c] = cfg->output[c];
    }
    s->next_post = s->next_post + 1u == cfg->window ? 0u : s->next_post + 1u;
    if (s->posts_seen < cfg->window) {
        s->posts_seen += 1u;
    }
    return 0;
}

/* The keyword with the highest window sum fires if it reaches the threshold. */
static void detect(mf_stream *s, mf_stream_event *events, uint32_t max_events, mf_stream_result *r)
{
    const mf_stream_config *cfg = s->cfg;
    uint32_t c, best = 0u;
    int found = 0;
    if (s->posts_seen < cfg->window || s->refractory_left > 0u) {
        return;
    }
    for (c = 0; c < cfg->num_classes; ++c) {
        if (((cfg->detect_mask >> c) & 1u) && (!found || s->sums[c] > s->sums[best])) {
            best = c;
            found = 1;
        }
    }
    if (!found || s->sums[best] < cfg->threshold) {
        return;
    }
    s->refractory_left = cfg->refractory_hops;
    if (r->events < max_events) {
        events[r->events].class_index = best;
        events[r->events].sample = s->samples;
        events[r->events].score = s->sums[best];
        r->events += 1u;
    } else {
        r->dropped += 1u;
    }
}

int mf_stream_push(mf_stream *s, const int16_t *pcm, uint32_t n, mf_stream_event *events,
                   uint32_t max_events, mf_stream_result *result)
{
    mf_stream_result r;
    memset(&r, 0, sizeof r);
    while (n > 0u) {
        uint32_t take = MF_FRAME_SAMPLES - s->fill;
        if (take > n) {
            take = n;
        }
        memcpy(&s->audio[s->fill], pcm, take * sizeof pcm[0]);
        s->fill += take;
        s->samples += take;
        pcm += take;
        n -= take;
        if (s->fill < MF_FRAME_SAMPLES) {
            break;   /* n is 0: wait for more */
        }
        compute_frame(s, &r);
        /* keep the last 160 samples: the next frame starts one hop later */
        memmove(s->audio, &s->audio[MF_FRAME_HOP],
                (MF_FRAME_SAMPLES - MF_FRAME_HOP) * sizeof s->audio[0]);
        s->fill = MF_FRAME_SAMPLES - MF_FRAME_HOP;
        if (s->refractory_left > 0u) {
            s->refractory_left -= 1u;
        }
        if (s->frames_seen == MF_NUM_FRAMES && --s->hops_to_infer == 0u) {
            int status;
            s->hops_to_infer = s->cfg->infer_every;
            status = infer(s, &r);
            if (status != 0) {
                *result = r;
                return status;
            }
            detect(s, events, max_events, &r);
        }
    }
    *result = r;
    return 0;
}

/* The streaming application behind the protocol's STREAM, PLAY and RESET (mf_app.h,
 * mf_app_stream): PCM chunks from the serial line, or from the PCM linked into the firmware
 * (mf_stream_pcm, empty unless the build was given a recording), into mf_stream, its events
 * back. Linked only into a streaming firmware (pipeline/stream/board.py), with the model's
 * generated mf_stream_config.c. */
#include <stddef.h>

#include "mf_app.h"
#include "mf_stream.h"
#include "mf_stream_config.h"

#define MF_STREAM_APP_BYTES 3200   /* 1600 samples (5 hops, 100 ms) per STREAM line */
#define MF_STREAM_APP_EVENTS 8     /* a chunk of 5 hops holds at most 5 inferences */

/* The line's hex is decoded into bytes, then turned into samples in place: sample i is written
 * after its two bytes (2i, 2i + 1, the same storage) have been read. */
static union {
    int8_t bytes[MF_STREAM_APP_BYTES];
    int16_t samples[MF_STREAM_APP_BYTES / 2];
} buffer;
static int32_t events[3 * MF_STREAM_APP_EVENTS];
static mf_stream state;
static int started;
static uint32_t played;   /* samples of mf_stream_pcm played since the last reset */

static void reset(void)
{
    started = mf_stream_init(&state, &mf_stream_cfg) == 0;
    played = 0u;
}

/* n <= MF_STREAM_APP_BYTES / 2 samples into the stream; the events into `events`. */
static int play_samples(const int16_t *pcm, uint32_t n, uint32_t *counts)
{
    mf_stream_event ev[MF_STREAM_APP_EVENTS];
    mf_stream_result r;
    uint32_t i;
    int status;
    if (!started) {
        reset();
    }
    status = mf_stream_push(&state, pcm, n, ev, MF_STREAM_APP_EVENTS, &r);
    for (i = 0; i < r.events; ++i) {
        events[3u * i] = (int32_t)ev[i].class_index;
        events[3u * i + 1u] = (int32_t)ev[i].sample;   /* < 2^31: 37 h of audio */
        events[3u * i + 2u] = ev[i].score;
    }
    counts[0] = r.hops;
    counts[1] = r.inferences;
    counts[2] = r.frontend_ticks;
    counts[3] = r.model_ticks;
    counts[4] = r.events;
    counts[5] = r.dropped;
    return status;
}

static int push(uint32_t bytes, uint32_t *counts)
{
    uint32_t n = bytes / 2u, i;
    for (i = 0; i < n; ++i) {
        uint32_t lo = (uint8_t)buffer.bytes[2u * i], hi = (uint8_t)buffer.bytes[2u * i + 1u];
        buffer.samples[i] = (int16_t)(uint16_t)(lo | (hi << 8));
    }
    return play_samples(buffer.samples, n, counts);
}

static int play(uint32_t samples, uint32_t *counts)
{
    int status;
    if (samples > mf_stream_pcm_samples - played || samples > MF_STREAM_APP_BYTES / 2u) {
        return -1;
    }
    status = play_samples(&mf_stream_pcm[played], samples, counts);
    played += samples;
    return status;
}

const mf_app_stream mf_stream_app = {
    .capacity = MF_STREAM_APP_BYTES,
    .buffer = buffer.bytes,
    .max_events = MF_STREAM_APP_EVENTS,
    .events = events,
    .push = push,
    .reset = reset,
    .linked_samples = &mf_stream_pcm_samples,
    .play = play,
};

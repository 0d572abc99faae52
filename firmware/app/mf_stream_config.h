/* The streaming application's constants, generated per model (mf_stream_config.c). */
#ifndef MF_STREAM_CONFIG_H
#define MF_STREAM_CONFIG_H

#include "mf_stream.h"

extern const mf_stream_config mf_stream_cfg;
extern const char *const mf_stream_class_names[];

/* PCM linked into the firmware for PLAY (generated mf_stream_pcm.c): int16 samples at 16 kHz;
 * mf_stream_pcm_samples is 0 in a firmware built without a recording. */
extern const int16_t mf_stream_pcm[];
extern const uint32_t mf_stream_pcm_samples;

#endif /* MF_STREAM_CONFIG_H */

/* The streaming application's constants, generated per model (mf_stream_config.c). */
#ifndef MF_STREAM_CONFIG_H
#define MF_STREAM_CONFIG_H

#include "mf_stream.h"

extern const mf_stream_config mf_stream_cfg;
extern const char *const mf_stream_class_names[];

#endif /* MF_STREAM_CONFIG_H */

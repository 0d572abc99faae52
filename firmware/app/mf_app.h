/* mcuforge device side: the serial line protocol (see README, "The serial protocol"). */
#ifndef MF_APP_H
#define MF_APP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MF_PROTOCOL_VERSION 5

/* The streaming application behind STREAM, PLAY and RESET (firmware/app/mf_stream_app.c). */
typedef struct {
    uint32_t capacity;           /* PCM bytes one STREAM line may carry (even) */
    int8_t *buffer;              /* [capacity]: int16 little-endian samples */
    uint32_t max_events;         /* events one STREAM reply can carry */
    const int32_t *events;       /* [3 * max_events]: class, sample, score of each */
    /* Plays buffer[0 .. bytes - 1]; counts = hops, inferences, front-end ticks, model ticks,
     * events, events dropped. 0, or 1 + the kernel call that failed. */
    int (*push)(uint32_t bytes, uint32_t *counts /* [6] */);
    void (*reset)(void);         /* a new stream: sample 0, no frames, PLAY from the start */
    const uint32_t *linked_samples; /* -> PCM samples linked into the firmware (PLAY); 0: none */
    /* Plays the next `samples` of the linked PCM, as push does; -1 (nothing played) if fewer
     * than `samples` are left. */
    int (*play)(uint32_t samples, uint32_t *counts /* [6] */);
} mf_app_stream;

/* What the application serves: written by mcuforge into the generated glue (mf_model_glue.c). */
typedef struct {
    const char *firmware;        /* mcuforge version that generated the firmware */
    const char *board;           /* boards.yaml id */
    const char *model;           /* C name of the model */
    const char *sha256;          /* sha256 of the .tflite it was compiled from */
    uint32_t input_size;         /* bytes per input vector: every model input back to back */
    uint32_t output_size;        /* bytes per output vector: every model output back to back */
    uint32_t inputs;             /* model inputs; input_sizes has this many entries, summing to */
    const uint32_t *input_sizes; /* input_size */
    uint32_t outputs;            /* model outputs; output_sizes likewise, summing to output_size */
    const uint32_t *output_sizes;
    uint32_t arena_size;         /* activation arena, bytes */
    int8_t *input;               /* input_size bytes */
    int8_t *output;              /* output_size bytes */
    int (*invoke)(const int8_t *input, int8_t *output);  /* 0 on success */
    const char *kernels;         /* kernel backend the model was generated for (portable, ...) */
    const char *isa;             /* instruction set its kernels were chosen for (none, dsp, mve) */
    /* The per-layer profiler (PROFILE): while the model's layer hook is `mark`, <name>_invoke
     * calls mark(0) before its first kernel call and mark(i + 1) after call i, and mark(k)
     * stores mf_port_ticks() in marks[k]. */
    uint32_t calls;              /* kernel calls per inference; marks has calls + 1 entries */
    uint32_t *marks;
    void (*mark)(int32_t k);
    void (*set_layer_hook)(void (*hook)(int32_t k));  /* the model's <name>_set_layer_hook */
    const mf_app_stream *stream; /* NULL: no streaming application (STREAM answers ERR) */
} mf_app_config;

extern const mf_app_config mf_app;

/* The MLPerf Tiny mode (mf_mlperf.c, built with `mcuforge build --app mlperf`): what it adds to
 * mf_app, written by mcuforge into the generated mf_mlperf_glue.c. */
typedef struct {
    const char *model_version;       /* the benchmark's model id: kws01, vww01, ic01, ad01 */
    const double *output_scales;     /* per model output (mf_app.outputs of them): real value = */
    const int32_t *output_zero_points; /* scale * (q - zero_point) */
    /* Ticks per second of mf_port_ticks() where mf_port_counter_hz() is 0 (a cycle counter at
     * a clock the image does not know): the board's clock_hz from boards.yaml. */
    uint32_t cycle_hz;
} mf_mlperf_config;

extern const mf_mlperf_config mf_mlperf;

/* Announces itself, then serves commands forever (returns only after EXIT where the platform
 * cannot stop). */
void mf_app_run(void);

/* Runs a loop of exactly 2 * n instructions (n >= 1): subs + bne per iteration. */
void mf_spin(uint32_t n);

#ifdef __cplusplus
}
#endif

#endif /* MF_APP_H */

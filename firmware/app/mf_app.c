/* mcuforge device side: the serial line protocol.
 *
 * Text lines, one command and one reply each, so a person can type them in a terminal and a host
 * can drive them without framing rules beyond "\n". Payloads are hex with a byte count and a
 * CRC-32, so a dropped or corrupted byte is caught instead of silently changing an input.
 *
 *   device, at start and on HELLO:
 *     MCUFORGE 5 fw=<version> board=<id> model=<name> sha256=<hex64> in=<n> out=<m>
 *               ins=<n_0>,...,<n_i> outs=<m_0>,...,<m_j> arena=<bytes> kernels=<backend> isa=<isa>
 *               calls=<c> counter=<kind> hz=<rate> overhead=<ticks> mark=<ticks> stream=<bytes>
 *               linked=<samples>
 *   INFER <n> <2n hex digits> <crc32, 8 hex>  -> OUT <status> <ticks> <m> <2m hex digits> <crc32>
 *   PROFILE <n> <2n hex digits> <crc32>       -> PROF <status> <ticks> <c> <t_1> ... <t_c> <m>
 *                                                     <2m hex digits> <crc32>
 *   STREAM <n> <2n hex digits> <crc32>      -> EVENTS <status> <hops> <inferences> <fe_ticks>
 *                                              <model_ticks> <dropped> <k> (<class> <sample>
 *                                              <score>) x k    (n bytes of int16 LE PCM, even)
 *   PLAY <n>                                  -> EVENTS ...     (the next n samples of the PCM
 *                                                                linked into the firmware)
 *   RESET                                     -> RESET          (a new stream starts at sample 0)
 *   LOOP <k>                                  -> LOOP <k> <ticks>      (2k instructions, timed)
 *   STATS                                     -> STATS stack_used=<bytes> stack_size=<bytes>
 *   EXIT [code]                               -> BYE <code>, then the program ends (emulated boards)
 *   anything malformed                        -> ERR <reason> <detail>
 *
 * A payload of n bytes is every model input back to back (n = n_0 + ... + n_i, in the order of
 * the model's inputs), one of m bytes every output likewise: what <name>_invoke takes and gives.
 * The CRC is CRC-32/ISO-HDLC (zlib's crc32) of the raw bytes. `ticks` is the counter difference
 * around the call of the model; `overhead` is the difference of two back-to-back reads. PROFILE
 * runs the model with its layer hook on: t_i is the counter difference between the hook calls
 * around kernel call i (so it includes one hook call), `mark` the difference between two hook
 * calls made back to back the way <name>_invoke makes them (the host subtracts it per layer).
 * Portable C99: no heap, no stdio, no floating point. */
#include "mf_app.h"

#include <stddef.h>
#include <string.h>

#include "mf_port.h"
#include "mf_text.h"

#define MF_TOKEN_MAX 24

/* ---------------------------------------------------------------- output */

static void put_str(const char *s)
{
    while (*s) {
        mf_port_putc((unsigned char)*s++);
    }
}

static void put_u32(uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        mf_port_putc(digits[--n]);
    }
}

static void put_i32(int32_t v)
{
    if (v < 0) {
        mf_port_putc('-');
        put_u32((uint32_t)0 - (uint32_t)v);
    } else {
        put_u32((uint32_t)v);
    }
}

static const char hex_digits[] = "0123456789abcdef";

static void put_hex32(uint32_t v)
{
    int shift;
    for (shift = 28; shift >= 0; shift -= 4) {
        mf_port_putc(hex_digits[(v >> shift) & 0xFu]);
    }
}

static void put_hex_bytes(const int8_t *data, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; ++i) {
        uint8_t b = (uint8_t)data[i];
        mf_port_putc(hex_digits[b >> 4]);
        mf_port_putc(hex_digits[b & 0xFu]);
    }
}

static void end_line(void)
{
    mf_port_putc('\n');
    mf_port_flush();
}

/* ---------------------------------------------------------------- checksum */

uint32_t mf_crc32(const void *data, uint32_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    uint32_t crc = 0xFFFFFFFFu;
    uint32_t i;
    int bit;
    for (i = 0; i < n; ++i) {
        crc ^= p[i];
        for (bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

/* ---------------------------------------------------------------- input */

/* The state of the line being read: once its '\n' has been consumed, `eol` is set and every
 * further read of this line yields nothing. */
typedef struct {
    int eol;
} line_reader;

static int get_char(void)
{
    int c;
    do {
        c = mf_port_getc();
    } while (c == '\r');
    return c;
}

/* Reads the next space-separated token into buf (NUL-terminated). Returns its length, or -1 if it
 * was longer than cap - 1 (the rest of it is consumed). */
static int read_token(line_reader *r, char *buf, int cap)
{
    int n = 0, overflow = 0, c;
    buf[0] = '\0';
    if (r->eol) {
        return 0;
    }
    c = get_char();
    while (c == ' ' || c == '\t') {
        c = get_char();
    }
    while (c != ' ' && c != '\t' && c != '\n') {
        if (n < cap - 1) {
            buf[n++] = (char)c;
        } else {
            overflow = 1;
        }
        c = get_char();
    }
    buf[n] = '\0';
    if (c == '\n') {
        r->eol = 1;
    }
    return overflow ? -1 : n;
}

static void skip_line(line_reader *r)
{
    while (!r->eol) {
        if (get_char() == '\n') {
            r->eol = 1;
        }
    }
}

/* Exactly 8 hex digits. Returns 0 on success. */
static int parse_hex32(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    int n;
    for (n = 0; n < 8; ++n) {
        int d = mf_hex_digit((unsigned char)s[n]);
        if (d < 0) {
            return -1;
        }
        v = (v << 4) | (uint32_t)d;
    }
    if (s[8] != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}

/* Reads exactly 2n hex digits into dst, then expects a separator. 0 on success; on failure the
 * offending character has been consumed (and `eol` set if it was the newline). */
static int read_hex_payload(line_reader *r, int8_t *dst, uint32_t n)
{
    uint32_t i;
    int c;
    if (r->eol) {
        return -1;
    }
    c = get_char();
    while (c == ' ' || c == '\t') {
        c = get_char();
    }
    for (i = 0; i < n; ++i) {
        int hi = mf_hex_digit(c), lo;
        if (hi < 0) {
            break;
        }
        c = get_char();
        lo = mf_hex_digit(c);
        if (lo < 0) {
            break;
        }
        dst[i] = (int8_t)(uint8_t)((hi << 4) | lo);
        c = get_char();
    }
    if (c == '\n') {
        r->eol = 1;
    }
    if (i != n || (c != ' ' && c != '\t')) {
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- replies */

static uint32_t overhead_ticks;
static uint32_t mark_ticks;

/* Called the way the generated <name>_invoke calls its layer hook (a load of a pointer that may
 * be NULL, a test, the call), so that two calls back to back cost what one mark adds to a layer. */
static void (*volatile mark_hook)(int32_t k);

static void measure_mark(void)
{
    void (*hook)(int32_t k);
    if (mf_app.calls == 0u || mf_app.mark == NULL) {
        return;
    }
    mark_hook = mf_app.mark;
    hook = mark_hook;
    if (hook) {
        hook(0);
    }
    hook = mark_hook;
    if (hook) {
        hook(1);
    }
    mark_hook = NULL;
    mark_ticks = mf_app.marks[1] - mf_app.marks[0];
}

static void send_error(line_reader *r, const char *reason, const char *detail)
{
    skip_line(r);
    put_str("ERR ");
    put_str(reason);
    if (detail != NULL && *detail) {
        mf_port_putc(' ');
        put_str(detail);
    }
    end_line();
}

static void put_sizes(const uint32_t *sizes, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; ++i) {
        if (i > 0u) {
            mf_port_putc(',');
        }
        put_u32(sizes[i]);
    }
}

static void send_hello(void)
{
    put_str("MCUFORGE ");
    put_u32(MF_PROTOCOL_VERSION);
    put_str(" fw=");
    put_str(mf_app.firmware);
    put_str(" board=");
    put_str(mf_app.board);
    put_str(" model=");
    put_str(mf_app.model);
    put_str(" sha256=");
    put_str(mf_app.sha256);
    put_str(" in=");
    put_u32(mf_app.input_size);
    put_str(" out=");
    put_u32(mf_app.output_size);
    put_str(" ins=");
    put_sizes(mf_app.input_sizes, mf_app.inputs);
    put_str(" outs=");
    put_sizes(mf_app.output_sizes, mf_app.outputs);
    put_str(" arena=");
    put_u32(mf_app.arena_size);
    put_str(" kernels=");
    put_str(mf_app.kernels);
    put_str(" isa=");
    put_str(mf_app.isa);
    put_str(" calls=");
    put_u32(mf_app.calls);
    put_str(" counter=");
    put_str(mf_port_counter_name());
    put_str(" hz=");
    put_u32(mf_port_counter_hz());
    put_str(" overhead=");
    put_u32(overhead_ticks);
    put_str(" mark=");
    put_u32(mark_ticks);
    put_str(" stream=");
    put_u32(mf_app.stream != NULL ? mf_app.stream->capacity : 0u);
    put_str(" linked=");
    put_u32(mf_app.stream != NULL ? *mf_app.stream->linked_samples : 0u);
    end_line();
}

static int at_end_of_line(line_reader *r)
{
    char extra[2];
    return read_token(r, extra, sizeof extra) == 0 && r->eol;
}

/* Reads "<n> <hex> <crc32>" into mf_app.input; 0 on success, else the ERR line has been sent. */
static int read_input(line_reader *r, const char *usage)
{
    char token[MF_TOKEN_MAX];
    uint32_t n, crc;

    if (read_token(r, token, sizeof token) <= 0 || mf_parse_decimal(token, &n) != 0) {
        send_error(r, "syntax", usage);
        return -1;
    }
    if (n != mf_app.input_size) {
        send_error(r, "length", "byte count differs from the model's input size (see in= of HELLO)");
        return -1;
    }
    if (read_hex_payload(r, mf_app.input, n) != 0) {
        send_error(r, "payload", "expected exactly 2 hex digits per byte");
        return -1;
    }
    if (read_token(r, token, sizeof token) != 8 || parse_hex32(token, &crc) != 0) {
        send_error(r, "syntax", "expected an 8-digit hex crc32 after the payload");
        return -1;
    }
    if (!at_end_of_line(r)) {
        send_error(r, "syntax", "unexpected text after the crc32");
        return -1;
    }
    if (mf_crc32(mf_app.input, n) != crc) {
        send_error(r, "checksum", "crc32 of the payload differs: input not used");
        return -1;
    }
    return 0;
}

static void put_output(void)
{
    put_u32(mf_app.output_size);
    mf_port_putc(' ');
    put_hex_bytes(mf_app.output, mf_app.output_size);
    mf_port_putc(' ');
    put_hex32(mf_crc32(mf_app.output, mf_app.output_size));
    end_line();
}

static void do_infer(line_reader *r)
{
    uint32_t t0, t1;
    int status;

    if (read_input(r, "usage: INFER <bytes> <hex> <crc32>") != 0) {
        return;
    }

    t0 = mf_port_ticks();
    status = mf_app.invoke(mf_app.input, mf_app.output);
    t1 = mf_port_ticks();

    put_str("OUT ");
    put_i32(status);
    mf_port_putc(' ');
    put_u32(t1 - t0);
    mf_port_putc(' ');
    put_output();
}

/* INFER with the model's layer hook set to mf_app.mark: also the ticks of every kernel call. A
 * call that did not run (the model failed before it) reports 0. */
static void do_profile(line_reader *r)
{
    uint32_t t0, t1, i, done;
    int status;

    if (mf_app.calls == 0u || mf_app.marks == NULL || mf_app.set_layer_hook == NULL) {
        send_error(r, "unsupported", "this firmware has no layer profiler");
        return;
    }
    if (read_input(r, "usage: PROFILE <bytes> <hex> <crc32>") != 0) {
        return;
    }
    for (i = 0; i <= mf_app.calls; ++i) {
        mf_app.marks[i] = 0u;
    }

    mf_app.set_layer_hook(mf_app.mark);
    t0 = mf_port_ticks();
    status = mf_app.invoke(mf_app.input, mf_app.output);
    t1 = mf_port_ticks();
    mf_app.set_layer_hook(NULL);

    /* status 1 + k: call k failed, so marks 0..k were written (calls 0..k-1 completed) */
    done = status == 0 ? mf_app.calls : (uint32_t)(status - 1);
    put_str("PROF ");
    put_i32(status);
    mf_port_putc(' ');
    put_u32(t1 - t0);
    mf_port_putc(' ');
    put_u32(mf_app.calls);
    for (i = 1; i <= mf_app.calls; ++i) {
        mf_port_putc(' ');
        put_u32(i <= done ? mf_app.marks[i] - mf_app.marks[i - 1] : 0u);
    }
    mf_port_putc(' ');
    put_output();
}

/* The EVENTS reply of STREAM and PLAY. */
static void send_events(int status, const uint32_t *counts)
{
    const mf_app_stream *st = mf_app.stream;
    uint32_t i;
    put_str("EVENTS ");
    put_i32(status);
    for (i = 0; i < 6u; ++i) {
        if (i == 4u) {
            continue;   /* the event count goes last, before the events */
        }
        mf_port_putc(' ');
        put_u32(counts[i]);
    }
    mf_port_putc(' ');
    put_u32(counts[4]);
    for (i = 0; i < 3u * counts[4]; ++i) {
        mf_port_putc(' ');
        put_i32(st->events[i]);
    }
    end_line();
}

/* STREAM: PCM into the streaming application, its events back. */
static void do_stream(line_reader *r)
{
    const mf_app_stream *st = mf_app.stream;
    char token[MF_TOKEN_MAX];
    uint32_t n, crc, counts[6];

    if (st == NULL) {
        send_error(r, "unsupported", "this firmware has no streaming application");
        return;
    }
    if (read_token(r, token, sizeof token) <= 0 || mf_parse_decimal(token, &n) != 0) {
        send_error(r, "syntax", "usage: STREAM <bytes> <hex> <crc32>");
        return;
    }
    if (n == 0u || n > st->capacity || (n & 1u) != 0u) {
        send_error(r, "length", "byte count must be even, 2..stream= of HELLO");
        return;
    }
    if (read_hex_payload(r, st->buffer, n) != 0) {
        send_error(r, "payload", "expected exactly 2 hex digits per byte");
        return;
    }
    if (read_token(r, token, sizeof token) != 8 || parse_hex32(token, &crc) != 0
        || !at_end_of_line(r)) {
        send_error(r, "syntax", "expected an 8-digit hex crc32 after the payload, then nothing");
        return;
    }
    if (mf_crc32(st->buffer, n) != crc) {
        send_error(r, "checksum", "crc32 of the payload differs: audio not used");
        return;
    }
    send_events(st->push(n, counts), counts);
}

/* PLAY: the next samples of the linked PCM into the streaming application, its events back. */
static void do_play(line_reader *r)
{
    const mf_app_stream *st = mf_app.stream;
    char token[MF_TOKEN_MAX];
    uint32_t n, counts[6];
    int status;

    if (st == NULL || *st->linked_samples == 0u) {
        send_error(r, "unsupported", "this firmware has no linked PCM (linked=0)");
        return;
    }
    if (read_token(r, token, sizeof token) <= 0 || mf_parse_decimal(token, &n) != 0
        || !at_end_of_line(r)) {
        send_error(r, "syntax", "usage: PLAY <samples>");
        return;
    }
    if (n == 0u || n > st->capacity / 2u) {
        send_error(r, "length", "sample count must be 1..stream=/2 of HELLO");
        return;
    }
    status = st->play(n, counts);
    if (status < 0) {
        send_error(r, "length", "past the end of the linked PCM (RESET plays it again)");
        return;
    }
    send_events(status, counts);
}

static void do_loop(line_reader *r)
{
    char token[MF_TOKEN_MAX];
    uint32_t k, t0, t1;
    if (read_token(r, token, sizeof token) <= 0 || mf_parse_decimal(token, &k) != 0 || k == 0u
        || !at_end_of_line(r)) {
        send_error(r, "syntax", "usage: LOOP <iterations, 1..999999999>");
        return;
    }
    t0 = mf_port_ticks();
    mf_spin(k);
    t1 = mf_port_ticks();
    put_str("LOOP ");
    put_u32(k);
    mf_port_putc(' ');
    put_u32(t1 - t0);
    end_line();
}

static void do_exit(line_reader *r)
{
    char token[MF_TOKEN_MAX];
    uint32_t code = 0;
    int n = read_token(r, token, sizeof token);
    if (n < 0 || (n > 0 && (mf_parse_decimal(token, &code) != 0 || code > 255u)) || !at_end_of_line(r)) {
        send_error(r, "syntax", "usage: EXIT [code 0..255]");
        return;
    }
    put_str("BYE ");
    put_u32(code);
    end_line();
    mf_port_exit((int)code);
}

void mf_app_run(void)
{
    uint32_t t0 = mf_port_ticks();
    uint32_t t1 = mf_port_ticks();
    overhead_ticks = t1 - t0;
    measure_mark();
    send_hello();

    for (;;) {
        char command[MF_TOKEN_MAX];
        line_reader r = {0};
        int n = read_token(&r, command, sizeof command);
        if (n == 0 && r.eol) {
            continue; /* blank line */
        }
        if (n < 0) {
            send_error(&r, "unknown-command", "(too long)");
        } else if (strcmp(command, "HELLO") == 0 && at_end_of_line(&r)) {
            send_hello();
        } else if (strcmp(command, "INFER") == 0) {
            do_infer(&r);
        } else if (strcmp(command, "PROFILE") == 0) {
            do_profile(&r);
        } else if (strcmp(command, "STREAM") == 0) {
            do_stream(&r);
        } else if (strcmp(command, "PLAY") == 0) {
            do_play(&r);
        } else if (strcmp(command, "RESET") == 0 && at_end_of_line(&r)) {
            if (mf_app.stream != NULL) {
                mf_app.stream->reset();
                put_str("RESET");
                end_line();
            } else {
                send_error(&r, "unsupported", "this firmware has no streaming application");
            }
        } else if (strcmp(command, "LOOP") == 0) {
            do_loop(&r);
        } else if (strcmp(command, "STATS") == 0 && at_end_of_line(&r)) {
            put_str("STATS stack_used=");
            put_u32(mf_port_stack_used());
            put_str(" stack_size=");
            put_u32(mf_port_stack_size());
            end_line();
        } else if (strcmp(command, "EXIT") == 0) {
            do_exit(&r);
        } else if (strcmp(command, "HELLO") == 0 || strcmp(command, "STATS") == 0
                   || strcmp(command, "RESET") == 0) {
            send_error(&r, "syntax", "this command takes no arguments");
        } else {
            send_error(&r, "unknown-command", command);
        }
    }
}

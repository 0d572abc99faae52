/* mcuforge device side, MLPerf Tiny mode: the serial commands of the MLPerf Tiny benchmark API
 * (mlcommons/tiny, benchmark/api), served for the generated model, so the benchmark's runner can
 * measure a mcuforge image directly (README, "MLPerf Tiny mode"). Built instead of mf_app.c by
 * `mcuforge build --app mlperf`; it uses the same platform (mf_port.h) and model glue (mf_app).
 *
 * A command is words separated by spaces and ended by '%' (line ends count as spaces, so a
 * person can type them); every reply is lines ending "\r\n", the last one "m-ready":
 *
 *   name                 m-name-dut-[mcuforge]
 *   profile              m-profile-[mcuforge <version> <model> board=<id> sha256=<hex64>]
 *                        m-model-[<model id: kws01, vww01, ic01, ad01>]
 *   timestamp            m-lap-us-<microseconds>
 *   db load <n>          m-[Expecting <n> bytes]        (n = the model's input bytes, or fewer)
 *   db <hex digits>      stores the bytes after the ones before; m-load-done once n are there
 *   db print             m-buffer-<hh>-<hh>-...         (8 bytes per line, the n loaded)
 *   infer [<n> [<w>]]    m-warmup-start-<w>, w inferences, m-warmup-done, m-infer-start-<n>,
 *                        m-lap-us-<t0>, n inferences, m-lap-us-<t1>, m-infer-done, then results
 *                        (n = 1 and w = 10 when not given, as in the API)
 *   results              m-results-[<v>,<v>,...]        every output element, dequantized
 *   help                 the commands
 *   anything else        e-[<what is wrong>]
 *
 * At start: m-timestamp-mode-performance, m-lap-us-<t>, m-init-done, m-ready.
 *
 * The input bytes are the model's int8 input exactly (every input back to back), as the
 * benchmark's data sets hold them. A result is (q - zero_point) * scale of an output byte q,
 * printed with 9 significant digits: a step of the int8 output is at least 1/255 of the value,
 * so the host reads back q exactly. Timestamps are the platform counter extended to 64 bits and
 * converted to microseconds; the difference of the two around the n inferences is exact as long
 * as the counter is read at least once per wrap, which the loop does after every inference.
 * No heap, no stdio; the only floating point is the dequantization of the results (double). */
#include <stddef.h>
#include <string.h>

#include "mf_app.h"
#include "mf_port.h"
#include "mf_text.h"

#define WORD_MAX 16
#define DEFAULT_INFERENCES 1u
#define DEFAULT_WARMUPS 10u
#define BUFFER_BYTES_PER_LINE 8u

/* ---------------------------------------------------------------- output */

static void put_str(const char *s)
{
    while (*s) {
        mf_port_putc((unsigned char)*s++);
    }
}

static void put_u64(uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        mf_port_putc(digits[--n]);
    }
}

static void put_hex_byte(uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    mf_port_putc(hex[b >> 4]);
    mf_port_putc(hex[b & 0xFu]);
}

static void end_line(void)
{
    put_str("\r\n");
    mf_port_flush();
}

static void put_line(const char *s)
{
    put_str(s);
    end_line();
}

static void put_error(const char *what)
{
    put_str("e-[");
    put_str(what);
    put_str("]");
    end_line();
}

/* v with 9 significant digits, as d.dddddddde[+-]xx (0 as 0.0). v is (q - zp) * scale, exact in a
 * double; the scaling by 10 below moves it by a few units in the 16th digit, far below the 9th. */
static void put_real(double v)
{
    uint32_t m, div;
    int e = 0;
    if (v == 0.0) {
        put_str("0.0");
        return;
    }
    if (v < 0.0) {
        mf_port_putc('-');
        v = -v;
    }
    while (v >= 10.0) {
        v /= 10.0;
        ++e;
    }
    while (v < 1.0) {
        v *= 10.0;
        --e;
    }
    m = (uint32_t)(v * 1e8 + 0.5); /* 1e8 <= m <= 1e9: fits in 32 bits */
    if (m >= 1000000000u) {        /* 9.999999995 and up rounded to 10 */
        m /= 10u;
        ++e;
    }
    mf_port_putc((char)('0' + (int)(m / 100000000u)));
    mf_port_putc('.');
    for (div = 10000000u; div > 0u; div /= 10u) {
        mf_port_putc((char)('0' + (int)(m / div % 10u)));
    }
    mf_port_putc('e');
    mf_port_putc(e < 0 ? '-' : '+');
    if (e < 0) {
        e = -e;
    }
    mf_port_putc((char)('0' + e / 10));
    mf_port_putc((char)('0' + e % 10));
}

/* ---------------------------------------------------------------- time */

static uint64_t elapsed_ticks; /* the counter extended to 64 bits */
static uint32_t last_ticks;

static uint64_t ticks_now(void)
{
    uint32_t t = mf_port_ticks();
    elapsed_ticks += (uint32_t)(t - last_ticks); /* modulo 2^32: one wrap at most since the last read */
    last_ticks = t;
    return elapsed_ticks;
}

static void put_timestamp(void)
{
    uint64_t t = ticks_now();
    uint64_t hz = mf_port_counter_hz() ? mf_port_counter_hz() : mf_mlperf.cycle_hz;
    put_str("m-lap-us-");
    if (hz == 0u) {
        put_u64(0u);
    } else {
        /* whole seconds and the rest apart: no overflow for 2^64 ticks at any rate */
        put_u64(t / hz * 1000000u + t % hz * 1000000u / hz);
    }
    end_line();
}

/* ---------------------------------------------------------------- input */

/* The command being read: `done` once its '%' has been consumed. */
typedef struct {
    int done;
} command_reader;

static int next_char(command_reader *r)
{
    int c;
    if (r->done) {
        return '%';
    }
    c = mf_port_getc();
    if (c == '%') {
        r->done = 1;
    } else if (c == '\r' || c == '\n' || c == '\t') {
        c = ' ';
    }
    return c;
}

/* The first non-space character of the next word ('%' at the end of the command). */
static int skip_spaces(command_reader *r)
{
    int c = next_char(r);
    while (c == ' ') {
        c = next_char(r);
    }
    return c;
}

/* The next word, starting with ``first``, into buf (NUL-terminated). Its length, or -1 when it
 * is longer than cap - 1 (the rest of it is consumed). */
static int read_word_from(command_reader *r, int first, char *buf, int cap)
{
    int n = 0, overflow = 0, c = first;
    while (c != ' ' && c != '%') {
        if (n < cap - 1) {
            buf[n++] = (char)c;
        } else {
            overflow = 1;
        }
        c = next_char(r);
    }
    buf[n] = '\0';
    return overflow ? -1 : n;
}

static int read_word(command_reader *r, char *buf, int cap)
{
    return read_word_from(r, skip_spaces(r), buf, cap);
}

static void skip_command(command_reader *r)
{
    while (next_char(r) != '%') {
    }
}

/* ---------------------------------------------------------------- the data buffer */

/* `db` loads straight into the model's input (mf_app.input, mf_app.input_size bytes): no second
 * copy of it in RAM. expected = the count of the last `db load`, loaded = bytes stored since. */
static uint32_t expected;
static uint32_t loaded;
static int have_results;

static void db_load(command_reader *r)
{
    char word[WORD_MAX];
    uint32_t n;
    if (read_word(r, word, sizeof word) <= 0 || mf_parse_decimal(word, &n) != 0 || n == 0u) {
        put_error("db load needs a byte count of 1 or more");
        return;
    }
    if (n > mf_app.input_size) {
        put_str("e-[db load ");
        put_u64(n);
        put_str(": the model takes ");
        put_u64(mf_app.input_size);
        put_str(" bytes]");
        end_line();
        return;
    }
    expected = n;
    loaded = 0u;
    put_str("m-[Expecting ");
    put_u64(n);
    put_str(" bytes]");
    end_line();
}

/* Hex digits from ``first`` to the end of the word, two per byte, stored after the bytes before;
 * once `expected` bytes are there, m-load-done and the rest of the word is ignored. */
static void db_hex(command_reader *r, int first)
{
    int c = first;
    if (expected == 0u) {
        skip_command(r);
        put_error("db: no db load <bytes> before the data");
        return;
    }
    while (c != ' ' && c != '%') {
        int hi = mf_hex_digit(c), lo;
        int second = next_char(r);
        if (second == ' ' || second == '%') {
            put_error("db: an odd number of hex digits");
            return;
        }
        lo = mf_hex_digit(second);
        if (hi < 0 || lo < 0) {
            skip_command(r);
            put_error("db: a character that is not a hex digit");
            return;
        }
        if (loaded < expected) {
            mf_app.input[loaded++] = (int8_t)(uint8_t)((hi << 4) | lo);
            if (loaded == expected) {
                put_line("m-load-done");
            }
        }
        c = next_char(r);
    }
}

static void db_print(void)
{
    uint32_t i;
    for (i = 0; i < expected; ++i) {
        put_str(i % BUFFER_BYTES_PER_LINE == 0u ? "m-buffer-" : "-");
        put_hex_byte((uint8_t)mf_app.input[i]);
        if (i % BUFFER_BYTES_PER_LINE == BUFFER_BYTES_PER_LINE - 1u || i + 1u == expected) {
            end_line();
        }
    }
}

static void do_db(command_reader *r)
{
    char word[WORD_MAX];
    int c = skip_spaces(r);
    if (c == '%') {
        put_error("db needs a subcommand: load <bytes>, print, or hex digits");
        return;
    }
    if (mf_hex_digit(c) >= 0) {
        db_hex(r, c);
        return;
    }
    if (read_word_from(r, c, word, sizeof word) > 0 && strcmp(word, "load") == 0) {
        db_load(r);
    } else if (strcmp(word, "print") == 0) {
        db_print();
    } else {
        put_error("db: unknown subcommand (load <bytes>, print, or hex digits)");
    }
}

/* ---------------------------------------------------------------- inference */

static void put_results(void)
{
    uint32_t k, i, offset = 0;
    put_str("m-results-[");
    for (k = 0; k < mf_app.outputs; ++k) {
        double scale = mf_mlperf.output_scales[k];
        int32_t zero_point = mf_mlperf.output_zero_points[k];
        for (i = 0; i < mf_app.output_sizes[k]; ++i, ++offset) {
            if (offset > 0u) {
                mf_port_putc(',');
            }
            put_real((double)((int32_t)mf_app.output[offset] - zero_point) * scale);
        }
    }
    put_str("]");
    end_line();
}

static void put_count_line(const char *prefix, uint32_t n)
{
    put_str(prefix);
    put_u64(n);
    end_line();
}

/* n inferences; 0, or 1 + the failing kernel call of the first that failed (reported). */
static int run_inferences(uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; ++i) {
        int status = mf_app.invoke(mf_app.input, mf_app.output);
        (void)ticks_now(); /* at least once per counter wrap */
        if (status != 0) {
            put_str("e-[inference failed in kernel call ");
            put_u64((uint32_t)(status - 1));
            put_str("]");
            end_line();
            have_results = 0;
            return status;
        }
    }
    return 0;
}

static void do_infer(command_reader *r)
{
    char word[WORD_MAX];
    uint32_t n = DEFAULT_INFERENCES, w = DEFAULT_WARMUPS;
    int len = read_word(r, word, sizeof word);
    if (len != 0 && (len < 0 || mf_parse_decimal(word, &n) != 0 || n == 0u)) {
        put_error("infer: the number of inferences must be 1 or more");
        return;
    }
    len = len != 0 ? read_word(r, word, sizeof word) : 0;
    if (len != 0 && (len < 0 || mf_parse_decimal(word, &w) != 0)) {
        put_error("infer: the number of warm-up inferences must be 0 or more");
        return;
    }
    if (loaded != mf_app.input_size) {
        put_str("e-[infer: ");
        put_u64(loaded);
        put_str(" input bytes loaded, the model takes ");
        put_u64(mf_app.input_size);
        put_str(" (db load, then db with the data)]");
        end_line();
        return;
    }
    put_count_line("m-warmup-start-", w);
    if (run_inferences(w) != 0) {
        return;
    }
    put_line("m-warmup-done");
    put_count_line("m-infer-start-", n);
    put_timestamp();
    if (run_inferences(n) != 0) {
        return;
    }
    put_timestamp();
    put_line("m-infer-done");
    have_results = 1;
    put_results();
}

/* ---------------------------------------------------------------- commands */

static void do_help(void)
{
    put_line("mcuforge MLPerf Tiny mode; commands end with %");
    put_line("name              the device's name");
    put_line("profile           the firmware and the benchmark model id");
    put_line("timestamp         microseconds since start");
    put_line("db load N         expect N input bytes (the model's input, int8)");
    put_line("db HH...          input bytes as hex, after those before");
    put_line("db print          the loaded bytes as hex");
    put_line("infer N W         W warm-up inferences, then N timed ones, then the results");
    put_line("results           the last inference's outputs, dequantized");
}

void mf_app_run(void)
{
    last_ticks = mf_port_ticks();
    put_line("m-timestamp-mode-performance");
    put_timestamp();
    put_line("m-init-done");
    put_line("m-ready");

    for (;;) {
        char word[WORD_MAX];
        command_reader r = {0};
        int n = read_word(&r, word, sizeof word);
        if (n < 0) {
            put_error("unknown command (too long)");
        } else if (n == 0) {
            /* an empty command: only m-ready (a host may send '%' to end a partial command) */
        } else if (strcmp(word, "name") == 0) {
            put_line("m-name-dut-[mcuforge]");
        } else if (strcmp(word, "profile") == 0) {
            put_str("m-profile-[mcuforge ");
            put_str(mf_app.firmware);
            put_str(" ");
            put_str(mf_app.model);
            put_str(" board=");
            put_str(mf_app.board);
            put_str(" sha256=");
            put_str(mf_app.sha256);
            put_str("]");
            end_line();
            put_str("m-model-[");
            put_str(mf_mlperf.model_version);
            put_str("]");
            end_line();
        } else if (strcmp(word, "timestamp") == 0) {
            put_timestamp();
        } else if (strcmp(word, "db") == 0) {
            do_db(&r);
        } else if (strcmp(word, "infer") == 0) {
            do_infer(&r);
        } else if (strcmp(word, "results") == 0) {
            if (have_results) {
                put_results();
            } else {
                put_error("results: no inference has run yet");
            }
        } else if (strcmp(word, "help") == 0) {
            do_help();
        } else {
            put_str("e-[Unknown command: ");
            put_str(word);
            put_str("]");
            end_line();
        }
        skip_command(&r);
        put_line("m-ready");
    }
}

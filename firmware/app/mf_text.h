/*
 * mcuforge firmware applications: the text parsing the serial command sets share (the protocol
 * of mf_app.c and the MLPerf Tiny commands of mf_mlperf.c). Portable C99, no state.
 */
#ifndef MF_TEXT_H
#define MF_TEXT_H

#include <stdint.h>

/* The value of one hexadecimal digit (0-9, a-f, A-F), or -1 for any other character. */
int mf_hex_digit(int c);

/* A NUL-terminated decimal of 1 to 9 digits into *out (so at most 999,999,999: no overflow of
 * uint32_t is possible). 0 on success; -1, with *out untouched, for an empty string, any other
 * character, or a 10th digit. */
int mf_parse_decimal(const char *s, uint32_t *out);

#endif /* MF_TEXT_H */

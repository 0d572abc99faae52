/* mcuforge firmware applications: shared text parsing (mf_text.h). */
#include "mf_text.h"

int mf_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int mf_parse_decimal(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    int n = 0;
    if (*s == '\0') {
        return -1;
    }
    for (; *s; ++s, ++n) {
        if (*s < '0' || *s > '9' || n >= 9) {
            return -1;
        }
        v = v * 10u + (uint32_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* mcuforge bare-metal platform: the protocol over semihosting, for a real board under a debug
 * probe (OpenOCD `arm semihosting enable`, pyOCD `--semihosting`). Reads a byte at a time
 * (SYS_READC) and writes whole lines (SYS_WRITE0). */
#include "mf_platform.h"

#define SYS_WRITE0 0x04u
#define SYS_READC 0x07u

static char line[256];
static unsigned used;

void mf_serial_init(void)
{
    used = 0;
}

int mf_serial_getc(void)
{
    return (int)(mf_semihost_call(SYS_READC, 0) & 0xFFu);
}

void mf_serial_flush(void)
{
    if (used > 0u) {
        line[used] = '\0';
        mf_semihost_call(SYS_WRITE0, line);
        used = 0;
    }
}

void mf_serial_putc(int c)
{
    line[used++] = (char)c;
    if (c == '\n' || used == sizeof line - 1u) {
        mf_serial_flush();
    }
}

/*
 * mcuforge front-end probe: a bare-metal program that runs mf_frontend_compute_frame on clips read
 * through semihosting (QEMU, or a debug probe) and times every frame with the board's counter.
 * Built and run by mcuforge.bench.frontend (`mcuforge bench --frontend`, tests/test_features*.py).
 *
 * Reads "frontend_in.raw": whole clips of MF_CLIP_SAMPLES int16 samples (little-endian).
 * Writes "frontend_out.raw" (little-endian uint32/int32 words):
 *   header: MF_PROBE_MAGIC, version 1, counter overhead ticks (two back-to-back reads),
 *           counter rate in Hz, clips done, 1 if the DSP helpers are used else 0
 *   then per clip: MF_NUM_FRAMES * MF_NUM_MFCC features, then MF_NUM_FRAMES tick counts
 *   (counter difference around each mf_frontend_compute_frame call; frame t = audio[320 t ..]).
 * The header is written last, at offset 0 (SYS_SEEK), so a run cut short has no valid header.
 * Exit code: 0 done, 1 a file could not be opened, 2 a write failed.
 */
#include <string.h>

#include "mf_board.h"
#include "mf_frontend.h"
#include "mf_platform.h"

#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_SEEK 0x0Au
#define MODE_RB 1u
#define MODE_WB 5u
#define MF_PROBE_MAGIC 0x4546464Du   /* "MFFE" */

static int16_t audio[MF_CLIP_SAMPLES];
static int32_t record[MF_NUM_FRAMES * MF_NUM_MFCC + MF_NUM_FRAMES];

static uint32_t sh_open(const char *name, uint32_t mode)
{
    uint32_t block[3];
    block[0] = (uint32_t)(uintptr_t)name;
    block[1] = mode;
    block[2] = (uint32_t)strlen(name);
    return mf_semihost_call(SYS_OPEN, block);
}

/* Bytes transferred (SYS_READ and SYS_WRITE return the count NOT transferred). */
static uint32_t sh_transfer(uint32_t op, uint32_t handle, const void *buffer, uint32_t bytes)
{
    uint32_t block[3];
    block[0] = handle;
    block[1] = (uint32_t)(uintptr_t)buffer;
    block[2] = bytes;
    return bytes - mf_semihost_call(op, block);
}

static void sh_seek(uint32_t handle, uint32_t offset)
{
    uint32_t block[2];
    block[0] = handle;
    block[1] = offset;
    (void)mf_semihost_call(SYS_SEEK, block);
}

static void sh_close(uint32_t handle)
{
    uint32_t block[1];
    block[0] = handle;
    (void)mf_semihost_call(SYS_CLOSE, block);
}

void mf_port_exit(int code)
{
    mf_exit(code);
}

int main(void)
{
    uint32_t in, out, t0, t1, overhead, clips = 0;
    uint32_t header[6];
    int t;

    mf_serial_init();
    mf_counter_init();
    in = sh_open("frontend_in.raw", MODE_RB);
    out = sh_open("frontend_out.raw", MODE_WB);
    if (in == 0xFFFFFFFFu || out == 0xFFFFFFFFu) {
        return 1;
    }
    memset(header, 0, sizeof header);
    if (sh_transfer(SYS_WRITE, out, header, sizeof header) != sizeof header) {
        return 2;
    }
    t0 = mf_counter_read();
    t1 = mf_counter_read();
    overhead = t1 - t0;
    while (sh_transfer(SYS_READ, in, audio, sizeof audio) == sizeof audio) {
        for (t = 0; t < MF_NUM_FRAMES; ++t) {
            t0 = mf_counter_read();
            mf_frontend_compute_frame(audio + t * MF_FRAME_HOP, record + t * MF_NUM_MFCC);
            t1 = mf_counter_read();
            record[MF_NUM_FRAMES * MF_NUM_MFCC + t] = (int32_t)(t1 - t0);
        }
        if (sh_transfer(SYS_WRITE, out, record, sizeof record) != sizeof record) {
            return 2;
        }
        ++clips;
    }
    header[0] = MF_PROBE_MAGIC;
    header[1] = 1u;
    header[2] = overhead;
    header[3] = MF_COUNTER_HZ;
    header[4] = clips;
    header[5] = strcmp(mf_frontend_variant(), "dsp") == 0 ? 1u : 0u;
    sh_seek(out, 0u);
    if (sh_transfer(SYS_WRITE, out, header, sizeof header) != sizeof header) {
        return 2;
    }
    sh_close(out);
    sh_close(in);
    return 0;
}

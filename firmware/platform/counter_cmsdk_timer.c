/* mcuforge bare-metal platform: the CMSDK APB timer as a free-running counter.
 * Registers: CTRL 0x00 (bit 0 enable), VALUE 0x04 (counts down), RELOAD 0x08. Under QEMU with
 * -icount shift=N the timer advances 2^N ns of virtual time per instruction, so at MF_COUNTER_HZ
 * it ticks MF_COUNTER_HZ * 2^N / 1e9 times per instruction (3.2 at 25 MHz and N = 7). */
#include "mf_board.h"
#include "mf_platform.h"

#define TIMER_CTRL MF_REG32(MF_COUNTER_BASE + 0x00u)
#define TIMER_VALUE MF_REG32(MF_COUNTER_BASE + 0x04u)
#define TIMER_RELOAD MF_REG32(MF_COUNTER_BASE + 0x08u)

void mf_counter_init(void)
{
    TIMER_CTRL = 0u;
    TIMER_RELOAD = 0xFFFFFFFFu;
    TIMER_VALUE = 0xFFFFFFFFu;
    TIMER_CTRL = 1u;
}

uint32_t mf_counter_read(void)
{
    return 0xFFFFFFFFu - TIMER_VALUE;
}

/* mcuforge bare-metal platform: the DWT cycle counter of ARMv7-M/ARMv8-M cores (not the M0+).
 * DEMCR.TRCENA (0xE000EDFC bit 24) powers the trace blocks, DWT_CTRL bit 0 (0xE0001000) starts
 * CYCCNT (0xE0001004). The Cortex-M7 also needs its DWT lock access register (0xE0001FB0) opened. */
#include "mf_board.h"
#include "mf_platform.h"

#define DEMCR MF_REG32(0xE000EDFCu)
#define DWT_CTRL MF_REG32(0xE0001000u)
#define DWT_CYCCNT MF_REG32(0xE0001004u)
#define DWT_LAR MF_REG32(0xE0001FB0u)

void mf_counter_init(void)
{
    DEMCR |= 1u << 24;
    if (MF_DWT_UNLOCK) {
        DWT_LAR = 0xC5ACCE55u;
    }
    DWT_CYCCNT = 0u;
    DWT_CTRL |= 1u;
}

uint32_t mf_counter_read(void)
{
    return DWT_CYCCNT;
}

/* mcuforge bare-metal platform: the SSE-300 system counter (control frame: CNTCR 0x00 with the
 * enable in bit 0, CNTCV low word 0x08). It runs at MF_COUNTER_HZ once enabled. */
#include "mf_board.h"
#include "mf_platform.h"

#define CNTCR MF_REG32(MF_COUNTER_BASE + 0x00u)
#define CNTCV_LO MF_REG32(MF_COUNTER_BASE + 0x08u)

void mf_counter_init(void)
{
    CNTCR |= 1u;
}

uint32_t mf_counter_read(void)
{
    return CNTCV_LO;
}

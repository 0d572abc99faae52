/* mcuforge bare-metal platform: SysTick as a 32-bit cycle counter, for cores without DWT (M0+).
 * SysTick counts the core clock down over 24 bits (CSR 0xE000E010, RVR 0xE000E014,
 * CVR 0xE000E018); its interrupt counts the wraps that make up the upper bits. */
#include "mf_platform.h"

#define SYST_CSR MF_REG32(0xE000E010u)
#define SYST_RVR MF_REG32(0xE000E014u)
#define SYST_CVR MF_REG32(0xE000E018u)

#define CSR_ENABLE 0x1u
#define CSR_TICKINT 0x2u
#define CSR_CLKSOURCE_CORE 0x4u

static volatile uint32_t wraps;

void mf_systick_handler(void)
{
    wraps += 1u;
}

void mf_counter_init(void)
{
    SYST_CSR = 0u;
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE_CORE;
}

uint32_t mf_counter_read(void)
{
    uint32_t high, low;
    do {
        high = wraps;
        low = SYST_CVR;
    } while (high != wraps);
    return (high << 24) + (0x00FFFFFFu - low);
}

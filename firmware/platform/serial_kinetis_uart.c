/* mcuforge bare-metal platform: the Kinetis K-series UART (K64F UART0), polled, 8N1. The
 * registers are 8 bits wide: BDH 0x00 (SBR bits 12:8), BDL 0x01 (SBR bits 7:0), C1 0x02,
 * C2 0x03 (TE bit 3, RE bit 2), S1 0x04 (TDRE bit 7, TC bit 6, RDRF bit 5, OR bit 3), D 0x07,
 * C4 0x0A (BRFA bits 4:0). The baud rate is clock / (16 * (SBR + BRFA / 32)), with SBR and BRFA
 * computed in Python; a write of BDL after BDH updates the divisor. Its clock gate and pin mux
 * are set up first (mf_board_serial_setup). */
#include "mf_board.h"
#include "mf_platform.h"

#define MF_REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))

#define UART_BDH MF_REG8(MF_UART_BASE + 0x00u)
#define UART_BDL MF_REG8(MF_UART_BASE + 0x01u)
#define UART_C1 MF_REG8(MF_UART_BASE + 0x02u)
#define UART_C2 MF_REG8(MF_UART_BASE + 0x03u)
#define UART_S1 MF_REG8(MF_UART_BASE + 0x04u)
#define UART_D MF_REG8(MF_UART_BASE + 0x07u)
#define UART_C4 MF_REG8(MF_UART_BASE + 0x0Au)

#define C2_RE (1u << 2)
#define C2_TE (1u << 3)
#define S1_RDRF (1u << 5)
#define S1_TC (1u << 6)
#define S1_TDRE (1u << 7)
#define C4_BRFA_MASK 0x1Fu

void mf_serial_init(void)
{
    UART_C2 = 0u; /* transmitter and receiver off while the divisor changes */
    UART_C1 = 0u; /* 8 data bits, no parity */
    UART_BDH = (uint8_t)((MF_UART_SBR >> 8) & 0x1Fu);
    UART_BDL = (uint8_t)(MF_UART_SBR & 0xFFu);
    UART_C4 = (uint8_t)((UART_C4 & ~C4_BRFA_MASK) | (MF_UART_BRFA & C4_BRFA_MASK));
    UART_C2 = (uint8_t)(C2_TE | C2_RE);
}

int mf_serial_getc(void)
{
    /* reading S1 then D clears RDRF, and an overrun (OR) with it */
    while ((UART_S1 & S1_RDRF) == 0u) {
    }
    return (int)UART_D;
}

void mf_serial_putc(int c)
{
    while ((UART_S1 & S1_TDRE) == 0u) {
    }
    UART_D = (uint8_t)c;
}

void mf_serial_flush(void)
{
    while ((UART_S1 & S1_TC) == 0u) {
    }
}

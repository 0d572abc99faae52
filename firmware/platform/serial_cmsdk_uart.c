/* mcuforge bare-metal platform: the Arm CMSDK APB UART (MPS2/MPS3 boards), polled.
 * Registers: DATA 0x00, STATE 0x04 (bit 0 TX full, bit 1 RX full), CTRL 0x08 (bit 0 TX enable,
 * bit 1 RX enable), BAUDDIV 0x10 (>= 16). */
#include "mf_board.h"
#include "mf_platform.h"

#define UART_DATA MF_REG32(MF_UART_BASE + 0x00u)
#define UART_STATE MF_REG32(MF_UART_BASE + 0x04u)
#define UART_CTRL MF_REG32(MF_UART_BASE + 0x08u)
#define UART_BAUDDIV MF_REG32(MF_UART_BASE + 0x10u)

#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define CTRL_TX_ENABLE 0x1u
#define CTRL_RX_ENABLE 0x2u

void mf_serial_init(void)
{
    UART_BAUDDIV = MF_UART_CLOCK_HZ / MF_UART_BAUD;
    UART_CTRL = CTRL_TX_ENABLE | CTRL_RX_ENABLE;
}

int mf_serial_getc(void)
{
    while ((UART_STATE & STATE_RX_FULL) == 0u) {
    }
    return (int)(UART_DATA & 0xFFu);
}

void mf_serial_putc(int c)
{
    while ((UART_STATE & STATE_TX_FULL) != 0u) {
    }
    UART_DATA = (uint32_t)(unsigned char)c;
}

void mf_serial_flush(void)
{
    while ((UART_STATE & STATE_TX_FULL) != 0u) {
    }
}

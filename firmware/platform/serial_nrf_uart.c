/* mcuforge bare-metal platform: the nRF51 UART / nRF52 legacy UART0 (no EasyDMA), polled, 8N1, no
 * flow control. Registers (the same on both): TASKS_STARTRX 0x000, TASKS_STARTTX 0x008,
 * EVENTS_RXDRDY 0x108, EVENTS_TXDRDY 0x11C, ENABLE 0x500 (4 = UART), PSELTXD 0x50C, PSELRXD 0x514,
 * RXD 0x518, TXD 0x51C, BAUDRATE 0x524. A PSEL value is the pin number with the port in bit 5
 * (nRF52840) and bit 31 clear (connected). The RX FIFO holds 6 bytes. */
#include "mf_board.h"
#include "mf_platform.h"

#define UART_TASKS_STARTRX MF_REG32(MF_UART_BASE + 0x000u)
#define UART_TASKS_STARTTX MF_REG32(MF_UART_BASE + 0x008u)
#define UART_EVENTS_RXDRDY MF_REG32(MF_UART_BASE + 0x108u)
#define UART_EVENTS_TXDRDY MF_REG32(MF_UART_BASE + 0x11Cu)
#define UART_ENABLE MF_REG32(MF_UART_BASE + 0x500u)
#define UART_PSELTXD MF_REG32(MF_UART_BASE + 0x50Cu)
#define UART_PSELRXD MF_REG32(MF_UART_BASE + 0x514u)
#define UART_RXD MF_REG32(MF_UART_BASE + 0x518u)
#define UART_TXD MF_REG32(MF_UART_BASE + 0x51Cu)
#define UART_BAUDRATE MF_REG32(MF_UART_BASE + 0x524u)

#define ENABLE_UART 4u

/* A byte has been written to TXD and its TXDRDY not yet seen. */
static int tx_pending;

void mf_serial_init(void)
{
    UART_ENABLE = 0u;
    UART_PSELTXD = MF_UART_PSELTXD;
    UART_PSELRXD = MF_UART_PSELRXD;
    UART_BAUDRATE = MF_UART_BAUDRATE;
    UART_ENABLE = ENABLE_UART;
    UART_EVENTS_RXDRDY = 0u;
    UART_EVENTS_TXDRDY = 0u;
    UART_TASKS_STARTRX = 1u;
    UART_TASKS_STARTTX = 1u;
    tx_pending = 0;
}

int mf_serial_getc(void)
{
    while (UART_EVENTS_RXDRDY == 0u) {
    }
    /* clear the event before reading RXD: the next byte in the FIFO then raises it again */
    UART_EVENTS_RXDRDY = 0u;
    return (int)(UART_RXD & 0xFFu);
}

void mf_serial_flush(void)
{
    if (tx_pending) {
        while (UART_EVENTS_TXDRDY == 0u) {
        }
        UART_EVENTS_TXDRDY = 0u;
        tx_pending = 0;
    }
}

void mf_serial_putc(int c)
{
    mf_serial_flush(); /* one byte in flight: TXDRDY says when TXD may take the next */
    UART_TXD = (uint32_t)(unsigned char)c;
    tx_pending = 1;
}

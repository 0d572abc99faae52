/* mcuforge bare-metal platform: the Arm PL011 UART (RP2040 UART0/1), polled, 8N1, FIFOs on.
 * Registers: DR 0x00, FR 0x18 (BUSY bit 3, RXFE bit 4, TXFF bit 5), IBRD 0x24, FBRD 0x28,
 * LCR_H 0x2C (FEN bit 4, WLEN bits 6:5), CR 0x30 (UARTEN bit 0, TXE bit 8, RXE bit 9). The
 * divisor clock / (16 * baud) = IBRD + FBRD / 64 is computed in Python; the write of LCR_H
 * latches IBRD and FBRD. The UART's clock, reset and pins are set up first (mf_board_serial_setup). */
#include "mf_board.h"
#include "mf_platform.h"

#define UART_DR MF_REG32(MF_UART_BASE + 0x00u)
#define UART_FR MF_REG32(MF_UART_BASE + 0x18u)
#define UART_IBRD MF_REG32(MF_UART_BASE + 0x24u)
#define UART_FBRD MF_REG32(MF_UART_BASE + 0x28u)
#define UART_LCR_H MF_REG32(MF_UART_BASE + 0x2Cu)
#define UART_CR MF_REG32(MF_UART_BASE + 0x30u)

#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define LCR_H_FEN (1u << 4)
#define LCR_H_WLEN_8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

void mf_serial_init(void)
{
    UART_CR = 0u;
    UART_IBRD = MF_UART_IBRD;
    UART_FBRD = MF_UART_FBRD;
    UART_LCR_H = LCR_H_WLEN_8 | LCR_H_FEN; /* 32-byte FIFOs: a whole line arrives without loss */
    UART_CR = CR_UARTEN | CR_TXE | CR_RXE;
}

int mf_serial_getc(void)
{
    while ((UART_FR & FR_RXFE) != 0u) {
    }
    return (int)(UART_DR & 0xFFu); /* bits 8-11 are the error flags of this byte */
}

void mf_serial_putc(int c)
{
    while ((UART_FR & FR_TXFF) != 0u) {
    }
    UART_DR = (uint32_t)(unsigned char)c;
}

void mf_serial_flush(void)
{
    while ((UART_FR & FR_BUSY) != 0u) {
    }
}

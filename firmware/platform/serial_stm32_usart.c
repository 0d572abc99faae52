/* mcuforge bare-metal platform: the STM32 U(S)ART and LPUART, polled, 8N1.
 *
 * Two register layouts, given as data by mf_board.h (builder.render): the SR/DR layout of the
 * F1/F2/F4 (SR 0x00, DR 0x04, BRR 0x08, CR1 0x0C with UE in bit 13) and the ISR/RDR/TDR layout of
 * the F0/F3/F7/H7/L0/L4 and of the LPUART (CR1 0x00 with UE in bit 0, BRR 0x0C, ISR 0x1C, ICR 0x20,
 * RDR 0x24, TDR 0x28). The status bits are the same in both: RXNE 5, TXE 7, ORE 3. BRR is computed
 * from the UART's clock and the baud rate in Python (clock / baud with 16x oversampling,
 * 256 * clock / baud on an LPUART). Its clock and pins are set up first (mf_board_serial_setup). */
#include "mf_board.h"
#include "mf_platform.h"

#define USART_CR1 MF_REG32(MF_UART_BASE + MF_USART_CR1)
#define USART_BRR MF_REG32(MF_UART_BASE + MF_USART_BRR)
#define USART_STATUS MF_REG32(MF_UART_BASE + MF_USART_STATUS)
#define USART_RDR MF_REG32(MF_UART_BASE + MF_USART_RDR)
#define USART_TDR MF_REG32(MF_UART_BASE + MF_USART_TDR)

#define STATUS_ORE (1u << 3)
#define STATUS_RXNE (1u << 5)
#define STATUS_TC (1u << 6)
#define STATUS_TXE (1u << 7)

void mf_serial_init(void)
{
    USART_CR1 = 0u;          /* UE off: BRR and the frame format can only change while disabled */
    USART_BRR = MF_UART_BRR;
    USART_CR1 = MF_USART_CR1_ENABLE; /* UE, TE, RE; 8 data bits, no parity (CR1 reset values) */
}

int mf_serial_getc(void)
{
    uint32_t status;
    for (;;) {
        status = USART_STATUS;
        if ((status & STATUS_RXNE) != 0u) {
            /* reading the data register clears RXNE (and, after the status read, ORE in the SR layout) */
            return (int)(USART_RDR & 0xFFu);
        }
#if MF_USART_HAS_ICR
        if ((status & STATUS_ORE) != 0u) {
            /* a byte was lost: in the ISR layout reception stops until ORECF is written */
            MF_REG32(MF_UART_BASE + MF_USART_ICR) = STATUS_ORE;
        }
#endif
    }
}

void mf_serial_putc(int c)
{
    while ((USART_STATUS & STATUS_TXE) == 0u) {
    }
    USART_TDR = (uint32_t)(unsigned char)c;
}

void mf_serial_flush(void)
{
    /* TC: the last byte has left the shift register */
    while ((USART_STATUS & (STATUS_TXE | STATUS_TC)) != (STATUS_TXE | STATUS_TC)) {
    }
}

/* mcuforge bare-metal platform: the pieces behind mf_port.h, one file per driver.
 *
 * The build picks one serial driver (serial_<kind>.c: a UART, or serial_semihosting.c), one
 * counter (counter_cmsdk_timer.c, counter_sse.c, counter_dwt.c or counter_systick.c) and one way
 * to end (semihost.c where a debugger or QEMU services semihosting, else exit_return.c) from the
 * board's entry in boards.yaml; the board's addresses and clocks come from the generated
 * mf_board.h, its clock and pin setup from mf_board.c. */
#ifndef MF_PLATFORM_H
#define MF_PLATFORM_H

#include <stdint.h>

#define MF_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Serial driver. */
void mf_serial_init(void);
int mf_serial_getc(void);
void mf_serial_putc(int c);
void mf_serial_flush(void);

/* Counter driver: a 32-bit count that increases. */
void mf_counter_init(void);
uint32_t mf_counter_read(void);

/* Semihosting (semihost.c): the Arm semihosting call. */
uint32_t mf_semihost_call(uint32_t operation, const void *argument);

/* Ends the program with an exit code: through semihosting (semihost.c), or, on a board with no
 * debugger to report to, it returns (exit_return.c). */
void mf_exit(int code);

/* Generated per board (mf_board.c): register writes that must happen first after reset, and the
 * clocks, resets and pin functions the serial link needs before its UART is set up. */
void mf_board_early_init(void);
void mf_board_serial_setup(void);

/* The value painted over the stack at reset; the high-water mark is where it stops. */
#define MF_STACK_PAINT 0xA5A5A5A5u

#endif /* MF_PLATFORM_H */

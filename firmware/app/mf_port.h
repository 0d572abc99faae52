/* mcuforge device side: what the application needs from a platform.
 *
 * Two implementations exist: firmware/platform/ (bare metal: startup code, a UART or semihosting,
 * a hardware counter) and the PlatformIO glue written for a real board's framework (Arduino or
 * Mbed). The application (mf_app.c) uses nothing else, so the same protocol code runs on both. */
#ifndef MF_PORT_H
#define MF_PORT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets up the serial link and the counter. */
void mf_port_init(void);

/* Blocks until a byte arrives on the serial link; returns it (0..255). */
int mf_port_getc(void);

/* Queues one byte for the serial link. */
void mf_port_putc(int c);

/* Called after each complete reply line: pushes out anything buffered. */
void mf_port_flush(void);

/* A free-running 32-bit counter that increases (differences are taken modulo 2^32), at
 * mf_port_counter_hz(). */
uint32_t mf_port_ticks(void);

/* What mf_port_ticks() counts ("cmsdk_timer", "dwt", "micros", ...) and its rate in Hz. */
const char *mf_port_counter_name(void);
uint32_t mf_port_counter_hz(void);

/* Ends the program with an exit code where that means something (semihosting under QEMU);
 * elsewhere it returns and the application keeps serving. */
void mf_port_exit(int code);

/* Bytes of stack used so far (high-water mark of a painted stack) and reserved; 0 if unknown. */
uint32_t mf_port_stack_used(void);
uint32_t mf_port_stack_size(void);

#ifdef __cplusplus
}
#endif

#endif /* MF_PORT_H */

/* mcuforge bare-metal platform: the vector table (the 16 core entries; the application uses no
 * device interrupts) and the fault report. */
#include <stdint.h>

#include "mf_platform.h"
#include "mf_port.h"

extern uint32_t __mf_stack_top[];
void mf_reset(void);
void mf_fault_entry(void);
void mf_systick_handler(void); /* counter_systick.c, else startup.S makes it a fault */

typedef void (*mf_vector)(void);

__attribute__((section(".mf_vectors"), used)) const mf_vector mf_vectors[16] = {
    (mf_vector)(uintptr_t)__mf_stack_top, /* initial stack pointer */
    mf_reset,
    mf_fault_entry, /* NMI */
    mf_fault_entry, /* HardFault */
    mf_fault_entry, /* MemManage */
    mf_fault_entry, /* BusFault */
    mf_fault_entry, /* UsageFault */
    mf_fault_entry, /* SecureFault (ARMv8-M) */
    0, 0, 0,
    mf_fault_entry, /* SVCall */
    mf_fault_entry, /* DebugMonitor */
    0,
    mf_fault_entry, /* PendSV */
    mf_systick_handler,
};

static void put_text(const char *s)
{
    while (*s) {
        mf_serial_putc((unsigned char)*s++);
    }
}

static void put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    int shift;
    put_text("0x");
    for (shift = 28; shift >= 0; shift -= 4) {
        mf_serial_putc(digits[(v >> shift) & 0xFu]);
    }
}

/* frame: r0, r1, r2, r3, r12, lr, pc, xpsr as stacked on exception entry. */
void mf_fault_report(const uint32_t *frame)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    put_text("\nFAULT exception=");
    put_hex(ipsr & 0x1FFu);
    put_text(" pc=");
    put_hex(frame[6]);
    put_text(" lr=");
    put_hex(frame[5]);
    put_text(" xpsr=");
    put_hex(frame[7]);
    mf_serial_putc('\n');
    mf_serial_flush();
    mf_exit(3); /* returns where nothing services semihosting: stop here */
    for (;;) {
    }
}

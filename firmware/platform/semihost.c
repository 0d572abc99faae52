/* mcuforge bare-metal platform: Arm semihosting (the BKPT 0xAB call that a debugger or QEMU
 * services). Used to end a program with an exit code, and as a serial link on real boards under
 * a debug probe. Without a debugger attached, a semihosting call faults. */
#include "mf_platform.h"

#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

uint32_t mf_semihost_call(uint32_t operation, const void *argument)
{
    register uint32_t r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void mf_exit(int code)
{
    /* SYS_EXIT_EXTENDED takes {reason, exit code}: QEMU exits with that code. */
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    mf_semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

/* mcuforge device side: a loop of known length, to check the instruction counter.
 * Each iteration is exactly two instructions (subs, bne), so LOOP k costs 2k instructions plus
 * the call, whatever the compiler does around it. */
#include "mf_app.h"

__attribute__((noinline)) void mf_spin(uint32_t n)
{
    __asm__ volatile(
        ".syntax unified\n"
        "1:\n\t"
        "subs %0, %0, #1\n\t"
        "bne 1b\n"
        : "+l"(n)
        :
        : "cc");
}

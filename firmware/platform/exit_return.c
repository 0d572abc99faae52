/* mcuforge bare-metal platform: the end of a program on a board without a debugger to report an
 * exit code to. It returns: after EXIT the application keeps serving (mf_port.h), and after a
 * fault report the caller stops in a loop. No semihosting call (BKPT 0xAB) is linked, so the
 * image runs on its own. */
#include "mf_platform.h"

void mf_exit(int code)
{
    (void)code;
}

/*
 * mcuforge: UNPACK, int8: mf_split_va (split.c) does the work. Portable C99.
 */
#include "unpack.h"

mf_status mf_unpack_s8(const mf_unpack_params *p, ...)
{
    mf_status status;
    va_list args;

    va_start(args, p);
    status = mf_split_va(&p->split, args);
    va_end(args);
    return status;
}

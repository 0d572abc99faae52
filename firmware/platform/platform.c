/* mcuforge bare-metal platform: mf_port.h on top of the selected serial and counter drivers. */
#include "mf_app.h"
#include "mf_board.h"
#include "mf_platform.h"
#include "mf_port.h"

extern uint32_t __mf_stack_bottom[];
extern uint32_t __mf_stack_top[];

void mf_port_init(void)
{
    mf_board_serial_setup();
    mf_serial_init();
    mf_counter_init();
}

int mf_port_getc(void)
{
    return mf_serial_getc();
}

void mf_port_putc(int c)
{
    mf_serial_putc(c);
}

void mf_port_flush(void)
{
    mf_serial_flush();
}

uint32_t mf_port_ticks(void)
{
    return mf_counter_read();
}

const char *mf_port_counter_name(void)
{
    return MF_COUNTER_NAME;
}

uint32_t mf_port_counter_hz(void)
{
    return MF_COUNTER_HZ;
}

void mf_port_exit(int code)
{
    mf_serial_flush();
    mf_exit(code);
}

uint32_t mf_port_stack_size(void)
{
    return (uint32_t)((uintptr_t)__mf_stack_top - (uintptr_t)__mf_stack_bottom);
}

uint32_t mf_port_stack_used(void)
{
    const volatile uint32_t *p = __mf_stack_bottom;
    while (p < __mf_stack_top && *p == MF_STACK_PAINT) {
        ++p;
    }
    return (uint32_t)((uintptr_t)__mf_stack_top - (uintptr_t)p);
}

int main(void)
{
    mf_port_init();
    mf_app_run();
    return 0;
}

/* mcuforge bare-metal platform: reset and fault entry, for every Cortex-M (ARMv6-M instructions
 * only, so the same file serves the M0+). The vector table is in vectors.c; the symbols
 * __mf_* come from the generated linker script. */
    .syntax unified
    .thumb

    .section .text.mf_reset, "ax", %progbits
    .global mf_reset
    .type mf_reset, %function
    .thumb_func
mf_reset:
    /* Board registers that cannot wait (a watchdog that runs out of reset). */
    bl      mf_board_early_init

#if defined(__ARM_FP)
    /* Full access to CP10 and CP11 (the FPU) before any floating-point instruction. */
    ldr     r0, =0xE000ED88
    ldr     r1, [r0]
    ldr     r2, =0x00F00000
    orrs    r1, r1, r2
    str     r1, [r0]
    dsb
    isb
#endif

    /* Copy initialised data from its load address in the code region. */
    ldr     r0, =__mf_data_load
    ldr     r1, =__mf_data_start
    ldr     r2, =__mf_data_end
1:  cmp     r1, r2
    bhs     2f
    ldr     r3, [r0]
    str     r3, [r1]
    adds    r0, r0, #4
    adds    r1, r1, #4
    b       1b

    /* Zero .bss. */
2:  ldr     r1, =__mf_bss_start
    ldr     r2, =__mf_bss_end
    movs    r3, #0
3:  cmp     r1, r2
    bhs     4f
    str     r3, [r1]
    adds    r1, r1, #4
    b       3b

    /* Paint the stack below the current stack pointer (for the high-water mark). */
4:  ldr     r1, =__mf_stack_bottom
    mov     r2, sp
    ldr     r3, =0xA5A5A5A5
5:  cmp     r1, r2
    bhs     6f
    str     r3, [r1]
    adds    r1, r1, #4
    b       5b

6:  bl      main
    bl      mf_port_exit
7:  b       7b
    .pool
    .size mf_reset, . - mf_reset

    /* Every fault lands here: hand the stacked frame (on the main stack) to C. */
    .section .text.mf_fault_entry, "ax", %progbits
    .global mf_fault_entry
    .type mf_fault_entry, %function
    .thumb_func
mf_fault_entry:
    mrs     r0, msp
    ldr     r1, =mf_fault_report
    bx      r1
    .pool
    .size mf_fault_entry, . - mf_fault_entry

    /* SysTick is only used by counter_systick.c; anywhere else its interrupt is a fault. */
    .weak mf_systick_handler
    .thumb_set mf_systick_handler, mf_fault_entry

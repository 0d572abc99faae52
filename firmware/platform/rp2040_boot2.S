/* mcuforge bare-metal platform: the RP2040's second-stage boot loader (boot2).
 *
 * The boot ROM copies the first 256 bytes of flash into SRAM and runs them if the CRC32 in their
 * last 4 bytes matches the first 252 (RP2040 datasheet, "Flash second stage" and its checksum
 * section; the boot ROM source, pico-bootrom bootrom_main.c and crc32_small; mcuforge writes the
 * CRC after linking, builder.boot2). This code must configure the
 * SSI so that the flash is readable in the XIP window, then start the image. It uses the plain
 * serial read command 03h with a 24-bit address, which every SPI NOR flash answers: one data line,
 * no dummy cycles, no mode bits.
 *
 * SSI registers (XIP_SSI, 0x18000000): CTRLR0 0x00 (SPI_FRF bits 22:21, DFS_32 bits 20:16,
 * TMOD bits 9:8), CTRLR1 0x04 (NDF), SSIENR 0x08, BAUDR 0x14 (SCK = clk_sys / BAUDR, even),
 * SPI_CTRLR0 0xF4 (XIP_CMD bits 31:24, INST_L bits 9:8, ADDR_L bits 5:2, TRANS_TYPE bits 1:0).
 * The SSI can only be reconfigured while disabled. Runs from SRAM: position-independent (only
 * PC-relative literal loads), and no stack. */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .equ SSI_BASE,       0x18000000
    .equ SSI_CTRLR0,     0x00
    .equ SSI_CTRLR1,     0x04
    .equ SSI_SSIENR,     0x08
    .equ SSI_BAUDR,      0x14
    .equ SSI_SPI_CTRLR0, 0xF4

    /* SCK = clk_sys / 2: 6 MHz, as the bare-metal image runs clk_sys at 12 MHz (boards.yaml). The
     * plain 03h read is rated for a lower SCK than the fast reads, so a clk_sys near 133 MHz
     * would need a larger even divisor (pico-sdk's boot2_generic_03h uses 4). */
    .equ BAUD_DIVISOR,   2
    /* standard SPI frame format (0), 32-bit data frames (DFS_32 = 31), EEPROM read mode (TMOD 3):
     * send the instruction and address, then clock data in */
    .equ CTRLR0_XIP,     (0 << 21) | (31 << 16) | (3 << 8)
    /* XIP command 03h, 8-bit instruction (INST_L 2), 24-bit address (ADDR_L 6 nibbles), both sent
     * on one line (TRANS_TYPE 0) */
    .equ SPI_CTRLR0_XIP, (0x03 << 24) | (2 << 8) | (6 << 2) | 0

    .equ IMAGE_VECTORS,  0x10000100   /* the image's vector table, just past these 256 bytes */
    .equ M0PLUS_VTOR,    0xE000ED08

    .section .mf_boot2, "ax", %progbits
    .global mf_boot2
    .type mf_boot2, %function
    .thumb_func
mf_boot2:
    ldr     r3, =SSI_BASE
    movs    r1, #0
    str     r1, [r3, #SSI_SSIENR]
    movs    r1, #BAUD_DIVISOR
    str     r1, [r3, #SSI_BAUDR]
    ldr     r1, =CTRLR0_XIP
    str     r1, [r3, #SSI_CTRLR0]
    movs    r1, #0
    str     r1, [r3, #SSI_CTRLR1]       /* NDF 0: one data frame per XIP access */
    ldr     r1, =SPI_CTRLR0_XIP
    ldr     r2, =SSI_SPI_CTRLR0         /* beyond the 124-byte reach of an immediate offset */
    str     r1, [r3, r2]
    movs    r1, #1
    str     r1, [r3, #SSI_SSIENR]

    /* Start the image as the core would after reset: VTOR, main stack pointer, reset vector. */
    ldr     r0, =IMAGE_VECTORS
    ldr     r1, =M0PLUS_VTOR
    str     r0, [r1]
    ldmia   r0!, {r1, r2}
    msr     msp, r1
    bx      r2
    .pool
    .size mf_boot2, . - mf_boot2

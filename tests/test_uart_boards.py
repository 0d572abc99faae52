"""Serial on real boards without a framework: the UART drivers, their cited board data, the
RP2040's second stage, no semihosting call in a real board's image, and the two emulated boards
that model real chips' UARTs (QEMU netduinoplus2: the STM32 USART; microbit: the nRF UART on a
Cortex-M0 with 16 KB of RAM), bit-exact against TFLite-Micro through those drivers."""

from __future__ import annotations

import json
import re
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from board_testing import crc32_mpeg2_from_zlib, semihosting_traps
from conftest import require_tool
from many_ops_model import many_ops_model
from mcuforge.boards import load_boards, parse_boards
from mcuforge.builder import build_firmware, cpu_flags
from mcuforge.builder.boot2 import rp2040_crc32
from mcuforge.builder.firmware import PLATFORM_DIR
from mcuforge.builder.render import board_defines
from mcuforge.cli import main
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.tflite.graph import (
    Activation,
    Conv2DOptions,
    FullyConnectedOptions,
    Padding,
    Pool2DOptions,
    ReshapeOptions,
    SoftmaxOptions,
)
from mcuforge.tflite.reader import read_model
from test_boards import GOOD, check_rejected
from tflite_builder import ModelBuilder

BOARDS = load_boards()
REAL = [b for b in BOARDS.values() if not b.emulated]


# ---------------------------------------------------------------- board data (host)

# A place in a maker's document: a section or table, a schematic, or a register or symbol name
# (RCC_AHB1ENR, GPIOx_MODER, UART_BAUDRATE_BAUDRATE_Baud115200, PIN_SERIAL_TX).
PLACE = re.compile(r"§|Table|schematic|\b[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+")


def test_every_real_board_talks_over_a_cited_uart():
    """No shipped real board needs a debugger: each has a UART whose base, clock and pins cite
    the maker's document and a place in it, and every setup step cites one too."""
    for b in REAL:
        s = b.serial
        assert s.is_uart, b.id
        cite = dict(s.cite)
        assert {"base", "clock", "pins"} <= set(cite), b.id
        for key, text in cite.items():
            assert PLACE.search(text), (b.id, key, text)
        assert s.tx_pin and s.rx_pin, b.id
        assert s.setup or s.kind == "nrf_uart", b.id      # clocks and pins before the UART
        for step in s.setup:
            assert PLACE.search(step.cite), (b.id, step)
        # the counter says the clock the image runs its core at
        assert b.counter.clock_hz, b.id


def _hardware_baud(serial) -> float:
    """The rate the registers give, by the formulas of the makers' manuals (written out again here,
    not taken from mcuforge.boards)."""
    d, f = serial.divisors(), serial.clock_hz
    if serial.kind == "stm32_usart":
        return f * 256 / d["BRR"] if serial.registers == "lpuart" else f / d["BRR"]
    if serial.kind == "pl011":
        return f / (16 * (d["IBRD"] + d["FBRD"] / 64))
    if serial.kind == "kinetis_uart":
        return f / (16 * (d["SBR"] + d["BRFA"] / 32))
    if serial.kind == "nrf_uart":
        return d["BAUDRATE"] / 2**32 * 16e6
    return f / d["BAUDDIV"]


@pytest.mark.parametrize("board", [b.id for b in BOARDS.values()])
def test_divisors_give_the_baud_rate(board):
    s = BOARDS[board].serial
    rate = _hardware_baud(s)
    assert abs(rate / s.baud - 1) < 0.015, (board, rate)


# test_boards.GOOD with a cited STM32 USART instead of semihosting
UART_BOARD = GOOD.replace("  serial: {kind: semihosting}\n", """\
  serial:
    kind: stm32_usart
    registers: isr
    base: 0x40004800
    clock_hz: 16_000_000
    baud: 115_200
    pins: {tx: PD8, rx: PD9}
    cite: {base: RM Table 1, clock: RM §5.2, pins: UM §6.9}
    setup:
      - {op: field, address: 0x40020C00, mask: 0xF0000, value: 0xA0000, what: MODER, cite: RM §6.4.1}
""")


def test_schema_accepts_a_uart_board(tmp_path):
    s = parse_boards(UART_BOARD, tmp_path / "b.yaml")["my_board"].serial
    assert s.divisors() == {"BRR": 139} and s.setup[0].mask == 0xF0000


@pytest.mark.parametrize("old, new, fragments", [
    ("value: 0xA0000", "value: 0xA00000", ["setup[0].value", "outside mask"]),
    ("op: field", "op: poke", ["setup[0].op", "write, set, clear, field, wait"]),
    ("address: 0x40020C00", "address: 0x40020C02", ["setup[0].address", "not aligned"]),
    ("baud: 115_200", "baud: 921_600", ["my_board.serial.baud", "2.1% off"]),
    ("clock_hz: 16_000_000", "clock_hz: 1_000", ["my_board.serial.baud", "BRR = 0"]),
    ("registers: isr", "registers: dr", ["my_board.serial.registers", "sr, isr, lpuart"]),
    ("    cite: {base: RM Table 1, clock: RM §5.2, pins: UM §6.9}\n", "",
     ["my_board.serial", "cites the maker's manual"]),
    ("cite: {base: RM Table 1, clock: RM §5.2, pins: UM §6.9}", "cite: {base: RM Table 1, clock: RM}",
     ["my_board.serial.cite.pins", "missing"]),
    ("kind: stm32_usart\n    registers: isr", "kind: nrf_uart\n    baudrate_register: 0x01D7E000",
     ["my_board.serial.pins.tx", "not an nRF pin"]),
])
def test_schema_rejects_bad_uart_data(tmp_path, old, new, fragments):
    check_rejected(UART_BOARD, old, new, fragments, tmp_path)


# ---------------------------------------------------------------- the RP2040 boot2 checksum

def test_rp2040_crc32_is_the_boot_rom_variant():
    # the check value of CRC-32/MPEG-2 in the CRC catalogues; zlib's CRC32 (0xCBF43926) differs
    assert rp2040_crc32(b"123456789") == crc32_mpeg2_from_zlib(b"123456789") == 0x0376E6E7
    assert zlib.crc32(b"123456789") != 0x0376E6E7
    blob = np.random.default_rng(3).integers(0, 256, 252, dtype=np.uint8).tobytes()
    assert rp2040_crc32(blob) == crc32_mpeg2_from_zlib(blob)


# ---------------------------------------------------------------- images (cross)

def compile_model(model: bytes, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tflite = out.parent / "model.tflite"
    tflite.write_bytes(model)
    render_program(compile_graph(read_model(str(tflite)), None), out, model)
    return out


@pytest.fixture(scope="module")
def many_ops_c(tmp_path_factory) -> Path:
    require_tool("arm-none-eabi-gcc")
    return compile_model(many_ops_model(), tmp_path_factory.mktemp("many") / "c")


@pytest.mark.cross
def test_small_real_board_image_has_no_semihosting_unless_asked(many_ops_c, tmp_path):
    """The M0+ board too small for the KWS model (nucleo_l031k6: 8 KB RAM) builds a small model
    that fits, with no semihosting call; --semihosting puts the calls in (the scan can fail)."""
    board = BOARDS["nucleo_l031k6"]
    fw = build_firmware(ModelInfo.load(many_ops_c), board, tmp_path / "uart", platformio=False)
    assert fw.memory.fits and not semihosting_traps(fw.elf)
    mf_board = (fw.folder / "generated" / "mf_board.h").read_text()
    assert "#define MF_UART_BRR 18u" in mf_board and "#define MF_USART_TDR 0x28u" in mf_board
    probe = build_firmware(ModelInfo.load(many_ops_c), board, tmp_path / "semihosting",
                           platformio=False, semihosting=True)
    assert len(semihosting_traps(probe.elf)) >= 2      # the serial calls and the exit


def digits_like_cnn(seed: int = 0) -> bytes:
    """A small digits-style CNN that fits the micro:bit's 16 KB of RAM: 16x16x1 -> conv 3x3 (8,
    ReLU) -> max pool 2 -> conv 3x3 (16, ReLU) -> max pool 2 -> dense 10 -> softmax; 94,720 MACs."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder("mcuforge test model: digits-like CNN")
    x = b.add_input((1, 16, 16, 1), 1 / 255, -128)

    def conv(src, shape_in, channels, scale_in, name):
        h, w, c = shape_in
        scales = tuple(float(s) for s in rng.uniform(0.004, 0.01, channels))
        f = b.add_const(rng.integers(-127, 128, (channels, 3, 3, c)).astype(np.int8), scale=scales,
                        zero_point=0, axis=0, name=f"{name}_w")
        bias = b.add_const(rng.integers(-300, 300, channels).astype(np.int32), zero_point=0, axis=0,
                           scale=tuple(scale_in * s for s in scales), name=f"{name}_b")
        y = b.add_tensor((1, h, w, channels), scale=0.05, zero_point=-128, name=name)
        b.add_operator("CONV_2D", (src, f, bias), (y,),
                       Conv2DOptions(Padding.SAME, 1, 1, activation=Activation.RELU))
        pooled = b.add_tensor((1, h // 2, w // 2, channels), scale=0.05, zero_point=-128,
                              name=f"{name}_pool")
        b.add_operator("MAX_POOL_2D", (y,), (pooled,), Pool2DOptions(Padding.VALID, 2, 2, 2, 2))
        return pooled

    p1 = conv(x, (16, 16, 1), 8, 1 / 255, "conv1")
    p2 = conv(p1, (8, 8, 8), 16, 0.05, "conv2")
    shape = b.add_const(np.array([1, 256], np.int32), name="shape")
    flat = b.add_tensor((1, 256), scale=0.05, zero_point=-128, name="flat")
    b.add_operator("RESHAPE", (p2, shape), (flat,), ReshapeOptions(new_shape=(1, 256)))
    w = b.add_const(rng.integers(-127, 128, (10, 256)).astype(np.int8), scale=(0.002,),
                    zero_point=0, name="dense_w")
    wb = b.add_const(rng.integers(-500, 500, 10).astype(np.int32), scale=(0.05 * 0.002,),
                     zero_point=0, name="dense_b")
    logits = b.add_tensor((1, 10), scale=0.1, zero_point=0, name="logits")
    b.add_operator("FULLY_CONNECTED", (flat, w, wb), (logits,), FullyConnectedOptions())
    y = b.add_output((1, 10), 1 / 256, -128)
    b.add_operator("SOFTMAX", (logits,), (y,), SoftmaxOptions())
    return b.build()


# ---------------------------------------------------------------- under QEMU (qemu, cross)

def emulate_json(capsys, c_dir: Path, board: str, vectors: int) -> dict:
    code = main(["emulate", str(c_dir), "--board", board, "--random", str(vectors), "--json",
                 "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out.strip().splitlines()[-1])


@pytest.mark.qemu
@pytest.mark.cross
def test_stm32_usart_on_netduinoplus2(many_ops_c, capsys):
    """The STM32 USART driver (SR/DR layout) carries the protocol under QEMU: every op's output
    equal to TFLite-Micro's."""
    require_tool("qemu-system-arm")
    r = emulate_json(capsys, many_ops_c, "netduinoplus2", 8)
    assert r["board"] == "netduinoplus2" and r["vectors"] == r["bit_exact"] == 8
    assert r["flash_bytes"] < 1_048_576
    # SysTick at QEMU's 168 MHz counts what the CMSDK timer counts on mps2_an386 (same core, same
    # kernels, a count too short for a SysTick wrap): the counter and its clock_hz are right. The
    # two counters' read sequences differ by a few instructions and each count is rounded from
    # its own ticks (3.2 or 21.5 per instruction), so the counts may differ by that much; a wrong
    # clock_hz would be off by a factor.
    an386 = emulate_json(capsys, many_ops_c, "mps2_an386", 8)   # the same 8 vectors
    assert r["kernels"] == an386["kernels"] and an386["instructions"] > 0
    assert abs(r["instructions"] - an386["instructions"]) <= 8, (r["instructions"], an386["instructions"])


@pytest.mark.qemu
@pytest.mark.cross
def test_nrf_uart_on_microbit(tmp_path, capsys):
    """The nRF UART driver on the first Cortex-M0 board (16 KB of RAM): a digits-like CNN,
    bit-exact with TFLite-Micro."""
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    c_dir = compile_model(digits_like_cnn(), tmp_path / "c")
    r = emulate_json(capsys, c_dir, "microbit", 6)
    assert r["board"] == "microbit" and r["vectors"] == r["bit_exact"] == 6
    assert r["kernels"] == "portable" and r["ram_bytes"] <= r["ram_capacity"] == 16_384
    assert r["macs"] == 94_720
    # the project's first Cortex-M0 (ARMv6-M without the M0+'s extras)
    assert cpu_flags(BOARDS["microbit"]) == ["-mcpu=cortex-m0", "-mthumb", "-mfloat-abi=soft"]


# ---------------------------------------------------------------- the drivers on the host

# A driver compiled for the host with its UART base moved to a plain array: after init, the
# harness marks the UART ready (status/event bits), reads a byte ('Z', put in the receive data
# register), writes 'A', flushes, and prints the array. The register positions checked below are
# the makers' (their device headers: ST stm32f746xx.h/stm32l4r5xx.h/stm32f407xx.h USART_TypeDef,
# Nordic nrf52840.h NRF_UART_Type, pico-sdk hardware/regs/uart.h, NXP MK64F12.h UART_Type); the
# baud registers must hold the divisors boards.yaml's data gives. (QEMU runs
# the SR-layout STM32 USART and the nRF UART; this covers the ISR layout, the LPUART, the PL011
# and the Kinetis UART, which no QEMU 7.2 machine models.)
HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mf_platform.h"
uint32_t mf_fake_uart[0x600 / 4];
int main(void)
{
    const unsigned char *bytes = (const unsigned char *)mf_fake_uart;
    unsigned i;
    int c;
    mf_serial_init();
    *(volatile uint32_t *)((uintptr_t)mf_fake_uart + READY_AT) = READY_BITS;
    *(volatile uint32_t *)((uintptr_t)mf_fake_uart + TX_READY_AT) |= TX_READY_BITS;
    *(volatile uint32_t *)((uintptr_t)mf_fake_uart + RX_AT) |= 'Z';
    c = mf_serial_getc();
    *(volatile uint32_t *)((uintptr_t)mf_fake_uart + RX_AT) &= ~0xFFu;
    mf_serial_putc('A');
    mf_serial_flush();
    printf("%c ", c);
    for (i = 0; i < sizeof mf_fake_uart; ++i) {
        printf("%02x", bytes[i]);
    }
    printf("\n");
    return 0;
}
"""

# board: ((offset, bits) that mark the receiver ready, the same for the transmitter, the receive
#         data register, {offset: expected 32-bit little-endian word, or (byte,) for an 8-bit
#         register; a name is that divisor of boards.yaml's data})
DRIVER_CASES = {
    "nucleo_f746zg": ((0x1C, 0xE0), (0x1C, 0xE0), 0x24, {0x00: 0x0D, 0x0C: "BRR", 0x28: ord("A")}),
    "nucleo_l4r5zi": ((0x1C, 0xE0), (0x1C, 0xE0), 0x24, {0x00: 0x0D, 0x0C: "BRR", 0x28: ord("A")}),
    "stm32f4discovery": ((0x00, 0xE0), (0x00, 0xE0), 0x04, {0x0C: 0x200C, 0x08: "BRR", 0x04: ord("A")}),
    "nrf52840_dk": ((0x108, 1), (0x11C, 1), 0x518, {0x500: 4, 0x524: "BAUDRATE", 0x50C: 6, 0x514: 8,
                                                   0x51C: ord("A"), 0x000: 1, 0x008: 1}),
    "rpi_pico": ((0x18, 0), (0x18, 0), 0x00, {0x24: "IBRD", 0x28: "FBRD", 0x2C: 0x70, 0x30: 0x301,
                                              0x00: ord("A")}),
    "frdm_k64f": ((0x04, 0xE0), (0x04, 0xE0), 0x07, {0x00: (0,), 0x01: ("SBR",), 0x0A: ("BRFA",),
                                                     0x03: (0x0C,), 0x07: (ord("A"),)}),
}


@pytest.mark.host
@pytest.mark.parametrize("board", list(DRIVER_CASES))
def test_uart_driver_registers(board, tmp_path, host_cc):
    b = BOARDS[board]
    (ready_at, ready_bits), (tx_ready_at, tx_ready_bits), rx_at, expected = DRIVER_CASES[board]
    defines = [(n, "((uintptr_t)mf_fake_uart)" if n == "MF_UART_BASE" else v)
               for n, v in board_defines(b)]
    (tmp_path / "mf_board.h").write_text(
        "#include <stdint.h>\nextern uint32_t mf_fake_uart[];\n"
        + "".join(f"#define {n} {v}\n" for n, v in defines))
    (tmp_path / "harness.c").write_text(HARNESS)
    exe = tmp_path / "harness"
    subprocess.run([host_cc, "-std=c99", "-O1", "-Wall", "-Werror", f"-I{tmp_path}",
                    f"-I{PLATFORM_DIR}", f"-DREADY_AT={ready_at}u", f"-DREADY_BITS={ready_bits}u",
                    f"-DRX_AT={rx_at}u", f"-DTX_READY_AT={tx_ready_at}u",
                    f"-DTX_READY_BITS={tx_ready_bits}u", str(tmp_path / "harness.c"),
                    str(PLATFORM_DIR / f"serial_{b.serial.kind}.c"), "-o", str(exe)], check=True)
    got, dump = subprocess.run([str(exe)], capture_output=True, text=True, timeout=10,
                               check=True).stdout.split()
    regs = bytes.fromhex(dump)
    assert got == "Z"
    divisors = b.serial.divisors()
    for offset, want in expected.items():
        if isinstance(want, tuple):            # an 8-bit register
            value = want[0]
            value = divisors[value] & 0xFF if isinstance(value, str) else value
            assert regs[offset] == value, (board, hex(offset), regs[offset], value)
        else:
            value = divisors[want] if isinstance(want, str) else want
            word = int.from_bytes(regs[offset:offset + 4], "little")
            assert word == value, (board, hex(offset), hex(word), hex(value))

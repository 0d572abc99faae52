"""Shared by the board tests: a compiled reference model, a copy of it whose model code hangs
or faults (to check that the host side stops such firmware and says why), the check of a
one-line CLI error, and what a real board's image must be (no semihosting call; the RP2040's
second stage with its checksum)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

from elftools.elf.elffile import ELFFile

from conftest import shared_model
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.tflite.reader import read_model


def compile_reference(out: Path, model_name: str = "kws_ref_model.tflite") -> Path:
    """The generated C folder of an external reference model (what `mcuforge compile` writes)."""
    model = shared_model(model_name)
    program = compile_graph(read_model(str(model)), None)
    render_program(program, out, model.read_bytes())
    return out


def one_line_error(capsys, code: int, *fragments: str) -> str:
    """The CLI failed (``code``) with one ``error:`` line on stderr that contains every fragment."""
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


BROKEN_INVOKE = {
    # spins forever inside the inference: the firmware greets, takes INFER, never answers
    "hang": "for (;;) { __asm__ volatile(\"nop\"); }",
    # writes to an address with nothing behind it: a bus fault, escalated to HardFault
    "fault": "*(volatile uint32_t *)0xF0000000u = 1u;",
}


def broken_copy(c_dir: Path, out: Path, how: str) -> Path:
    """A copy of ``c_dir`` whose <name>_invoke() does what BROKEN_INVOKE[how] says."""
    shutil.copytree(c_dir, out)
    name = ModelInfo.load(out).name
    (out / f"{name}.c").write_text(
        f'#include <stdint.h>\n#include "{name}.h"\n\n'
        f"void {name}_set_layer_hook({name}_layer_hook hook)\n{{\n    (void)hook;\n}}\n\n"
        f"int {name}_invoke(const int8_t *input, int8_t *output)\n{{\n"
        f"    (void)input;\n    (void)output;\n    {BROKEN_INVOKE[how]}\n    return 0;\n}}\n")
    return out


def crc32_mpeg2_from_zlib(data: bytes) -> int:
    """The RP2040's CRC (CRC-32/MPEG-2: MSB first, init ~0, no final XOR) by another route:
    zlib's CRC32 is the same polynomial bit-reflected, with a final inversion, so on bit-reversed
    bytes it yields the bit-reversed, inverted MPEG-2 CRC."""
    def rev(value: int, bits: int) -> int:
        return int(f"{value:0{bits}b}"[::-1], 2)
    return rev(zlib.crc32(bytes(rev(b, 8) for b in data)), 32) ^ 0xFFFF_FFFF


SEMIHOSTING_TRAP = re.compile(r"\b(bkpt\s+0x00ab|svc\s+(0x000000ab|0xab|171))\b", re.IGNORECASE)


def semihosting_traps(elf: Path) -> list[str]:
    """Every semihosting call in the image's code: BKPT 0xAB (M-profile), SVC 0xAB (Thumb on
    A/R profiles, the older convention)."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    return [line.strip() for line in out.splitlines() if SEMIHOSTING_TRAP.search(line)]


def check_boot2(elf: Path) -> None:
    """The Pico image starts with its second stage: 256 B at 0x10000000 whose last word is the
    CRC the boot ROM checks (computed here another way), then the vector table at 0x10000100."""
    with open(elf, "rb") as f:
        e = ELFFile(f)
        boot2, vectors = e.get_section_by_name(".boot2"), e.get_section_by_name(".vectors")
        assert boot2["sh_addr"] == 0x10000000 and boot2["sh_size"] == 256
        assert vectors["sh_addr"] == 0x10000100
        data = boot2.data()
    assert int.from_bytes(data[252:], "little") == crc32_mpeg2_from_zlib(data[:252])
    assert data[:4] != b"\0\0\0\0"

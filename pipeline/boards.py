"""boards.yaml as typed data: every board mcuforge builds for, checked against a schema.

The schema is the code below: each mapping is read by one function that takes the keys it knows,
checks their types and values, and rejects any other key (naming a close match). Sizes and clocks
are integers whose unit is in the key (``clock_hz``, ``length_bytes``); a string such as "4MB" or
a boolean where a number belongs is an error that names the file, board and key.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

import yaml

from .errors import BoardError
from .resources import BOARDS_FILE

CORES = ("cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")
FPUS = ("none", "single", "double")
# Which FPUs, DSP and MVE settings each core can have (Arm's architecture reference manuals).
CORE_FPUS = {"cortex-m0": ("none",), "cortex-m0plus": ("none",), "cortex-m3": ("none",),
             "cortex-m4": ("none", "single"), "cortex-m7": FPUS, "cortex-m33": ("none", "single"), "cortex-m55": FPUS}
CORE_DSP = {"cortex-m0": (False,), "cortex-m0plus": (False,), "cortex-m3": (False,), "cortex-m4": (True,),
            "cortex-m7": (True,), "cortex-m33": (False, True), "cortex-m55": (True,)}
CORE_MVE = {core: ((False, True) if core == "cortex-m55" else (False,)) for core in CORES}
REGION_KINDS = ("flash", "ram")
# boot2: the RP2040's second-stage boot loader, 256 B just below the code (firmware/platform/rp2040_boot2.S)
REGION_USES = ("code", "data", "boot2", "none")
BOOT2_BYTES = 256
# The UART drivers (firmware/platform/serial_<kind>.c), and semihosting through a debug probe
SERIAL_KINDS = ("cmsdk_uart", "stm32_usart", "nrf_uart", "pl011", "kinetis_uart", "semihosting")
UART_KINDS = SERIAL_KINDS[:-1]
# STM32 U(S)ART register layouts: sr = SR/DR (F1/F2/F4), isr = ISR/RDR/TDR (F0/F3/F7/H7/L0/L4),
# lpuart = the ISR layout with the LPUART's baud register (BRR = 256 * clock / baud)
STM32_REGISTERS = ("sr", "isr", "lpuart")
SETUP_OPS = ("write", "set", "clear", "field", "wait")
# The largest baud-rate error a UART may have against its link partner (both ends together
# tolerate about 3.75 % with 16x oversampling; each side is given half of it, rounded down)
MAX_BAUD_ERROR = 0.015
NO_DWT_CORES = ("cortex-m0", "cortex-m0plus")
COUNTER_KINDS = ("cmsdk_timer", "sse_counter", "dwt", "systick")
FRAMEWORKS = ("arduino", "mbed")  # the frameworks mcuforge writes PlatformIO glue for
# How firmware gets onto a board (pipeline/flash: one module per method); a board lists the ones
# it supports in order of preference, each with the facts it needs (FlashSpec).
FLASH_METHODS = ("pyocd", "openocd", "uf2", "gdb")
# pyOCD's catch-all targets: flashing through one of them would write with no flash algorithm
# for the chip (or the wrong one), so a board must name its own part.
GENERIC_PYOCD_TARGETS = ("cortex_m", "cortex-m", "cortexm")
ADDRESS_LIMIT = 1 << 32


@dataclass(frozen=True)
class MemoryRegion:
    name: str
    origin: int
    length_bytes: int
    kind: str          # flash | ram
    use: str           # code | data | boot2 | none

    @property
    def end(self) -> int:
        return self.origin + self.length_bytes


@dataclass(frozen=True)
class FlashConfig:
    """Words a chip needs at a fixed offset from the start of the code region."""

    offset_bytes: int
    words: tuple[int, ...]


@dataclass(frozen=True)
class RegisterWrite:
    address: int
    width_bits: int    # 8 | 16 | 32
    value: int


@dataclass(frozen=True)
class SetupStep:
    """A register access the serial link needs before its UART is touched (a clock, a pin mux, a
    reset released), done in order at start-up. ``op``: write (the whole word = value), set or
    clear (the bits in ``mask``), field (the bits in ``mask`` become ``value``), wait (until the
    bits in ``mask`` read as ``value``). All accesses are 32-bit."""

    op: str
    address: int
    mask: int
    value: int
    what: str
    cite: str


@dataclass(frozen=True)
class Serial:
    kind: str                    # one of SERIAL_KINDS
    base: int | None = None
    clock_hz: int | None = None  # the UART's own (kernel) clock as the bare-metal image runs it
    baud: int | None = None
    registers: str | None = None            # stm32_usart: one of STM32_REGISTERS
    tx_pin: str | None = None
    rx_pin: str | None = None
    baudrate_register: int | None = None    # nrf_uart: the BAUDRATE value (a table of the manual)
    setup: tuple[SetupStep, ...] = ()
    cite: tuple[tuple[str, str], ...] = ()  # (base | clock | pins | baud, document and section)

    @property
    def is_uart(self) -> bool:
        return self.kind in UART_KINDS

    def divisors(self) -> dict[str, int]:
        """The baud-rate register values of this UART (named as the driver's MF_UART_* macros)."""
        assert self.clock_hz is not None and self.baud is not None   # every UART has them
        clock, baud = self.clock_hz, self.baud
        if self.kind == "cmsdk_uart":
            return {"BAUDDIV": clock // baud}
        if self.kind == "stm32_usart":
            # oversampling by 16: BRR = clock / baud; the LPUART: BRR = 256 * clock / baud
            scale = 256 if self.registers == "lpuart" else 1
            return {"BRR": (scale * clock + baud // 2) // baud}
        if self.kind == "pl011":
            # divisor = clock / (16 * baud) in 16.6 fixed point: IBRD . FBRD/64
            div64 = (4 * clock + baud // 2) // baud
            return {"IBRD": div64 >> 6, "FBRD": div64 & 63}
        if self.kind == "kinetis_uart":
            # divisor = clock / (16 * baud) = SBR + BRFA/32
            div32 = (2 * clock + baud // 2) // baud
            return {"SBR": div32 >> 5, "BRFA": div32 & 31}
        assert self.kind == "nrf_uart" and self.baudrate_register is not None
        return {"BAUDRATE": self.baudrate_register}

    def actual_baud(self) -> float:
        """The baud rate the divisors give (what the other end of the link must tolerate)."""
        assert self.clock_hz is not None
        d = self.divisors()
        if self.kind == "cmsdk_uart":
            return self.clock_hz / d["BAUDDIV"]
        if self.kind == "stm32_usart":
            return (256 if self.registers == "lpuart" else 1) * self.clock_hz / d["BRR"]
        if self.kind == "pl011":
            return 4 * self.clock_hz / (d["IBRD"] * 64 + d["FBRD"])
        if self.kind == "kinetis_uart":
            return 2 * self.clock_hz / (d["SBR"] * 32 + d["BRFA"])
        # nRF: BAUDRATE is about the rate as a fraction of 16 MHz in units of 2^-32 (the manual
        # lists the register values; the rates they give differ from this by well under 0.1 %)
        return d["BAUDRATE"] * 16_000_000 / (1 << 32)


@dataclass(frozen=True)
class Counter:
    kind: str                    # cmsdk_timer | sse_counter | dwt | systick
    base: int | None = None
    # the rate it counts at; dwt/systick: the core clock the bare-metal image runs at (None:
    # unknown, the counts are core cycles)
    clock_hz: int | None = None


@dataclass(frozen=True)
class PlatformIO:
    platform: str
    board: str
    framework: str
    upload_protocol: str


@dataclass(frozen=True)
class PyocdFlash:
    target: str                  # pyOCD target type (builtin, or from a CMSIS pack: `pack`)
    pack: str | None             # the part to `pyocd pack install` when the target is not builtin
    cite: str


@dataclass(frozen=True)
class OpenocdFlash:
    configs: tuple[str, ...]     # each passed as `-f NAME` (OpenOCD's scripts folder)
    cite: str


@dataclass(frozen=True)
class Uf2Flash:
    family_id: int               # the UF2 familyID the boot loader accepts (flag 0x2000 set)
    drive_label: str             # the volume label of the boot loader's USB drive
    board_id: str                # the `Board-ID:` line of the drive's INFO_UF2.TXT
    cite: str


@dataclass(frozen=True)
class GdbFlash:
    port: int                    # the GDB server's usual TCP port (override with --probe HOST:PORT)
    cite: str


@dataclass(frozen=True)
class FlashSpec:
    """How firmware gets onto the board: ``methods`` in order of preference, and for each listed
    method the facts it needs (exactly the listed ones are set)."""

    methods: tuple[str, ...]
    pyocd: PyocdFlash | None = None
    openocd: OpenocdFlash | None = None
    uf2: Uf2Flash | None = None
    gdb: GdbFlash | None = None


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    core: str
    fpu: str
    dsp: bool
    mve: bool
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    memory: tuple[MemoryRegion, ...]
    flash_config: FlashConfig | None
    reset_writes: tuple[RegisterWrite, ...]
    serial: Serial
    counter: Counter
    qemu: str | None
    platformio: PlatformIO | None
    flash: FlashSpec
    note: str

    @property
    def emulated(self) -> bool:
        return self.qemu is not None

    @property
    def counts_exactly(self) -> bool:
        """Emulated, with a free-running timer that counts instructions exactly under QEMU
        -icount (a SysTick counter's wrap interrupt adds instructions of its own)."""
        return self.emulated and self.counter.kind in ("cmsdk_timer", "sse_counter")

    @property
    def code_region(self) -> MemoryRegion:
        return next(r for r in self.memory if r.use == "code")

    @property
    def data_region(self) -> MemoryRegion:
        return next(r for r in self.memory if r.use == "data")

    @property
    def boot2_region(self) -> MemoryRegion | None:
        return next((r for r in self.memory if r.use == "boot2"), None)

    @property
    def core_short(self) -> str:
        """'M4F', 'M0+', 'M55': the usual short name of the core."""
        short = self.core.replace("cortex-", "").upper().replace("PLUS", "+")
        return short + ("F" if self.fpu != "none" and self.core in ("cortex-m4", "cortex-m7") else "")


# ---------------------------------------------------------------- schema

class _Mapping:
    """Reads one YAML mapping; every error names the file and the key path."""

    def __init__(self, data: Any, where: str, file: Path):
        self.file = file
        self.where = where
        if not isinstance(data, dict):
            self.fail(f"must be a mapping (key: value lines), not {_kind(data)}")
        self.data = data
        self.used: set[str] = set()

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        path = f"{self.where}.{key}" if key else self.where
        raise BoardError(f"{self.file}: {path}: {message}")

    def _get(self, key: str, required: bool = True) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                typo = difflib.get_close_matches(key, [str(k) for k in self.data], n=1, cutoff=0.75)
                if typo:
                    self.fail(f"unknown key (did you mean {key}?)", typo[0])
                self.fail("missing (required)", key)
            return None
        return self.data[key]

    # A required key always yields a value (a missing one raises), so the required forms of the
    # accessors return the plain type and only ``required=False`` may give None.
    @overload
    def text(self, key: str, choices: tuple[str, ...] | None = None,
             required: Literal[True] = True) -> str: ...
    @overload
    def text(self, key: str, choices: tuple[str, ...] | None = None, *,
             required: bool) -> str | None: ...
    def text(self, key: str, choices: tuple[str, ...] | None = None,
             required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(f"must be a non-empty string, not {_kind(value)}", key)
        if choices is not None and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.fail(f"{value!r} is not one of {', '.join(choices)}{hint}", key)
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            self.fail(f"must be true or false, not {_kind(value)}", key)
        return value

    @overload
    def integer(self, key: str, minimum: int = 0, maximum: int | None = None,
                required: Literal[True] = True) -> int: ...
    @overload
    def integer(self, key: str, minimum: int = 0, maximum: int | None = None, *,
                required: bool) -> int | None: ...
    def integer(self, key: str, minimum: int = 0, maximum: int | None = None,
                required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            unit = key.rsplit("_", 1)[-1] if "_" in key else ""
            hint = {"bytes": " of bytes", "hz": " of Hz"}.get(unit, "")
            self.fail(f"must be an integer number{hint} (e.g. 4_194_304 or 0x400000), "
                      f"not {_kind(value)}", key)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
            self.fail(f"{value} is out of range ({bound})", key)
        return value

    @overload
    def mapping(self, key: str, required: Literal[True] = True) -> _Mapping: ...
    @overload
    def mapping(self, key: str, *, required: bool) -> _Mapping | None: ...
    def mapping(self, key: str, required: bool = True) -> _Mapping | None:
        value = self._get(key, required)
        if value is None:
            if required:
                self.fail("must be a mapping, not null", key)
            return None
        return _Mapping(value, f"{self.where}.{key}", self.file)

    def sequence(self, key: str, required: bool = True) -> list:
        value = self._get(key, required)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not value:
            self.fail(f"must be a non-empty list, not {_kind(value)}", key)
        return value

    def done(self) -> None:
        """Rejects keys that were never read: they are typos or unsupported."""
        unknown = sorted(set(map(str, self.data)) - self.used)
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(key, sorted(self.used), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known keys: {', '.join(sorted(self.used))})"
            self.fail(f"unknown key{hint}", key)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"a {type(value).__name__}"


def _region(m: _Mapping) -> MemoryRegion:
    region = MemoryRegion(name=m.text("name"), origin=m.integer("origin", 0, ADDRESS_LIMIT - 1),
                          length_bytes=m.integer("length_bytes", 1, ADDRESS_LIMIT),
                          kind=m.text("kind", REGION_KINDS), use=m.text("use", REGION_USES))
    m.done()
    if region.origin % 4:
        m.fail(f"origin 0x{region.origin:08x} is not 4-byte aligned", "origin")
    if region.end > ADDRESS_LIMIT:
        m.fail(f"ends past 4 GB (0x{region.origin:08x} + {region.length_bytes:,} B)", "length_bytes")
    return region


NRF_PIN = re.compile(r"P([01])\.([0-9]{2})")
CITED = ("base", "clock", "pins")   # what every real board's UART cites (and baud for nrf_uart)


def _setup_step(m: _Mapping) -> SetupStep:
    op = m.text("op", SETUP_OPS)
    address = m.integer("address", 0, ADDRESS_LIMIT - 1)
    if address % 4:
        m.fail(f"0x{address:08x} is not aligned for a 32-bit access", "address")
    if op == "write":
        mask, value = ADDRESS_LIMIT - 1, m.integer("value", 0, ADDRESS_LIMIT - 1)
    elif op in ("set", "clear"):
        mask = m.integer("bits", 1, ADDRESS_LIMIT - 1)
        value = mask if op == "set" else 0
    else:
        mask, value = m.integer("mask", 1, ADDRESS_LIMIT - 1), m.integer("value", 0, ADDRESS_LIMIT - 1)
        if value & ~mask:
            m.fail(f"0x{value:x} has bits outside mask 0x{mask:x}", "value")
    step = SetupStep(op, address, mask, value, m.text("what"), m.text("cite"))
    m.done()
    return step


def _serial(m: _Mapping, board_id: str, file: Path) -> Serial:
    kind = m.text("kind", SERIAL_KINDS)
    if kind == "semihosting":
        m.done()
        return Serial(kind)
    clock, baud = m.integer("clock_hz", 1), m.integer("baud", 1)
    registers = m.text("registers", STM32_REGISTERS) if kind == "stm32_usart" else None
    baudrate = m.integer("baudrate_register", 1, ADDRESS_LIMIT - 1) if kind == "nrf_uart" else None
    tx = rx = None
    pins = m.mapping("pins", required=kind != "cmsdk_uart")
    if pins is not None:
        tx, rx = pins.text("tx"), pins.text("rx")
        pins.done()
        if kind == "nrf_uart":
            for key, pin in (("tx", tx), ("rx", rx)):
                if not NRF_PIN.fullmatch(pin):
                    pins.fail(f"{pin!r} is not an nRF pin such as P0.06 (port 0 or 1, two digits)", key)
    steps = tuple(_setup_step(_Mapping(item, f"{board_id}.serial.setup[{i}]", file))
                  for i, item in enumerate(m.sequence("setup", required=False)))
    cite: list[tuple[str, str]] = []
    c = m.mapping("cite", required=False)
    if c is not None:
        wanted = (*CITED, "baud") if kind == "nrf_uart" else CITED
        cite = [(key, c.text(key)) for key in wanted]
        c.done()
    serial = Serial(kind, m.integer("base", 0, ADDRESS_LIMIT - 1), clock, baud, registers, tx, rx,
                    baudrate, steps, tuple(cite))
    m.done()
    _check_divisors(m, serial)
    return serial


def _check_divisors(m: _Mapping, serial: Serial) -> None:
    """The baud-rate registers fit their fields and give the baud rate closely enough."""
    assert serial.clock_hz is not None and serial.baud is not None
    d = serial.divisors()
    limits = {"BAUDDIV": (16, 0xFFFFF), "IBRD": (1, 0xFFFF), "SBR": (1, 0x1FFF),
              "BRR": (0x300, 0xFFFFF) if serial.registers == "lpuart" else (16, 0xFFFF)}
    for name, value in d.items():
        low, high = limits.get(name, (0, ADDRESS_LIMIT - 1))
        if not low <= value <= high:
            m.fail(f"clock_hz {serial.clock_hz:,} and baud {serial.baud:,} give {name} = {value}, "
                   f"outside {low}..{high}", "baud")
    if serial.registers == "lpuart" and not 3 * serial.baud <= serial.clock_hz <= 4096 * serial.baud:
        m.fail("the LPUART needs 3 * baud <= clock_hz <= 4096 * baud", "baud")
    error = abs(serial.actual_baud() / serial.baud - 1)
    if error > MAX_BAUD_ERROR:
        m.fail(f"the divisors give {serial.actual_baud():,.0f} baud, {error:.1%} off {serial.baud:,} "
               f"(at most {MAX_BAUD_ERROR:.1%})", "baud")


def nrf_pin_number(pin: str) -> int:
    """'P1.03' -> 35: the PSEL value of an nRF pin (port in bit 5, pin in bits 0-4)."""
    match = NRF_PIN.fullmatch(pin)
    assert match is not None          # boards.py checked the form
    return 32 * int(match.group(1)) + int(match.group(2))


def _counter(m: _Mapping, core: str) -> Counter:
    kind = m.text("kind", COUNTER_KINDS)
    if kind in ("cmsdk_timer", "sse_counter"):
        counter = Counter(kind, m.integer("base", 0, ADDRESS_LIMIT - 1), m.integer("clock_hz", 1))
    else:
        counter = Counter(kind, clock_hz=m.integer("clock_hz", 1, required=False))
        if kind == "dwt" and core in NO_DWT_CORES:
            m.fail(f"the {core} has no DWT cycle counter: use systick", "kind")
    m.done()
    return counter


def _flash(m: _Mapping, emulated: bool) -> FlashSpec:
    methods = m.sequence("methods")
    for j, method in enumerate(methods):
        if method not in FLASH_METHODS:
            close = difflib.get_close_matches(str(method), FLASH_METHODS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            m.fail(f"methods[{j}] {method!r} is not one of {', '.join(FLASH_METHODS)}{hint}", "methods")
    if len(set(methods)) != len(methods):
        m.fail(f"methods repeat: {', '.join(methods)}", "methods")
    if emulated and methods != ["gdb"]:
        m.fail("an emulated board is flashed through QEMU's gdbstub: methods: [gdb]", "methods")
    facts: dict[str, Any] = {}
    for method in FLASH_METHODS:
        f = m.mapping(method, required=method in methods)
        if f is None:
            continue
        if method not in methods:
            m.fail(f"facts for {method}, which methods does not list", method)
        cite = f.text("cite")
        if method == "pyocd":
            target = f.text("target")
            if target.lower() in GENERIC_PYOCD_TARGETS:
                f.fail(f"{target!r} is pyOCD's generic target: name the board's part "
                       f"(`pyocd list --targets`)", "target")
            facts[method] = PyocdFlash(target, f.text("pack", required=False), cite)
        elif method == "openocd":
            configs = f.sequence("configs")
            for j, name in enumerate(configs):
                if not isinstance(name, str) or not name.endswith(".cfg"):
                    f.fail(f"configs[{j}] must be a .cfg file name, not {_kind(name)}", "configs")
            facts[method] = OpenocdFlash(tuple(configs), cite)
        elif method == "uf2":
            facts[method] = Uf2Flash(f.integer("family_id", 0, ADDRESS_LIMIT - 1),
                                     f.text("drive_label"), f.text("board_id"), cite)
        else:
            facts[method] = GdbFlash(f.integer("port", 1, 65535), cite)
        f.done()
    m.done()
    return FlashSpec(methods=tuple(methods), **facts)


def _board(board_id: str, data: Any, file: Path) -> Board:
    m = _Mapping(data, board_id, file)
    core = m.text("core", CORES)
    fpu = m.text("fpu", FPUS)
    if fpu not in CORE_FPUS[core]:
        m.fail(f"a {core} has no {fpu}-precision FPU (possible: {', '.join(CORE_FPUS[core])})", "fpu")
    dsp = m.flag("dsp")
    if dsp not in CORE_DSP[core]:
        m.fail(f"a {core} {'always has' if not dsp else 'has no'} DSP extension", "dsp")
    mve = m.flag("mve")
    if mve not in CORE_MVE[core]:
        m.fail("only the Cortex-M55 has Helium (MVE) among the supported cores", "mve")

    regions = []
    for i, item in enumerate(m.sequence("memory")):
        regions.append(_region(_Mapping(item, f"{board_id}.memory[{i}]", file)))
    names = [r.name for r in regions]
    if len(set(names)) != len(names):
        m.fail(f"region names repeat: {', '.join(names)}", "memory")
    for use in ("code", "data"):
        count = sum(r.use == use for r in regions)
        if count != 1:
            m.fail(f"needs exactly one region with use: {use} (found {count})", "memory")
    boot2 = [r for r in regions if r.use == "boot2"]
    code_region = next(r for r in regions if r.use == "code")
    if boot2 and (len(boot2) > 1 or boot2[0].length_bytes != BOOT2_BYTES
                  or boot2[0].end != code_region.origin or core != "cortex-m0plus"):
        m.fail(f"a boot2 region (the RP2040's second stage) is one region of {BOOT2_BYTES} B "
               f"that ends where the code region starts", "memory")
    ordered = sorted(regions, key=lambda r: r.origin)
    for a, b in zip(ordered, ordered[1:]):
        if b.origin < a.end:
            m.fail(f"regions {a.name} and {b.name} overlap", "memory")

    flash_bytes = m.integer("flash_bytes", 1)
    ram_bytes = m.integer("ram_bytes", 1)
    for kind, total, key in (("flash", flash_bytes, "flash_bytes"), ("ram", ram_bytes, "ram_bytes")):
        listed = sum(r.length_bytes for r in regions if r.kind == kind)
        if listed > total:
            m.fail(f"the {kind} regions add up to {listed:,} B, more than {key} = {total:,}", key)

    flash_config = None
    fc = m.mapping("flash_config", required=False)
    if fc is not None:
        words = fc.sequence("words")
        for j, w in enumerate(words):
            if isinstance(w, bool) or not isinstance(w, int) or not 0 <= w < ADDRESS_LIMIT:
                fc.fail(f"words[{j}] must be a 32-bit unsigned integer, not {_kind(w)}", "words")
        flash_config = FlashConfig(fc.integer("offset_bytes", 0), tuple(words))
        fc.done()
        code = next(r for r in regions if r.use == "code")
        if flash_config.offset_bytes % 4 or flash_config.offset_bytes < 64:
            fc.fail("must be 4-byte aligned and past the 16 core vectors (>= 64)", "offset_bytes")
        if flash_config.offset_bytes + 4 * len(words) > code.length_bytes:
            fc.fail("lies outside the code region", "offset_bytes")

    writes = []
    for i, item in enumerate(m.sequence("reset_writes", required=False)):
        w = _Mapping(item, f"{board_id}.reset_writes[{i}]", file)
        width = w.integer("width_bits", 8, 32)
        if width not in (8, 16, 32):
            w.fail("must be 8, 16 or 32", "width_bits")
        writes.append(RegisterWrite(w.integer("address", 0, ADDRESS_LIMIT - 1), width,
                                    w.integer("value", 0, (1 << width) - 1)))
        w.done()
        if writes[-1].address % (width // 8):
            w.fail(f"0x{writes[-1].address:08x} is not aligned for a {width}-bit write", "address")

    serial = _serial(m.mapping("serial"), board_id, file)
    counter = _counter(m.mapping("counter"), core)

    qemu = m._get("qemu")
    if qemu is not None and (not isinstance(qemu, str) or not qemu.strip()):
        m.fail(f"must be a QEMU machine name (qemu-system-arm -M) or null, not {_kind(qemu)}", "qemu")
    pio = None
    p = m.mapping("platformio", required=False)
    if p is not None:
        pio = PlatformIO(p.text("platform"), p.text("board"), p.text("framework", FRAMEWORKS),
                         p.text("upload_protocol"))
        p.done()
    if qemu is None and pio is None:
        m.fail("a board QEMU cannot emulate needs a platformio entry", "platformio")
    if qemu is not None and not serial.is_uart:
        m.fail("an emulated board talks the protocol over a UART (semihosting only ends the run)",
               "serial")
    if qemu is not None and (counter.kind == "dwt" or counter.clock_hz is None):
        m.fail("QEMU has no cycle counter: an emulated board needs a timer counter "
               "(cmsdk_timer, sse_counter, or systick with its clock_hz) to count instructions "
               "under -icount", "counter")
    if qemu is None and serial.is_uart and not serial.cite:
        m.fail("a real board's UART cites the maker's manual for its base, clock and pins "
               "(serial.cite)", "serial")

    board = Board(id=board_id, name=m.text("name"), core=core, fpu=fpu, dsp=dsp, mve=mve,
                  clock_hz=m.integer("clock_hz", 1), flash_bytes=flash_bytes, ram_bytes=ram_bytes,
                  memory=tuple(regions), flash_config=flash_config, reset_writes=tuple(writes),
                  serial=serial, counter=counter, qemu=qemu, platformio=pio,
                  flash=_flash(m.mapping("flash"), qemu is not None), note=m.text("note"))
    m.done()
    return board


def parse_boards(text: str, file: Path) -> dict[str, Board]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BoardError(f"{file}: not valid YAML ({' '.join(str(exc).split())})") from exc
    if not isinstance(data, dict) or not data:
        raise BoardError(f"{file}: must map board ids to board descriptions")
    boards = {}
    for board_id, entry in data.items():
        if not isinstance(board_id, str) or not board_id.replace("_", "").isalnum() \
                or board_id != board_id.lower():
            raise BoardError(f"{file}: board id {board_id!r} must be lower-case letters, digits and _")
        boards[board_id] = _board(board_id, entry, file)
    return boards


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> dict[str, Board]:
    p = Path(path)
    return parse_boards(p.read_text(), p)


def load_boards(path: Path | str | None = None) -> dict[str, Board]:
    """All boards of ``path`` (default: boards.yaml at the project root), in file order."""
    p = Path(path) if path else BOARDS_FILE
    if not p.is_file():
        raise BoardError(f"{p}: no such boards file")
    return _load_cached(str(p), p.stat().st_mtime)


def get_board(name: str, path: Path | str | None = None) -> Board:
    """The board called ``name`` (case and - vs _ do not matter); an unknown name lists close ones."""
    boards = load_boards(path)
    key = name.strip().lower().replace("-", "_")
    if key in boards:
        return boards[key]
    close = [b for b in boards if key in b or b in key]
    close += [b for b in difflib.get_close_matches(key, list(boards), n=4, cutoff=0.5) if b not in close]
    hint = f"close names: {', '.join(close[:5])}" if close else f"known boards: {', '.join(boards)}"
    raise BoardError(f"unknown board {name!r}; {hint} (`mcuforge boards` lists all)")

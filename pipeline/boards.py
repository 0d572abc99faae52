"""boards.yaml as typed data: every board mcuforge builds for, checked against a schema.

The schema is the code below: each mapping is read by one function that takes the keys it knows,
checks their types and values, and rejects any other key (naming a close match). Sizes and clocks
are integers whose unit is in the key (``clock_hz``, ``length_bytes``); a string such as "4MB" or
a boolean where a number belongs is an error that names the file, board and key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

import yaml

from .errors import BoardError
from .resources import BOARDS_FILE

CORES = ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")
FPUS = ("none", "single", "double")
# Which FPUs, DSP and MVE settings each core can have (Arm's architecture reference manuals).
CORE_FPUS = {"cortex-m0plus": ("none",), "cortex-m3": ("none",), "cortex-m4": ("none", "single"),
             "cortex-m7": FPUS, "cortex-m33": ("none", "single"), "cortex-m55": FPUS}
CORE_DSP = {"cortex-m0plus": (False,), "cortex-m3": (False,), "cortex-m4": (True,),
            "cortex-m7": (True,), "cortex-m33": (False, True), "cortex-m55": (True,)}
CORE_MVE = {core: ((False, True) if core == "cortex-m55" else (False,)) for core in CORES}
REGION_KINDS = ("flash", "ram")
REGION_USES = ("code", "data", "none")
SERIAL_KINDS = ("cmsdk_uart", "semihosting")
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
    use: str           # code | data | none

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
class Serial:
    kind: str                    # cmsdk_uart | semihosting
    base: int | None = None
    clock_hz: int | None = None
    baud: int | None = None


@dataclass(frozen=True)
class Counter:
    kind: str                    # cmsdk_timer | sse_counter | dwt | systick
    base: int | None = None
    clock_hz: int | None = None  # None: counts core clock cycles


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
    def code_region(self) -> MemoryRegion:
        return next(r for r in self.memory if r.use == "code")

    @property
    def data_region(self) -> MemoryRegion:
        return next(r for r in self.memory if r.use == "data")

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


def _serial(m: _Mapping, core: str) -> Serial:
    kind = m.text("kind", SERIAL_KINDS)
    if kind == "cmsdk_uart":
        clock = m.integer("clock_hz", 1)
        baud = m.integer("baud", 1)
        serial = Serial(kind, m.integer("base", 0, ADDRESS_LIMIT - 1), clock, baud)
        if clock // baud < 16:
            m.fail(f"clock_hz / baud = {clock // baud}: the CMSDK UART needs a divider >= 16", "baud")
    else:
        serial = Serial(kind)
    m.done()
    return serial


def _counter(m: _Mapping, core: str) -> Counter:
    kind = m.text("kind", COUNTER_KINDS)
    if kind in ("cmsdk_timer", "sse_counter"):
        counter = Counter(kind, m.integer("base", 0, ADDRESS_LIMIT - 1), m.integer("clock_hz", 1))
    else:
        counter = Counter(kind)
        if kind == "dwt" and core == "cortex-m0plus":
            m.fail("the Cortex-M0+ has no DWT cycle counter: use systick", "kind")
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

    serial = _serial(m.mapping("serial"), core)
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
    if qemu is not None and serial.kind != "cmsdk_uart":
        m.fail("an emulated board talks the protocol over its CMSDK UART", "serial")
    if qemu is not None and counter.kind not in ("cmsdk_timer", "sse_counter"):
        m.fail("QEMU has no cycle counter: an emulated board needs a timer counter "
               "(cmsdk_timer or sse_counter) to count instructions under -icount", "counter")

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

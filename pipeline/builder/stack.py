"""A static bound on the firmware's stack, from GCC's call graph with stack usage.

Every C file is compiled with ``-fstack-usage -fcallgraph-info=su``; GCC then writes, beside the
object, a ``.ci`` file (a VCG graph): one node per function with its own frame in bytes
("N bytes (static)"), one edge per call it makes, and an ``__indirect_call`` node for every call
through a pointer. The bound is the deepest path from the entry through the merged graph,
adding the frames. Rules for what the graph does not say:

- Functions without stack-usage data (newlib's memcpy and friends, libgcc helpers, the
  assembler start-up code): when the linked ELF is given, their frame is read from their machine
  code (``push``/``stmdb sp!``/``vpush``, ``sub sp, #N``, pre-indexed stores to ``sp``) and their
  calls from their ``bl``/``b.w`` instructions (a branch into another function counts as a call
  of it). The ELF also supplies calls the compiler made without a C call (libgcc helpers, tail
  calls). Without the ELF each such function gets ``LIBRARY_ALLOWANCE`` bytes.
- Indirect calls (through a function pointer: the model's invoke in mf_app_config, the layer
  hook): the call may reach any function whose address the image holds (a Thumb address, bit 0
  set, stored as a word in code or data, outside the vector table), except functions that
  themselves reach the caller, or any function already on the chain, by direct calls (that
  would be recursion, which mcuforge's code never does); the bound takes the deepest of those
  candidates. Without the ELF the candidates are the functions of the graph that nothing calls
  directly.
- Recursion (a cycle of calls), or a frame GCC reports as dynamic and unbounded (alloca, VLAs):
  no static bound exists; StackAnalysisError names the functions. (A cycle made only of code
  without stack-usage data is a branch into a shared exit path, as newlib's strcmp takes into
  memmove's: it is noted, not an error.)
- Exceptions: the entry is the reset handler of the vector table (section ``.vectors``; else the
  ELF entry, else ``main``). A handler that returns (SysTick, PendSV, device interrupts) can
  preempt the deepest point: its depth plus the frame the core stacks on entry (32 B, 104 B with
  the FPU's context, + 4 B of alignment) is added once (handlers of one priority do not nest).
  Handlers that are the HardFault handler (faults, NMI and every unused vector here) report and
  stop: they are not counted.

The stack the linker reserves is then the bound plus a margin (``stack_size_for``: 25 % + 128 B,
rounded up to 8 B) for what no static analysis sees: compiler versions, a debugger's needs.
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildError
from ..stack_limits import MARGIN_BYTES, MARGIN_FRACTION, STACK_ALIGN

# The flags that make GCC write the call graph with stack usage (gcc >= 10) beside each object.
CALLGRAPH_FLAGS = ("-fstack-usage", "-fcallgraph-info=su")
# Frame assumed for a function with no stack-usage data when no ELF is given to read it from.
LIBRARY_ALLOWANCE = 64
# What the core pushes on exception entry: r0-r3, r12, lr, pc, xPSR; + s0-s15, FPSCR and a
# reserved word with an active FP context; + 4 B when it realigns the stack to 8.
EXCEPTION_FRAME = 32
EXCEPTION_FRAME_FP = 104
EXCEPTION_ALIGN = 4
INDIRECT = "__indirect_call"
VECTOR_SECTION = ".vectors"
HARDFAULT_VECTOR = 3
EF_ARM_ABI_FLOAT_HARD = 0x400


class StackAnalysisError(BuildError):
    """No static stack bound: recursion, a dynamic frame, or unreadable call-graph data."""


@dataclass(frozen=True)
class StackBound:
    """The worst-case stack depth in bytes and the call path that reaches it."""

    bytes: int
    path: tuple[str, ...]                  # entry first; "[indirect]" marks a call through a pointer
    frames: tuple[int, ...] = ()           # each path element's own frame
    interrupt_bytes: int = 0               # of ``bytes``: a returning handler preempting the path
    notes: tuple[str, ...] = field(default=())   # the rules applied (indirect calls, library code)

    def describe(self) -> str:
        chain = " > ".join(self.path)
        extra = f" + interrupt {self.interrupt_bytes:,} B" if self.interrupt_bytes else ""
        return f"{self.bytes:,} B ({chain}{extra})"

    def as_dict(self) -> dict:
        return {"bytes": self.bytes, "path": list(self.path), "frames": list(self.frames),
                "interrupt_bytes": self.interrupt_bytes, "notes": list(self.notes)}


def stack_size_for(bound: int, fraction: float = MARGIN_FRACTION, extra: int = MARGIN_BYTES) -> int:
    """The stack to reserve for a bound: bound + fraction + extra bytes, rounded up to 8."""
    return STACK_ALIGN * math.ceil((bound * (1 + fraction) + extra) / STACK_ALIGN)


# ---------------------------------------------------------------- the .ci files

@dataclass
class _Function:
    key: str
    frame: int | None = None
    qualifier: str = ""
    source: str = ""
    callees: set[str] = field(default_factory=set)
    indirect: bool = False


_NODE = re.compile(r'node:\s*\{\s*title:\s*"([^"]*)"\s*label:\s*"([^"]*)"')
_EDGE = re.compile(r'edge:\s*\{\s*sourcename:\s*"([^"]*)"\s*targetname:\s*"([^"]*)"')
_FRAME = re.compile(r"(\d+) bytes \(([a-z,]+)\)")


def symbol_of(key: str) -> str:
    """The ELF symbol of a graph node: GCC titles a static function "file:name"."""
    return key.rsplit(":", 1)[-1]


def display(key: str) -> str:
    if ":" in key:
        path, name = key.rsplit(":", 1)
        return f"{Path(path).name}:{name}"
    return key


def read_callgraph(ci_files: Iterable[Path]) -> dict[str, _Function]:
    functions: dict[str, _Function] = {}
    count = 0
    for path in ci_files:
        count += 1
        text = Path(path).read_text(errors="replace")
        for title, label in _NODE.findall(text):
            if title == INDIRECT:
                continue
            fn = functions.setdefault(title, _Function(title))
            m = _FRAME.search(label)
            if m:
                frame, qualifier = int(m.group(1)), m.group(2)
                if fn.frame is not None and fn.frame != frame:
                    frame = max(frame, fn.frame)
                fn.frame, fn.qualifier, fn.source = frame, qualifier, str(path)
        for source, target in _EDGE.findall(text):
            fn = functions.setdefault(source, _Function(source))
            if target == INDIRECT:
                fn.indirect = True
            else:
                fn.callees.add(target)
                functions.setdefault(target, _Function(target))
    if count == 0:
        raise StackAnalysisError("no .ci files: compile with " + " ".join(CALLGRAPH_FLAGS))
    return functions


# ---------------------------------------------------------------- the ELF

@dataclass
class _Code:
    """What the machine code of one function says."""

    frame: int = 0
    dynamic: bool = False
    callees: set[str] = field(default_factory=set)
    indirect: bool = False


@dataclass
class _Image:
    code: dict[str, _Code]                 # by symbol name (several static ones merged)
    address_taken: set[str]
    handlers: list[tuple[int, str]]        # (vector index, symbol) of the vector table
    entry: str | None
    hard_float: bool
    exact: bool = False                    # address_taken from relocations (--emit-relocs)


_FUNC_START = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
_INSN = re.compile(r"^\s*([0-9a-f]+):\s+([a-z][a-z0-9.]*)\s*(.*)$")
_TARGET = re.compile(r"^[0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>")


def _register_count(operands: str) -> tuple[int, int]:
    """(core registers, bytes of FP registers) of a register list "{r4, r5, lr}", "{d8-d15}"."""
    m = re.search(r"\{([^}]*)\}", operands)
    if not m:
        return 0, 0
    core = fp = 0
    for part in m.group(1).split(","):
        part = part.strip()
        rng = re.fullmatch(r"([rsd])(\d+)-[rsd](\d+)", part)
        n, kind = (int(rng.group(3)) - int(rng.group(2)) + 1, rng.group(1)) if rng else (1, part[:1])
        if kind == "d":
            fp += 8 * n
        elif kind == "s":
            fp += 4 * n
        else:
            core += n
    return core, fp


def _frame_change(mnemonic: str, operands: str) -> int | None:
    """Bytes an instruction moves sp down by (0: none); None when not a constant."""
    base = mnemonic.split(".")[0]
    if base == "push" or (base.startswith("stmdb") and operands.startswith("sp!")):
        core, fp = _register_count(operands)
        return 4 * core + fp
    if base in ("vpush",) or (base.startswith("vstmdb") and operands.startswith("sp!")):
        core, fp = _register_count(operands)
        return fp
    if base in ("sub", "subw", "subs") and re.match(r"sp,\s*(sp,\s*)?", operands):
        m = re.match(r"sp,\s*(?:sp,\s*)?#(\d+)", operands)
        return int(m.group(1)) if m else None
    if base in ("str", "strd", "vstr") and "[sp, #-" in operands and operands.rstrip().endswith("!"):
        m = re.search(r"\[sp, #-(\d+)\]!", operands)
        return int(m.group(1)) if m else 0
    return 0


def _objdump(elf: Path, objdump: str | None) -> str:
    tool = objdump or shutil.which("arm-none-eabi-objdump")
    if not tool:
        raise StackAnalysisError("arm-none-eabi-objdump not found (it comes with arm-none-eabi-gcc)")
    result = subprocess.run([tool, "-d", "--no-show-raw-insn", str(elf)], capture_output=True, text=True)
    if result.returncode != 0:
        raise StackAnalysisError(f"{elf}: objdump failed: {result.stderr.strip()[:200]}")
    return result.stdout


def read_image(elf: Path, objdump: str | None = None) -> _Image:
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection
    from elftools.elf.sections import SymbolTableSection

    code: dict[str, _Code] = {}
    starts: dict[int, str] = {}            # address | 1 -> the name objdump labels it with
    current: _Code | None = None
    name = ""
    movw: dict[str, tuple[int, int]] = {}
    pairs: list[tuple[int, int]] = []      # (value, address of the movw) of movw/movt pairs
    for line in _objdump(elf, objdump).splitlines():
        start = _FUNC_START.match(line)
        if start:
            name = start.group(2)
            starts.setdefault(int(start.group(1), 16) | 1, name)
            current = code.setdefault(name, _Code())
            movw = {}
            continue
        insn = _INSN.match(line) if current is not None else None
        if insn is None or current is None:
            continue
        address, mnemonic = int(insn.group(1), 16), insn.group(2)
        operands = insn.group(3).split("@")[0].strip()
        if mnemonic.startswith(".word"):
            continue
        change = _frame_change(mnemonic, operands)
        if change is None:
            current.dynamic = True
        else:
            current.frame += change
        base = mnemonic.split(".")[0]
        if base in ("bl", "blx", "b", "bx") or re.fullmatch(r"b[a-z]{2}", base) or base in ("cbz", "cbnz"):
            target = _TARGET.match(operands.split(",")[-1].strip())
            if target is not None:
                if target.group(1) != name:
                    current.callees.add(target.group(1))
            elif base in ("blx", "bx") and operands != "lr":
                current.indirect = True
        if base == "movw":
            m = re.match(r"(r\d+|ip|lr),\s*#(\d+)", operands)
            if m:
                movw[m.group(1)] = (int(m.group(2)), address)
        elif base == "movt":
            m = re.match(r"(r\d+|ip|lr),\s*#(\d+)", operands)
            if m and m.group(1) in movw:
                low, at = movw[m.group(1)]
                pairs.append(((int(m.group(2)) << 16) | low, at))

    with open(elf, "rb") as f:
        image = ELFFile(f)
        hard_float = bool(image.header["e_flags"] & EF_ARM_ABI_FLOAT_HARD)
        symtab = image.get_section_by_name(".symtab")
        functions: dict[int, list[str]] = {}
        if isinstance(symtab, SymbolTableSection):
            for sym in symtab.iter_symbols():
                if sym["st_info"]["type"] == "STT_FUNC" and sym["st_shndx"] != "SHN_UNDEF":
                    functions.setdefault(sym["st_value"] | 1, []).append(sym.name)
        for address, names in functions.items():   # the name the code is known by first
            if address in starts and starts[address] in names:
                names.remove(starts[address])
                names.insert(0, starts[address])
        handlers: list[tuple[int, str]] = []
        sections = list(image.iter_sections())
        loaded = {i: sec for i, sec in enumerate(sections)
                  if sec["sh_flags"] & SH_FLAGS.SHF_ALLOC and sec["sh_type"] != "SHT_NOBITS"}
        # Relocations kept by -Wl,--emit-relocs say exactly which words and instructions hold an
        # address; without them any aligned word (weights too) that equals one counts.
        relocated: set[int] = set()
        for sec in sections:
            if isinstance(sec, RelocationSection) and sec["sh_info"] in loaded \
                    and loaded[sec["sh_info"]].name != VECTOR_SECTION:
                relocated.update(r["r_offset"] for r in sec.iter_relocations())
        constants: set[int] = set()
        for sec in loaded.values():
            data = sec.data()
            words = struct.unpack_from(f"<{len(data) // 4}I", data) if len(data) >= 4 else ()
            if sec.name == VECTOR_SECTION:
                handlers = [(i, functions[w][0]) for i, w in enumerate(words) if i >= 1 and w in functions]
                continue
            if sec["sh_addr"] % 4:
                continue
            if relocated:
                base_address = sec["sh_addr"]
                constants.update(w for i, w in enumerate(words) if base_address + 4 * i in relocated)
            else:
                constants.update(words)
        constants.update(v for v, at in pairs if not relocated or at in relocated)
        entry_address = image.header["e_entry"] | 1
        entry = functions.get(entry_address, [None])[0]
    taken = {n for address in constants if address in functions for n in functions[address]}
    return _Image(code, taken, handlers, entry, hard_float, exact=bool(relocated))


# ---------------------------------------------------------------- the bound

def static_stack_bound(ci_files: Iterable[Path | str], elf: Path | str | None = None,
                       root: str | None = None, objdump: str | None = None) -> StackBound:
    """The worst-case stack depth of the program whose C files produced ``ci_files`` (module
    docstring for the rules); ``elf``, the linked image, resolves library code, calls the C
    graph does not show, indirect-call candidates and interrupt handlers."""
    graph = read_callgraph(Path(p) for p in ci_files)
    image = read_image(Path(elf), objdump) if elf is not None else None
    notes: list[str] = []

    defined = {k: fn for k, fn in graph.items() if fn.frame is not None}
    by_symbol: dict[str, list[str]] = {}
    for key in defined:
        by_symbol.setdefault(symbol_of(key), []).append(key)

    def keys_for(symbol: str) -> list[str]:
        return by_symbol.get(symbol, [symbol])

    # nodes: every defined C function, plus library functions (by symbol) found on the way
    frames: dict[str, int] = {}
    callees: dict[str, set[str]] = {}
    indirect: dict[str, bool] = {}
    for key, fn in defined.items():
        if fn.qualifier == "dynamic":
            raise StackAnalysisError(f"{display(key)} ({fn.source}): its stack frame is dynamic "
                                     f"(alloca or a variable-length array): no static bound")
        assert fn.frame is not None
        frames[key] = fn.frame
        callees[key] = {k for c in fn.callees for k in (keys_for(symbol_of(c)) if c not in defined else [c])}
        indirect[key] = fn.indirect
        if image is not None:
            for symbol in (symbol_of(key),):
                if symbol in image.code:
                    callees[key] |= {k for c in image.code[symbol].callees for k in keys_for(c)}

    library: list[str] = []

    def add_library(symbol: str) -> None:
        if symbol in frames:
            return
        if image is not None and symbol in image.code:
            c = image.code[symbol]
            if c.dynamic:
                raise StackAnalysisError(f"{symbol}: its machine code moves the stack pointer by a "
                                         f"variable amount: no static bound")
            frames[symbol] = c.frame
            callees[symbol] = {k for t in c.callees for k in keys_for(t)}
            indirect[symbol] = c.indirect
        else:
            frames[symbol] = LIBRARY_ALLOWANCE
            callees[symbol] = set()
            indirect[symbol] = False
        library.append(symbol)
        for t in callees[symbol]:
            add_library(t)

    for key in list(frames):
        for t in list(callees[key]):
            add_library(t)

    if image is not None:
        taken = {k for s in image.address_taken for k in keys_for(s)}
        if not image.exact:
            notes.append("the ELF has no relocations (link with -Wl,--emit-relocs): every word "
                         "equal to a function's address counts as taking it")
    else:
        called = {t for cs in callees.values() for t in cs}
        taken = {k for k in defined if k not in called and symbol_of(k) != "main"}
    for k in list(taken):
        add_library(k)
    if image is not None:
        for _, handler in image.handlers:
            add_library(handler)
        if image.entry:
            add_library(image.entry)

    # who reaches whom by direct calls: an indirect call never goes back up its own chain
    reach: dict[str, set[str]] = {}

    def reaches(k: str) -> set[str]:
        if k not in reach:
            reach[k] = set()
            out = {k}
            for t in callees.get(k, ()):
                out |= reaches(t)
            reach[k] = out
        return reach[k]

    # depth[k]: the deepest path from k. A result that left out a candidate because of the chain
    # it was reached through (``chained``) holds only on that chain: it is not kept for others.
    depth: dict[str, tuple[int, tuple[str, ...], tuple[int, ...]]] = {}
    chained: set[str] = set()
    stack: list[str] = []

    def deepest(k: str) -> tuple[int, tuple[str, ...], tuple[int, ...]]:
        if k in depth:
            return depth[k]
        if k in stack:
            chain = stack[stack.index(k):]
            cycle = " -> ".join(display(s) for s in chain + [k])
            if image is not None and all(s in library for s in chain):
                # machine code that branches back into a function it came from (a shared exit
                # path of two string functions): not recursion of C code, the frame is counted once
                notes.append(f"branch back in code without stack-usage data ignored: {cycle}")
                return (0, (), ())
            raise StackAnalysisError(f"recursion {cycle}: no static stack bound")
        stack.append(k)
        on_chain = False
        best: tuple[int, tuple[str, ...], tuple[int, ...]] = (0, (), ())
        for t in sorted(callees.get(k, ())):
            below = deepest(t)
            on_chain |= t in chained
            if below[0] > best[0] or not best[1]:     # on a tie, a path that goes on to a callee
                best = below
        if indirect.get(k):
            here = set(stack)
            candidates = sorted(c for c in taken if k not in reaches(c) and not reaches(c) & here)
            skipped = sorted(c for c in taken if reaches(c) & here and k not in reaches(c))
            if skipped:
                on_chain = True
                notes.append(f"indirect call in {display(k)}: not counted as calling "
                             f"{', '.join(display(c) for c in skipped)} (they lead back into "
                             f"the chain: that would be recursion)")
            for c in candidates:
                size, path, fr = deepest(c)
                on_chain |= c in chained
                if size > best[0] or not best[1]:
                    best = (size, ("[indirect] " + path[0], *path[1:]), fr)
            notes.append(f"indirect call in {display(k)}: deepest of "
                         f"{', '.join(display(c) for c in candidates) or 'no candidate'}")
        stack.pop()
        own = frames.get(k, LIBRARY_ALLOWANCE)
        result = (own + best[0], (display(k), *best[1]), (own, *best[2]))
        if on_chain:
            chained.add(k)
        else:
            chained.discard(k)
            depth[k] = result
        return result

    entry = root or (next((h for i, h in image.handlers if i == 1), None) if image else None) \
        or (image.entry if image else None) or "main"
    if entry not in frames:
        entry_keys = keys_for(entry)
        if entry_keys[0] not in frames:
            raise StackAnalysisError(f"entry {entry} is not in the call graph")
        entry = entry_keys[0]
    total, path, path_frames = deepest(entry)

    interrupt = 0
    if image is not None:
        fault = next((h for i, h in image.handlers if i == HARDFAULT_VECTOR), None)
        frame = (EXCEPTION_FRAME_FP if image.hard_float else EXCEPTION_FRAME) + EXCEPTION_ALIGN
        for index, handler in image.handlers:
            if index <= 1 or handler == fault:
                continue
            d = deepest(keys_for(handler)[0])[0] + frame
            if d > interrupt:
                interrupt = d
                notes.append(f"exception handler {handler} (vector {index}): {d} B with its "
                             f"{frame} B entry frame")
        if fault:
            notes.append(f"fault handler {fault} not counted: it reports and stops")
    used = sorted(set(library) & set(path))
    if used:
        source = "their machine code" if image is not None else f"{LIBRARY_ALLOWANCE} B each (no ELF)"
        notes.append(f"no stack-usage data for {', '.join(used)}: frames from {source}")
    return StackBound(bytes=total + interrupt, path=path, frames=path_frames,
                      interrupt_bytes=interrupt, notes=tuple(dict.fromkeys(notes)))


def ci_files_in(folder: Path | str) -> list[Path]:
    """The .ci files GCC wrote into ``folder`` (and below)."""
    return sorted(Path(folder).rglob("*.ci"))


def describe_size(bound: StackBound, size: int) -> str:
    return (f"{size:,} B = static bound {bound.bytes:,} B + {MARGIN_FRACTION:.0%} + {MARGIN_BYTES} B, "
            f"rounded to 8")


__all__: Sequence[str] = ("CALLGRAPH_FLAGS", "StackAnalysisError", "StackBound", "ci_files_in",
                          "describe_size", "stack_size_for", "static_stack_bound")

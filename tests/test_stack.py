"""The static stack bound (builder.stack): GCC's call graph with stack usage, the rules for what it
does not say (indirect calls, library code, recursion), and on every emulated board the stack
high-water mark QEMU measures never above the bound."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import require_tool
from mcuforge.boards import get_board, load_boards
from mcuforge.builder import build_firmware
from mcuforge.builder.stack import (
    CALLGRAPH_FLAGS,
    LIBRARY_ALLOWANCE,
    StackAnalysisError,
    ci_files_in,
    stack_size_for,
    static_stack_bound,
)

# the MPS boards (exact counters); the UART boards have tests/test_uart_boards.py
EMULATED = [b.id for b in load_boards().values() if b.counts_exactly]


def _node(title: str, frame: int | None = None, qualifier: str = "static") -> str:
    label = f"{title}\\nx.c:1:1" + (f"\\n{frame} bytes ({qualifier})" if frame is not None else "")
    return f'node: {{ title: "{title}" label: "{label}" }}\n'


def _edge(a: str, b: str) -> str:
    return f'edge: {{ sourcename: "{a}" targetname: "{b}" label: "x.c:2:3" }}\n'


def _ci(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.ci"
    path.write_text(f'graph: {{ title: "{name}.c"\n{body}}}\n')
    return path


@pytest.mark.host
def test_deepest_path_adds_frames(tmp_path):
    a = _ci(tmp_path, "a", _node("main", 16) + _node("f", 40) + _node("g", 8) + _edge("main", "f")
            + _edge("main", "g") + _node("h") + _edge("f", "h"))
    b = _ci(tmp_path, "b", _node("h", 100) + _node("b.c:helper", 24) + _edge("h", "b.c:helper"))
    bound = static_stack_bound([a, b])
    assert bound.bytes == 16 + 40 + 100 + 24
    assert bound.path == ("main", "f", "h", "b.c:helper") and bound.frames == (16, 40, 100, 24)


@pytest.mark.host
def test_library_function_gets_the_allowance_without_an_elf(tmp_path):
    a = _ci(tmp_path, "a", _node("main", 8) + _node("memcpy") + _edge("main", "memcpy"))
    bound = static_stack_bound([a])
    assert bound.bytes == 8 + LIBRARY_ALLOWANCE and bound.path == ("main", "memcpy")
    assert any("memcpy" in n for n in bound.notes)


@pytest.mark.host
def test_indirect_call_takes_the_deepest_uncalled_function_not_itself(tmp_path):
    """Without the ELF the candidates of a call through a pointer are the functions nothing calls
    directly; a candidate that reaches the caller (recursion) is not one."""
    body = (_node("main", 8) + _node("run", 32) + _edge("main", "run") + _edge("run", "__indirect_call")
            + _node("invoke", 16) + _edge("invoke", "__indirect_call") + _node("kernel", 200)
            + _edge("invoke", "kernel") + _node("hook", 12) + _node("__indirect_call"))
    bound = static_stack_bound([_ci(tmp_path, "a", body)])
    assert bound.path == ("main", "run", "[indirect] invoke", "kernel")
    assert bound.bytes == 8 + 32 + 16 + 200
    assert any("indirect call in run" in n for n in bound.notes)


@pytest.mark.host
def test_an_indirect_call_never_leads_back_into_its_own_chain(tmp_path):
    """Two entry points sharing a helper (the streaming application's push and play): from inside
    one, the other is no candidate of a call through a pointer, since it would run the helper that
    is already on the chain."""
    body = (_node("main", 8) + _node("serve", 16) + _edge("main", "serve")
            + _edge("serve", "__indirect_call") + _node("push", 24) + _node("play", 40)
            + _node("shared", 32) + _edge("push", "shared") + _edge("play", "shared")
            + _node("engine", 48) + _edge("shared", "engine") + _edge("engine", "__indirect_call")
            + _node("invoke", 16) + _node("kernel", 200) + _edge("invoke", "kernel")
            + _edge("invoke", "__indirect_call") + _node("hook", 12) + _node("__indirect_call"))
    bound = static_stack_bound([_ci(tmp_path, "a", body)])
    assert bound.path == ("main", "serve", "[indirect] play", "shared", "engine", "[indirect] invoke",
                          "kernel")
    assert bound.bytes == 8 + 16 + 40 + 32 + 48 + 16 + 200
    assert any("not counted as calling play, push (they lead back into the chain" in n
               for n in bound.notes)


@pytest.mark.host
def test_recursion_and_dynamic_frames_have_no_bound(tmp_path):
    rec = _ci(tmp_path, "r", _node("main", 8) + _node("f", 16) + _edge("main", "f") + _edge("f", "f"))
    with pytest.raises(StackAnalysisError, match="recursion f -> f"):
        static_stack_bound([rec])
    dyn = _ci(tmp_path, "d", _node("main", 8, "dynamic"))
    with pytest.raises(StackAnalysisError, match="dynamic"):
        static_stack_bound([dyn])
    bounded = _ci(tmp_path, "e", _node("main", 8, "dynamic,bounded"))
    assert static_stack_bound([bounded]).bytes == 8
    with pytest.raises(StackAnalysisError, match="no .ci files"):
        static_stack_bound([])


@pytest.mark.host
def test_margin():
    assert stack_size_for(344) == 560          # 344 * 1.25 + 128 = 558, rounded up to 8
    assert stack_size_for(0) == 128
    assert all(stack_size_for(n) % 8 == 0 and stack_size_for(n) >= 1.25 * n + 128 for n in range(0, 5000, 37))


@pytest.mark.cross
def test_gcc_writes_the_call_graph_and_the_elf_resolves_library_code(tmp_path):
    """arm-none-eabi-gcc 12 writes .ci files with -fcallgraph-info=su; with the linked ELF, memcpy
    (newlib, no stack-usage data) gets its frame from its code and the pointer call its target."""
    gcc = require_tool("arm-none-eabi-gcc")
    src = tmp_path / "prog.c"
    src.write_text(
        "#include <string.h>\n"
        "typedef int (*fn)(char *);\n"
        "static volatile fn target;\n"
        "__attribute__((noinline)) int deep(char *p) { char buf[200]; memcpy(buf, p, (unsigned)p[2] & 127u);"
        " return buf[p[0] & 63]; }\n"
        "__attribute__((noinline)) int shallow(char *p) { return p[1]; }\n"
        "int main(void) { char in[64] = {1}; target = deep; int r = target(in);"
        " return r + shallow(in); }\n"
        )
    elf = tmp_path / "prog.elf"
    subprocess.run([gcc, "-mcpu=cortex-m4", "-mthumb", "-O2", *CALLGRAPH_FLAGS, "-nostartfiles",
                    "--specs=nano.specs", "-Wl,-e,main", "-Wl,--emit-relocs", str(src), "-o", str(elf)],
                   check=True, cwd=tmp_path)
    ci = ci_files_in(tmp_path)
    assert ci, "no .ci file written"
    bound = static_stack_bound(ci, elf, root="main")
    assert bound.path[:3] == ("main", "[indirect] deep", "memcpy"), bound
    assert bound.frames[1] >= 200 and bound.bytes == sum(bound.frames)


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.parametrize("board", EMULATED)
def test_measured_high_water_mark_within_the_static_bound(kws_c, tmp_path, board):
    """The stack QEMU sees used (painted-stack high-water mark after inferences, STATS) never
    exceeds the static bound, on every emulated board with its default kernels; the build
    reserves the bound plus its margin."""
    from mcuforge.codegen.model_info import ModelInfo
    from mcuforge.emulate.qemu import QemuMachine, run_vectors

    b = get_board(board)
    model = ModelInfo.load(kws_c)
    fw = build_firmware(model, b, tmp_path / "fw", platformio=False)
    bound = fw.stack_bound
    assert bound is not None and fw.memory.stack_bytes == stack_size_for(bound.bytes)
    inputs = np.random.default_rng(3).integers(-128, 128, (3, model.input.size), dtype=np.int8)
    with QemuMachine(b, fw.elf, timeout=60) as machine:
        run = run_vectors(machine, model.sha256, model.input.size, (model.output.size,), inputs,
                          profile=True)
    assert 0 < run.stack_used <= bound.bytes, (run.stack_used, bound.describe(), bound.notes)
    assert bound.path[0] == "mf_reset" and "main" in bound.path
    print(f"{board} ({getattr(fw.model, 'backend', '?')}): measured {run.stack_used} B, "
          f"static bound {bound.describe()}, stack {stack_size_for(bound.bytes)} B")

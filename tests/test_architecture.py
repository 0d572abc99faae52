"""The data flow goes one way: no stage imports a later one (DESIGN.md, "The data flow").

Every module under pipeline/ is parsed with ``ast`` (nothing is imported or run), every import in
it (module level, inside functions, under TYPE_CHECKING) is resolved to a top-level part of the
package, and that part must be the module's own stage, an earlier one, or a shared utility.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "mcuforge"
SOURCE = Path(__file__).resolve().parents[1] / "pipeline"

# The stages in data-flow order, each with the top-level parts of the package that belong to it.
STAGES: tuple[tuple[str, ...], ...] = (
    ("data",),
    ("features",),
    ("train", "arch"),
    ("reference",),      # the reference interpreters: used from quantize on
    ("quantize",),
    ("tflite",),
    ("compile",),
    ("codegen",),
    ("builder",),
    ("check",),          # `mcuforge check`: compile's analysis and builder's sizes, no code written
    ("emulate",),
    ("flash", "device"),
    ("bench",),          # builds and emulates models for every board and backend
    ("stream",),         # the streaming KWS application: host build, QEMU, `run --board` report
    ("search",),         # trains, quantizes, checks and benches candidates (Ray Tune)
    ("report",),
)
# Shared utilities: any stage may import them, and they import no stage.
SHARED = {"__init__", "backend_names", "stack_limits", "errors", "fsutil", "cformat", "cbuild", "cmsis",
          "resources", "templating", "ui", "boards", "boards_command", "recipe", "rundir", "capture"}
# The command line on top: it calls every stage's command, nothing below imports it.
TOP = {"cli", "__main__", "chain"}

RANK = {part: rank for rank, parts in enumerate(STAGES) for part in parts}


def part_of(module: str) -> str:
    """'mcuforge.emulate.host' -> 'emulate'; 'mcuforge' -> '__init__'."""
    names = module.split(".")
    assert names[0] == PACKAGE, module
    return names[1] if len(names) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(SOURCE).with_suffix("")
    names = [PACKAGE, *rel.parts]
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def imported_parts(path: Path) -> set[tuple[str, int]]:
    """(top-level part, line) of every mcuforge module that ``path`` imports."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from mcuforge import x` / `from .. import x` names a part of the package
            targets = [f"{source}.{alias.name}" for alias in node.names] if source == PACKAGE \
                else [source]
        else:
            continue
        for target in targets:
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                found.add((part_of(target), node.lineno))
    return found


def violations(path: Path) -> list[str]:
    own = part_of(module_name(path))
    problems = []
    for part, line in sorted(imported_parts(path)):
        where = f"{path.relative_to(SOURCE.parent)}:{line}"
        if part == own or part == "__version__":
            continue
        if part in TOP and own not in TOP:
            problems.append(f"{where}: imports {part}, the command line on top")
        elif part in TOP:
            continue
        elif part not in RANK and part not in SHARED:
            problems.append(f"{where}: imports {part}, which is neither a stage nor shared "
                            "(add it to STAGES or SHARED in this test)")
        elif own in SHARED and part in RANK:
            problems.append(f"{where}: the shared module {own} imports the stage {part}")
        elif own in RANK and part in RANK and RANK[part] > RANK[own]:
            problems.append(f"{where}: the stage {own} imports the later stage {part}")
    return problems


def modules() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_belongs_somewhere():
    unknown = sorted({part_of(module_name(p)) for p in modules()} - set(RANK) - SHARED - TOP)
    assert not unknown, f"add these parts of pipeline/ to STAGES, SHARED or TOP: {unknown}"


def test_no_stage_imports_a_later_stage():
    paths = modules()
    assert len(paths) > 40, "pipeline/ not found where expected"
    problems = [p for path in paths for p in violations(path)]
    assert not problems, "\n".join(problems)


def test_the_check_sees_relative_absolute_and_lazy_imports(tmp_path, monkeypatch):
    """The checker itself: a builder module that reaches emulate in three ways is caught thrice."""
    root = tmp_path / "pipeline"
    (root / "builder").mkdir(parents=True)
    bad = root / "builder" / "bad.py"
    bad.write_text("from ..emulate import host\n"
                   "import mcuforge.emulate.qemu\n"
                   "def f():\n    from mcuforge import emulate\n"
                   "from ..codegen.model_info import ModelInfo\n")
    monkeypatch.setitem(globals(), "SOURCE", root)
    found = violations(bad)
    assert len(found) == 3 and all("later stage emulate" in p for p in found), found

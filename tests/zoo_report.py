"""The zoo measurement (issue 10's "Done when"): every model of tests/model_zoo.py and the public
int8 models at hand, compiled as `mcuforge compile` does (read_model -> compile_graph ->
render_program), run on the host on random int8 inputs against TFLite-Micro, optionally as
firmware under QEMU on mps2_an386; one table, the totals and the failing ops by frequency.

    .venv/bin/python -m tests.zoo_report [--vectors 8] [--qemu NAME ...] [--only NAME ...] [--json F]

tests/test_model_zoo.py runs the same ``evaluate`` on every model.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:          # the zoo imports its sibling helpers by bare name
    sys.path.insert(0, str(TESTS))

import model_zoo  # noqa: E402
from mcuforge.codegen import render_program  # noqa: E402
from mcuforge.compile import compile_graph  # noqa: E402
from mcuforge.compile.fold import fold_static  # noqa: E402
from mcuforge.compile.ops import LOWERINGS  # noqa: E402
from mcuforge.errors import McuforgeError  # noqa: E402
from mcuforge.reference import ReferenceRunError, vector_shape  # noqa: E402
from mcuforge.tflite.reader import read_model  # noqa: E402

QEMU_BOARD = "mps2_an386"


@dataclass
class Result:
    """One model's row: ``error`` is the one-line reason it did not compile (None: it did);
    ``failing_ops`` the ops that error is about (the unsupported ones, or the op it names);
    ``host``/``qemu`` "exact/vectors" against TFLite-Micro, or why the run did not happen."""

    name: str
    source: str
    ops: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    failing_ops: list[str] = field(default_factory=list)
    host: str | None = None
    host_exact: bool | None = None
    qemu: str | None = None
    qemu_exact: bool | None = None

    @property
    def compiles(self) -> bool:
        return self.error is None


def models(only: list[str] | None = None) -> dict[str, tuple[str, Path | None, str | None]]:
    """name -> (source, .tflite path or None, why there is none): the zoo, converted (cached),
    then the public models."""
    names = [n for n in model_zoo.ZOO if not only or n in only]
    if names:
        model_zoo.ensure_converted(names)
    out: dict[str, tuple[str, Path | None, str | None]] = {}
    for name in names:
        source = f"keras:{model_zoo.ZOO[name].family}"
        try:
            out[name] = (source, model_zoo.tflite_path(name), None)
        except model_zoo.ConversionError as exc:
            out[name] = (source, None, f"the TFLite converter fails: {exc}")
    for name, path in model_zoo.public_models().items():
        if not only or name in only:
            out[name] = ("public", path, None)
    return out


def _failing_ops(error: str, graph_ops: set[str], unsupported: list[str]) -> list[str]:
    if unsupported:
        return unsupported
    named = [w for w in re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", error) if w in graph_ops]
    return sorted(set(named)) or ["(model level)"]


def random_inputs(path: Path, n: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    """``n`` random int8 vectors for every input of the model, one array per input."""
    graph = read_model(str(path))
    rng = np.random.default_rng(seed)
    return tuple(rng.integers(-128, 128, size=(n, *vector_shape(graph.tensor(t).shape)), dtype=np.int8)
                 for t in graph.inputs)


def compile_to(path: Path, out: Path | None) -> Result:
    """Reads and compiles ``path`` into the C folder ``out`` (None: no C) as `mcuforge compile`
    does; the Result names the one-line error and the ops at fault when it does not compile."""
    result = Result(path.stem, "")
    try:
        graph = read_model(str(path))
    except McuforgeError as exc:
        result.error, result.failing_ops = str(exc), ["(reader)"]
        return result
    folded_ops: list[str] = []
    try:
        folded_ops = [op.opcode for op in fold_static(graph).operators]
    except McuforgeError:
        folded_ops = [op.opcode for op in graph.operators]
    result.ops = dict(Counter(folded_ops))
    try:
        program = compile_graph(graph, None)
        if out is not None:
            render_program(program, out, path.read_bytes())
    except McuforgeError as exc:
        unsupported = sorted({op for op in folded_ops if op not in LOWERINGS})
        result.error = str(exc)
        result.failing_ops = _failing_ops(result.error, set(folded_ops), unsupported)
    return result


def host_check(c_dir: Path, inputs: tuple[np.ndarray, ...], work: Path) -> tuple[str, bool]:
    """The generated C built for the host and run on ``inputs``, against TFLite-Micro."""
    from mcuforge.emulate import check_on_host

    try:
        check = check_on_host(c_dir, inputs, work_dir=work, with_litert=False)
    except ReferenceRunError as exc:
        return f"TFLite-Micro fails: {exc}", False
    cmp = check.vs_tflm
    text = cmp.summary() + ("" if cmp.ok else f" (max diff {cmp.max_abs_diff})")
    return text, cmp.ok


def qemu_check(c_dir: Path, inputs: tuple[np.ndarray, ...], work: Path, board_id: str = QEMU_BOARD,
               ) -> tuple[str, bool]:
    """The firmware for ``board_id`` (portable kernels, as the host run) under QEMU over the
    serial protocol, its outputs against TFLite-Micro's."""
    from mcuforge.boards import get_board
    from mcuforge.builder import build_firmware
    from mcuforge.codegen.model_info import ModelInfo
    from mcuforge.compile.backends import KernelRequest
    from mcuforge.emulate import check_against_references
    from mcuforge.emulate.qemu import QemuMachine, run_vectors
    from mcuforge.emulate.vectors import pack, unpack

    model = ModelInfo.load(c_dir)
    board = get_board(board_id)
    fw = build_firmware(model, board, work, platformio=False, kernels=KernelRequest("portable"))
    sizes_in, sizes_out = tuple(t.size for t in model.inputs), tuple(t.size for t in model.outputs)
    with QemuMachine(board, fw.elf, timeout=120) as machine:
        run = run_vectors(machine, model.sha256, sum(sizes_in), (sum(sizes_out),),
                          pack(inputs, model.inputs), input_sizes=sizes_in, output_sizes=sizes_out)
    cmp = check_against_references(model, inputs, unpack(run.outputs, model.outputs),
                                   with_litert=False).vs_tflm
    return cmp.summary() + ("" if cmp.ok else f" (max diff {cmp.max_abs_diff})"), cmp.ok


def evaluate(name: str, source: str, path: Path | None, why: str | None, work: Path,
             vectors: int, qemu: bool = False) -> Result:
    """One model through compile, the host run and (``qemu``) the board run."""
    if path is None:
        return Result(name, source, error=why, failing_ops=["(converter)"])
    result = compile_to(path, work / "c")
    result.name, result.source = name, source
    if not result.compiles:
        return result
    inputs = random_inputs(path, vectors)
    result.host, result.host_exact = host_check(work / "c", inputs, work / "host")
    if qemu:
        result.qemu, result.qemu_exact = qemu_check(work / "c", inputs, work / "fw")
    return result


def op_frequency(results: list[Result]) -> list[tuple[str, int, int]]:
    """(op, models failing on it, its occurrences in them), most models first."""
    models_by_op: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for r in results:
        for op in r.failing_ops:
            models_by_op[op] += 1
            uses[op] += r.ops.get(op, 0)
    return sorted(((op, n, uses[op]) for op, n in models_by_op.items()), key=lambda t: (-t[1], t[0]))


def table(results: list[Result]) -> str:
    def short(text: str | None, width: int = 110) -> str:
        text = " ".join((text or "").split())
        return text if len(text) <= width else text[: width - 3] + "..."

    lines = [f"{'model':26} {'source':24} {'compiles':8} {'host':8} {'qemu':8} error / failing ops",
             "-" * 120]
    for r in results:
        lines.append(f"{r.name:26} {r.source:24} {'yes' if r.compiles else 'NO':8} "
                     f"{r.host or '':8} {r.qemu or '':8} "
                     f"{short(r.error) if r.error else ''}")
    # a model the TFLite converter cannot make is no int8 model: counted apart
    unconverted = [r for r in results if r.failing_ops == ["(converter)"]]
    n = len(results) - len(unconverted)
    compiled = [r for r in results if r.compiles]
    exact = [r for r in compiled if r.host_exact]
    on_board = [r for r in compiled if r.qemu is not None]
    lines += ["-" * 120,
              f"converted: {n} int8 models ({len(unconverted)} more the TFLite converter "
              f"fails on: {', '.join(r.name for r in unconverted) or 'none'})",
              f"compile rate: {len(compiled)}/{n} = {100 * len(compiled) / max(n, 1):.1f} %",
              f"bit-exact on the host (of those that compile): {len(exact)}/{len(compiled)}"]
    if on_board:
        lines.append(f"bit-exact under QEMU {QEMU_BOARD}: "
                     f"{sum(bool(r.qemu_exact) for r in on_board)}/{len(on_board)}")
    freq = op_frequency([r for r in results if not r.compiles and r not in unconverted])
    if freq:
        lines.append("failing ops (models failing on it, its uses in them):")
        lines += [f"  {op:34} {models_:3} models  {uses:3} uses" for op, models_, uses in freq]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.zoo_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=8, help="random inputs per model (host)")
    parser.add_argument("--qemu", nargs="*", default=[], metavar="NAME",
                        help=f"also run these models under QEMU on {QEMU_BOARD}")
    parser.add_argument("--only", nargs="*", metavar="NAME", help="only these models")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    results = []
    with tempfile.TemporaryDirectory(prefix="mcuforge-zoo-") as tmp:
        for name, (source, path, why) in models(args.only).items():
            t = time.monotonic()
            try:
                r = evaluate(name, source, path, why, Path(tmp) / name, args.vectors,
                             qemu=name in args.qemu)
            except Exception as exc:     # a traceback in mcuforge is a bug: report it as such
                r = Result(name, source, error=f"CRASH {type(exc).__name__}: {exc}",
                           failing_ops=["(crash)"])
            results.append(r)
            print(f"  {name}: {'ok' if r.compiles else 'no'} {r.host or ''} "
                  f"({time.monotonic() - t:.1f} s)", file=sys.stderr, flush=True)
    print(table(results))
    print(f"({time.monotonic() - t0:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

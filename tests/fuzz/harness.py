"""Coverage-guided fuzzing (atheris, libFuzzer) of what reads a user's files: the .tflite reader
(and the fold and lowering behind it, which take its shapes and options as given), the vectors
.npz loader and the recipe loader.

Each target feeds the fuzzer's bytes to the loader as a file would be, and accepts exactly two
outcomes: a result, or mcuforge's own one-line error (McuforgeError). Anything else (an
IndexError, a struct.error, a MemoryError, a numpy warning turned error) is a crash; libFuzzer's
-timeout catches a hang. The corpus starts from real inputs (seed_corpus), and libFuzzer mutates
them guided by the coverage of mcuforge's own modules.

    python tests/fuzz/harness.py reader -runs=1000000 -timeout=10
    python tests/fuzz/harness.py vectors -runs=20000
    python tests/fuzz/harness.py recipe -runs=20000

A finding is written as crash-<sha1> into the working folder (libFuzzer's -artifact_prefix).
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"

with atheris.instrument_imports(include=["mcuforge"]):
    # the modules the targets reach, imported here so their code is instrumented (the compiler
    # imports its lowerings and folds lazily)
    import mcuforge.compile.fold
    import mcuforge.compile.fold_ops
    import mcuforge.compile.ops  # noqa: F401
    from mcuforge.codegen.model_info import IOInfo
    from mcuforge.compile import compile_graph
    from mcuforge.emulate.vectors import load_vectors_file
    from mcuforge.errors import McuforgeError
    from mcuforge.recipe import load_recipe
    from mcuforge.tflite.reader import read_model_bytes

# Files a loader reads by path are written here (tmpfs when there is one: the fuzzer writes
# millions).
SCRATCH = Path(tempfile.mkdtemp(prefix="mcuforge-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm")
                                else None))


def fuzz_reader(data: bytes) -> None:
    try:
        graph = read_model_bytes(data, "fuzz.tflite")
    except McuforgeError:
        return
    try:
        compile_graph(graph)        # the fold and every lowering take the reader's graph as given
    except McuforgeError:
        pass


# A model input the vectors loader checks files against: int8 [1, 4, 3] and int16 [1, 2].
VECTOR_INPUTS = (IOInfo(name="x", shape=(1, 4, 3), dtype="int8_t", scale=0.1, zero_point=0, size=12),
                 IOInfo(name="y", shape=(1, 2), dtype="int16_t", scale=0.01, zero_point=0, size=4))


def fuzz_vectors(data: bytes) -> None:
    path = SCRATCH / "v.npz"
    path.write_bytes(data)
    try:
        load_vectors_file(path, VECTOR_INPUTS, classes=12)
    except McuforgeError:
        pass


def fuzz_recipe(data: bytes) -> None:
    path = SCRATCH / "r.yaml"
    path.write_bytes(data)
    try:
        load_recipe(path)
    except McuforgeError:
        pass


TARGETS = {"reader": fuzz_reader, "vectors": fuzz_vectors, "recipe": fuzz_recipe}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(TARGETS)}}} [libFuzzer options] [CORPUS_DIR]")
    target = sys.argv.pop(1)
    from seed_corpus import seed_dir
    corpus = seed_dir(target, SCRATCH / f"corpus-{target}")
    warnings.simplefilter("error")      # a warning from numpy on a hostile file is a finding too
    args = [sys.argv[0], *sys.argv[1:]]
    if not any(not a.startswith("-") for a in sys.argv[1:]):
        args.append(str(corpus))
    atheris.Setup(args, TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))      # tflite_builder, for the seeds
    main()

"""The 256 uint16 interpolation nodes of TFLite-Micro's int16 sigmoid and tanh, read back from
the installed ``tflite-micro`` interpreter (a core dependency) at compile time.

TFLite-Micro's int16 LOGISTIC and TANH (and the gates of its integer LSTM) interpolate linearly
between 256 nodes near 65536 * sigmoid(k / 24), k = 0..255, non-decreasing from 32768 up to at
most 65535. The nodes are tuned data: none of the formulas tried reproduces them
(round(65536 sigmoid(k / 24)) differs on 44 of the 256, the midpoint-error correction TFLite uses
for its other int16 tables on 38; an earlier attempt's least-squares and greedy minimax fits on
10 to 12). mcuforge may not copy
them, so it *measures* them (way (b) of issue 10): it runs a one-op model through the interpreter
and solves its outputs for the nodes.

How: TANH at input scale 2^-12 (TFLite-Micro's power-of-two path, input * 3) on every
non-negative int16 x reads a = 3x as segment k = a >> 8 and fraction f = a & 255, and outputs

    out + 32768 = node[k] + floor((f * (node[k + 1] - node[k]) + 128) / 256)

so each segment's ~85 outputs leave one (node[k], node[k + 1]) pair (every segment 0..254 is
hit: 3 * 32767 >> 8 = 383). Then the recovered nodes must reproduce, through mcuforge's model
of TFLite-Micro's arithmetic, every one of the 65536 outputs of both LOGISTIC and TANH at that
scale; if anything does not fit, compiling an op that needs the nodes fails with one line
(SigmoidTableError, turned into the op's unsupported-op error by its lowering).

The nodes are cached per installed tflite-micro version under ``resources.cache_dir()``
(``$MCUFORGE_CACHE`` or ~/.cache/mcuforge), never committed; a cache file that is not 256
non-decreasing nodes in [32768, 65535] is measured again.
"""

from __future__ import annotations

import functools
import os
from importlib import metadata

import flatbuffers
import numpy as np

from ..errors import McuforgeError
from ..reference.tflm import tflm_run
from ..resources import cache_dir
from ..tflite.graph import DType
from ..tflite.reader import BUILTIN_OPERATORS

NODES = 256
_EVERY_INT16 = np.arange(-32768, 32768, dtype=np.int64)


class SigmoidTableError(McuforgeError):
    """The interpolation nodes could not be read back from TFLite-Micro."""


def _model() -> bytes:
    """x: int16 [1, 256], scale 2^-12 -> LOGISTIC -> y0 and TANH -> y1 (int16, scale 2^-15),
    written by hand on the public TFLite schema (slots in declaration order; identifier TFL3)."""
    b = flatbuffers.Builder(1024)
    b.ForceDefaults(True)               # every listed field is written, whatever its value

    def vector(values, prepend, width: int) -> int:
        b.StartVector(width, len(values), width)
        for v in reversed(values):
            prepend(v)
        return b.EndVector()

    def ints(values) -> int:
        return vector(values, b.PrependInt32, 4)

    def table(fields) -> int:
        """fields: (slot, kind, value) with kind 'u' (offset), 'i32', 'u32', 'i8'."""
        b.StartObject(max(slot for slot, _, _ in fields) + 1)
        for slot, kind, value in fields:
            if kind == "u":
                b.PrependUOffsetTRelativeSlot(slot, value, 0)
            elif kind == "i32":
                b.PrependInt32Slot(slot, value, 0)
            elif kind == "u32":
                b.PrependUint32Slot(slot, value, 0)
            else:
                b.PrependInt8Slot(slot, value, 0)
        return b.EndObject()

    tensors = []
    for name, scale in (("x", 2.0**-12), ("y0", 2.0**-15), ("y1", 2.0**-15)):
        quant = table([(2, "u", vector([scale], b.PrependFloat32, 4)),
                       (3, "u", vector([0], b.PrependInt64, 8))])
        tensors.append(table([(0, "u", ints([1, 256])), (1, "i8", DType.INT16.value),
                              (2, "u32", 0), (3, "u", b.CreateString(name)), (4, "u", quant)]))
    ops = [table([(0, "u32", k), (1, "u", ints([0])), (2, "u", ints([1 + k]))])
           for k in range(2)]
    subgraph = table([(0, "u", vector(tensors, b.PrependUOffsetTRelative, 4)),
                      (1, "u", ints([0])), (2, "u", ints([1, 2])),
                      (3, "u", vector(ops, b.PrependUOffsetTRelative, 4))])
    codes = [table([(0, "i8", BUILTIN_OPERATORS.index(name)), (2, "i32", 1),
                    (3, "i32", BUILTIN_OPERATORS.index(name))]) for name in ("LOGISTIC", "TANH")]
    b.StartObject(1)                    # buffer 0: the empty buffer every tensor without data uses
    empty = b.EndObject()
    model = table([(0, "u32", 3), (1, "u", vector(codes, b.PrependUOffsetTRelative, 4)),
                   (2, "u", vector([subgraph], b.PrependUOffsetTRelative, 4)),
                   (4, "u", vector([empty], b.PrependUOffsetTRelative, 4))])
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def scaled_input(x: np.ndarray, multiplier: int, right_shift: int) -> np.ndarray:
    """(x * multiplier + rounding) >> right_shift, the int32 input of the table methods."""
    rounding = (1 << (right_shift - 1)) if right_shift > 0 else 0
    return (x.astype(np.int64) * multiplier + rounding) >> right_shift


def sigmoid_q15(nodes: np.ndarray, v: np.ndarray) -> np.ndarray:
    """TFLite-Micro's int16 sigmoid on scaled inputs ``v`` (9 fractional bits per node step):
    Q0.15 outputs. sigmoid(-v) = 1 - sigmoid(v), rounded the other way."""
    a = np.abs(v)
    k = np.minimum(a >> 9, NODES - 2)
    n = nodes.astype(np.int64)
    r = np.where(a >> 9 >= NODES - 1, 0x7FFF << 10, (n[k] << 9) + (a & 0x1FF) * (n[k + 1] - n[k]))
    r = np.where(v >= 0, r + (1 << 9), (1 << 25) - r + (1 << 9) - 1)
    return r >> 10


def tanh_q15(nodes: np.ndarray, v: np.ndarray) -> np.ndarray:
    """TFLite-Micro's int16 tanh = 2 sigmoid(2y) - 1 on the same nodes, 8 fractional bits."""
    a = np.abs(v)
    k = np.minimum(a >> 8, NODES - 2)
    n = nodes.astype(np.int64)
    r = np.where(a >> 8 >= NODES - 1, 0xFFFF << 8, (n[k] << 8) + (a & 0xFF) * (n[k + 1] - n[k]))
    r = np.where(v >= 0, r - (1 << 23) + (1 << 7), -r + (1 << 23) + (1 << 7) - 1)
    return r >> 8


def _solve(tanh_out: np.ndarray) -> np.ndarray:
    """The nodes from TANH's outputs at input scale 2^-12 on every int16 (index x + 32768)."""
    a = 3 * np.arange(32768, dtype=np.int64)
    seg, frac, out = a >> 8, a & 0xFF, tanh_out[32768:] + 32768
    pairs: list[set[tuple[int, int]]] = []
    for k in range(NODES - 1):
        m = seg == k
        f, o = frac[m], out[m]
        if f.size < 2 or f[-1] == f[0]:
            raise SigmoidTableError(f"segment {k} has too few samples")
        # o[-1] - o[0] = (f[-1] - f[0]) * d / 256 within one step either side
        span = int(f[-1] - f[0])
        lo = max(0, (256 * (int(o[-1] - o[0]) - 2)) // span - 2)
        hi = (256 * (int(o[-1] - o[0]) + 2)) // span + 2
        fits = set()
        for d in range(lo, hi + 1):
            base = o - ((f * d + 128) >> 8)
            if (base == base[0]).all():
                fits.add((int(base[0]), int(base[0]) + d))
        pairs.append(fits)
    nodes = np.zeros(NODES, dtype=np.int64)
    for k in range(NODES):
        here = {lo for lo, _ in pairs[k]} if k < NODES - 1 else None
        before = {hi for _, hi in pairs[k - 1]} if k > 0 else None
        both = here & before if here is not None and before is not None else (here or before)
        if not both or len(both) != 1:
            raise SigmoidTableError(f"node {k} is not determined by TANH's outputs "
                                    f"({len(both or ())} values fit)")
        nodes[k] = both.pop()
    return nodes


def plausible(nodes: np.ndarray) -> bool:
    """256 non-decreasing nodes from 32768 up to at most 65535 (what the kernels assume)."""
    return (nodes.shape == (NODES,) and bool((np.diff(nodes) >= 0).all())
            and int(nodes[0]) >= 32768 and int(nodes[-1]) <= 65535)


def measure() -> np.ndarray:
    """Runs the probe model through TFLite-Micro (256 invocations of 256 inputs) and solves for
    the nodes (see the module doc)."""
    try:
        logistic_out, tanh_out = (np.asarray(y, dtype=np.int64).reshape(-1) for y in
                                  tflm_run(_model(), (_EVERY_INT16.astype(np.int16).reshape(256, 256),), 2))
    except McuforgeError as err:
        raise SigmoidTableError(f"TFLite-Micro did not run the probe model ({err})") from err
    nodes = _solve(tanh_out)
    v = scaled_input(_EVERY_INT16, 3, 0)
    if not plausible(nodes):
        raise SigmoidTableError("the recovered nodes are not 256 non-decreasing values in "
                                "[32768, 65535]")
    for name, want, got in (("LOGISTIC", logistic_out, sigmoid_q15(nodes, v)),
                            ("TANH", tanh_out, tanh_q15(nodes, v))):
        bad = np.count_nonzero(want != got)
        if bad:
            raise SigmoidTableError(f"the recovered nodes reproduce {65536 - bad} of 65536 "
                                    f"{name} outputs; TFLite-Micro's int16 {name} is not the "
                                    f"interpolation mcuforge implements")
    return nodes


def _cache_file():
    try:
        version = metadata.version("tflite-micro")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return cache_dir() / f"tflm-sigmoid-nodes-{version}.npy"


@functools.lru_cache(maxsize=1)
def sigmoid_nodes() -> np.ndarray:
    """The 256 nodes (int64, read-only), from the cache or measured (see the module doc)."""
    path = _cache_file()
    try:
        nodes = np.load(path, allow_pickle=False).astype(np.int64)
    except (OSError, ValueError):
        nodes = None
    if nodes is None or not plausible(nodes):
        nodes = measure()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, nodes.astype(np.uint16))
            os.replace(tmp, path)
        except OSError:
            pass                # an unwritable cache only costs measuring again next time
    nodes.setflags(write=False)
    return nodes

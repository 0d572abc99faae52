"""Quantization, per layer: the int8 model against the float model on the test split.

The float side is the run's Keras model exported as the quantize stage exports it (batch 1, same
weights) and converted to a float .tflite: the converter folds and fuses it exactly as it did for
int8 (batch norm into the conv, ReLU into the op), so every int8 op has a float op computing the
same function, and the two are paired op by op (same opcode and output shape, in order). Both run
under LiteRT's reference kernels with every intermediate tensor kept
(``experimental_preserve_all_tensors``), in a child process (``reference.isolated``).

For each int8 op output ``q`` (scale s, zero point z) against the float output ``f`` of its pair,
over every element of every example compared: ``d = s * (q - z)``, ``e = d - f``;
SNR = 10 log10(sum f^2 / sum e^2) dB, cosine = sum f d / sqrt(sum f^2 sum d^2), max error =
max |e| / s in LSBs.

A layer's output error includes what its inputs already carried, so a layer is judged by the
noise it adds: with the noise-to-signal ratios NSR = sum e^2 / sum f^2 of its output and of its
noisiest computed input (the model input's is that of its own quantization), the layer adds
NSR_out - NSR_in, and its **own SNR** is -10 log10 of that (infinite when it adds none: pooling
and reshapes usually remove noise or pass it on). Noise power ratios are scale-free, so this
holds through layers that scale the signal; it treats the layer's noise as independent of the
noise it received. **Rule:** a layer stands out when its own SNR is at least ``FLAG_DB`` below
the median own SNR of the layers that add noise (it adds at least 4x the noise of a typical
layer), or below ``FLOOR_DB`` (it adds noise at more than 1 % of the signal power; rounding to
8 bits alone adds about 30-45 dB below the signal, so a sound int8 layer stays well above it,
and a model with few layers, several of them damaged, has no sound median). The ranking names
the layers that stand out first, in graph order: error flows downstream, and a layer fed a
broken tensor can look bad by itself too (noise is no longer small and independent once it
rivals the signal), so the earliest one is the likely cause. The other layers follow by own SNR,
lowest first.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import numpy as np

from ..errors import McuforgeError, MissingDependencyError
from ..tflite.graph import Graph
from .figures import Figure, render, short, subplots
from .html import Section, omitted
from .source import Source

ID, TITLE = "quantization", "Quantization per layer"
FLAG_DB = 6.0           # dB below the median own SNR (10 log10 4 = 6.02)
FLOOR_DB = 20.0         # own SNR below this stands out whatever the median
MAX_EXAMPLES = 500      # test examples compared, evenly spaced over the split
# columns of a worker's rows: the int8 op, whether it has a float pair, and the sums above
_OP, _PAIRED, _F2, _E2, _FD, _D2, _MAX, _N = range(8)
INPUT_ROW = -1          # the _OP of the row comparing the model input itself


@dataclass(frozen=True)
class LayerError:
    op: int                 # int8 operator index (-1: the model input)
    opcode: str
    label: str              # a short name of the layer from its output tensor's name
    tensor: str
    paired: bool            # a float op computes the same output
    snr_db: float           # inf: exact
    cosine: float
    max_lsb: float
    own_db: float           # SNR of the noise this layer adds (inf: none; nan: unknown)
    flagged: bool = False


@dataclass(frozen=True)
class Comparison:
    layers: tuple[LayerError, ...]          # the model input first, then ops in file order
    examples: int
    of: int
    median_own_db: float

    @property
    def ranking(self) -> list[LayerError]:
        """Compared ops: those that stand out in graph order, then the others by own SNR,
        lowest first."""
        ops = [la for la in self.layers if la.op >= 0 and not math.isnan(la.own_db)]
        return sorted(ops, key=lambda la: (not la.flagged, la.op if la.flagged else 0, la.own_db, la.op))


# ---- the child process: both interpreters, every intermediate tensor ----------------------------

def _interpreter(model: bytes):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from ..capture import captured_fd

    with warnings.catch_warnings(), captured_fd(2):
        warnings.simplefilter("ignore")     # "preserve_all_tensors is for debugging"
        interp = Interpreter(model_content=model, experimental_preserve_all_tensors=True,
                             experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        interp.allocate_tensors()
    return interp


def _ops(interp) -> list[tuple[str, int, tuple[int, ...]]]:
    """(opcode, output tensor, its shape) of every op, in execution order."""
    shapes = {d["index"]: tuple(int(n) for n in d["shape"]) for d in interp.get_tensor_details()}
    return [(op["op_name"], int(op["outputs"][0]), shapes[int(op["outputs"][0])])
            for op in interp._get_ops_details()]


def pair_ops(int8_ops: list[tuple[str, int, tuple[int, ...]]],
             float_ops: list[tuple[str, int, tuple[int, ...]]]) -> list[int | None]:
    """For each int8 op, the position of its float pair: the next float op (in order) with the
    same opcode and output shape; None when there is none."""
    pairs: list[int | None] = []
    cursor = 0
    for opcode, _, shape in int8_ops:
        found = next((j for j in range(cursor, len(float_ops))
                      if float_ops[j][0] == opcode and float_ops[j][2] == shape), None)
        pairs.append(found)
        if found is not None:
            cursor = found + 1
    return pairs


def _accumulate(row: np.ndarray, f: np.ndarray, d: np.ndarray, scale: float) -> None:
    f = f.astype(np.float64).ravel()
    d = d.astype(np.float64).ravel()
    e = d - f
    row[_F2] += f @ f
    row[_E2] += e @ e
    row[_FD] += f @ d
    row[_D2] += d @ d
    row[_MAX] = max(row[_MAX], float(np.max(np.abs(e))) / scale if scale > 0 else 0.0)
    row[_N] += f.size


def _layer_sums(int8_model: bytes, part: tuple[np.ndarray, np.ndarray], float_model: bytes) -> np.ndarray:
    """Rows [1 + ops, 8] summed over the examples of ``part`` = (int8 inputs, float inputs)."""
    q_interp, f_interp = _interpreter(int8_model), _interpreter(float_model)
    q_ops, f_ops = _ops(q_interp), _ops(f_interp)
    pairs = pair_ops(q_ops, f_ops)
    quant = {d["index"]: d["quantization"] for d in q_interp.get_tensor_details()}
    q_in, f_in = q_interp.get_input_details()[0], f_interp.get_input_details()[0]
    rows = np.zeros((1 + len(q_ops), 8), dtype=np.float64)
    rows[0, _OP], rows[0, _PAIRED] = INPUT_ROW, 1
    for k, j in enumerate(pairs):
        rows[1 + k, _OP], rows[1 + k, _PAIRED] = k, j is not None
    x_q, x_f = part
    for n in range(len(x_q)):
        q_interp.set_tensor(q_in["index"], x_q[n].reshape(q_in["shape"]))
        f_interp.set_tensor(f_in["index"], x_f[n].reshape(f_in["shape"]).astype(np.float32))
        q_interp.invoke()
        f_interp.invoke()
        scale, zero = quant[q_in["index"]]
        _accumulate(rows[0], x_f[n], scale * (x_q[n].astype(np.float64) - zero), scale)
        for k, j in enumerate(pairs):
            if j is None:
                continue
            tensor = q_ops[k][1]
            scale, zero = quant[tensor]
            q = q_interp.get_tensor(tensor).astype(np.float64)
            _accumulate(rows[1 + k], f_interp.get_tensor(f_ops[j][1]), scale * (q - zero), scale)
    return rows


# ---- the parent ------------------------------------------------------------------------------

def float_tflite(source: Source) -> bytes:
    """The run's float model exported as quantize exports it, converted without quantization;
    kept as ``model_float.tflite`` in the run folder and converted again only when model.keras
    is newer (conversion takes seconds)."""
    from ..capture import captured_fd
    from ..features.featureset import FeatureSet
    from ..fsutil import write_bytes_atomic
    from ..quantize.convert import export_model
    from ..recipe import load_recipe
    from ..train.backend import require_tensorflow

    assert source.run is not None
    run = source.run
    keras_file = run.require(run.float_model, "train")
    kept = source.float_tflite
    if kept.is_file() and kept.stat().st_mtime >= keras_file.stat().st_mtime:
        return kept.read_bytes()
    tf = require_tensorflow()
    import keras

    recipe = load_recipe(run.require(run.recipe, "train"))
    features = FeatureSet.load(run.require(run.features, "train"))
    model = keras.models.load_model(keras_file)
    export = export_model(recipe, model, features.x_train.shape[1:], len(features.classes))
    converter = tf.lite.TFLiteConverter.from_keras_model(export)
    with captured_fd(1), captured_fd(2), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        data = converter.convert()
    write_bytes_atomic(kept, data)
    return data


def layer_label(name: str, opcode: str) -> str:
    """'conv2d_20_1' from 'ds_cnn_1/re_lu_8_1/Relu;...;ds_cnn_1/conv2d_20_1/convolution;...': the
    layer of the fused op's main operation where the converter's name says it, else of the first."""
    keys = {"CONV_2D": ("/convolution", "Conv2D"), "DEPTHWISE_CONV_2D": ("depthwise",),
            "FULLY_CONNECTED": ("MatMul",), "AVERAGE_POOL_2D": ("AvgPool",),
            "MAX_POOL_2D": ("MaxPool",), "ADD": ("/add", "Add")}.get(opcode, ())
    parts = name.split(";")
    chosen = next((p for p in parts if any(k in p for k in keys)), parts[0])
    segments = chosen.split("/")
    return segments[-2] if len(segments) >= 2 else chosen


def _nsr(row: np.ndarray) -> float:
    """Noise-to-signal power ratio; nan for a tensor that is zero in the float model."""
    return row[_E2] / row[_F2] if row[_F2] > 0 else math.nan


def _snr(nsr: float) -> float:
    """dB; inf for no noise."""
    if math.isnan(nsr):
        return math.nan
    return -10 * math.log10(nsr) if nsr > 0 else math.inf


def compare(graph: Graph, int8_model: bytes, float_model: bytes, x_int8: np.ndarray,
            x_float: np.ndarray, of: int) -> Comparison:
    from ..reference.isolated import run_isolated

    worker = functools.partial(_layer_sums, float_model=float_model)
    flat = run_isolated(worker, "LiteRT", int8_model, (x_int8, x_float), None, chunk=128)
    ops = len(graph.operators)
    if flat.shape[0] % (1 + ops):
        raise McuforgeError(f"LiteRT ran {flat.shape[0]} rows for {ops} ops of {graph.name}.tflite")
    sums = flat.reshape(-1, 1 + ops, 8)
    total = sums.sum(axis=0)
    total[:, _MAX] = sums[:, :, _MAX].max(axis=0)
    paired = sums[0, :, _PAIRED] > 0
    nsr = {INPUT_ROW: _nsr(total[0])}
    layers = [LayerError(INPUT_ROW, "input", "model input", graph.tensor(graph.inputs[0]).name, True,
                         _snr(nsr[INPUT_ROW]), _cosine(total[0]), total[0, _MAX], _snr(nsr[INPUT_ROW]))]
    producer = {t: op.index for op in graph.operators for t in op.outputs}
    for op in graph.operators:
        row = total[1 + op.index]
        out = graph.tensor(op.outputs[0])
        label = layer_label(out.name, op.opcode)
        if not paired[1 + op.index]:
            layers.append(LayerError(op.index, op.opcode, label, out.name, False, math.nan, math.nan,
                                     math.nan, math.nan))
            nsr[op.index] = math.nan
            continue
        nsr[op.index] = _nsr(row)
        before = [nsr.get(producer[t], math.nan) if t in producer else nsr[INPUT_ROW]
                  for t in op.inputs if t >= 0 and not graph.tensor(t).is_constant]
        own = math.nan if any(math.isnan(b) for b in before) or math.isnan(nsr[op.index]) \
            else _snr(max(nsr[op.index] - max(before, default=0.0), 0.0))
        layers.append(LayerError(op.index, op.opcode, label, out.name, True, _snr(nsr[op.index]),
                                 _cosine(row), row[_MAX], own))
    owns = [la.own_db for la in layers if la.op >= 0 and math.isfinite(la.own_db)]
    median = float(np.median(owns)) if owns else math.nan
    layers = [dataclasses.replace(la, flagged=la.op >= 0 and math.isfinite(la.own_db)
                                  and (la.own_db <= median - FLAG_DB or la.own_db < FLOOR_DB))
              for la in layers]
    return Comparison(tuple(layers), len(x_int8), of, median)


def _cosine(row: np.ndarray) -> float:
    denominator = math.sqrt(row[_F2] * row[_D2])
    return row[_FD] / denominator if denominator > 0 else math.nan


def test_inputs(source: Source) -> tuple[np.ndarray, np.ndarray, int]:
    """(int8 inputs, float inputs, size of the split) of up to MAX_EXAMPLES test examples, evenly
    spaced: the int8 ones from test_vectors.npz, the float ones from features.npz."""
    from ..features.featureset import FeatureSet

    assert source.run is not None
    run = source.run
    with np.load(run.require(run.test_vectors, "quantize")) as f:
        x_int8 = f["inputs"]
    features = FeatureSet.load(run.require(run.features, "train"))
    if len(features.x_test) != len(x_int8):
        raise McuforgeError(f"{run.test_vectors}: {len(x_int8)} test vectors, {run.features} has "
                            f"{len(features.x_test)} test examples (quantize the run again)")
    pick = np.unique(np.linspace(0, len(x_int8) - 1, min(MAX_EXAMPLES, len(x_int8))).round().astype(int))
    return x_int8[pick], features.as_float(features.x_test[pick]), len(x_int8)


def fmt(x: float, fmt: str) -> str:
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "exact" if x > 0 else "-inf"
    return format(x, fmt)


def layers_figure(c: Comparison) -> Figure:
    ops = [la for la in c.layers if la.paired]
    labels = [short(f"{la.op}: {la.opcode}" if la.op >= 0 else "input", 22) for la in ops]
    colours = ["#e15759" if la.flagged else "#4e79a7" for la in ops]
    fig, (ax_snr, ax_own, ax_lsb) = subplots(6.6, nrows=3, sharex=True)
    x = np.arange(len(ops))
    # an exact tensor (infinite SNR) is drawn at the top of the axis, marked "exact"
    # (a value far above the layers', such as an input quantized without rounding, is clipped there)
    finite = [v for la in ops if la.op >= 0 for v in (la.snr_db, la.own_db) if math.isfinite(v)]
    top = max(finite, default=60.0) * 1.25 + 1
    for ax, values, label in ((ax_snr, [la.snr_db for la in ops], "output SNR (dB)"),
                              (ax_own, [la.own_db for la in ops], "own SNR (dB)")):
        heights = [0.0 if math.isnan(v) else min(v, top) for v in values]
        ax.bar(x, heights, color=colours)
        for k, v in enumerate(values):
            if math.isinf(v):
                ax.text(k, top, "exact" if ax is ax_snr else "none added", ha="center", va="top",
                        fontsize=6, rotation=90)
            elif v > top:
                ax.text(k, top, f"{v:.0f}", ha="center", va="top", fontsize=6, rotation=90)
        ax.set_ylabel(label)
        ax.set_ylim(0, top * 1.05)
    ax_snr.set_title("int8 against float, per layer (red: stands out)")
    if math.isfinite(c.median_own_db):
        ax_own.axhline(max(c.median_own_db - FLAG_DB, FLOOR_DB), color="#e15759", linestyle="--",
                       linewidth=0.8, label=f"stands out below: max(median - {FLAG_DB:g}, {FLOOR_DB:g}) dB")
        ax_own.legend(fontsize=7, loc="best")
    ax_lsb.bar(x, [la.max_lsb if math.isfinite(la.max_lsb) else 0.0 for la in ops], color=colours)
    ax_lsb.set_ylabel("max error (LSB)")
    ax_lsb.set_xticks(x, labels, rotation=45, ha="right", fontsize=7)
    for ax in (ax_snr, ax_own, ax_lsb):
        ax.grid(axis="y", alpha=0.3)
    return render(fig, "fig-quant-layers", "Per-layer int8 error against the float model: output "
                  "SNR, SNR of the noise each layer adds, max error in LSBs")


def section(source: Source, graph: Graph, int8_model: bytes) -> tuple[Section, Comparison | None]:
    if source.run is None or not source.run.float_model.is_file():
        why = ("a folder of generated C holds only the int8 model, no float model to compare "
               "with; give the run folder instead" if source.run is None
               else f"{source.run.float_model} is missing (no float model to compare with)")
        return omitted(ID, TITLE, why), None
    try:
        float_model = float_tflite(source)
        x_int8, x_float, of = test_inputs(source)
        c = compare(graph, int8_model, float_model, x_int8, x_float, of)
    except MissingDependencyError as exc:
        return omitted(ID, TITLE, f"it needs TensorFlow for the float model ({exc})"), None
    return comparison_section(c), c


def comparison_section(c: Comparison) -> Section:
    s = Section(ID, TITLE)
    ranking = c.ranking
    flagged = [la for la in ranking if la.flagged]
    s.text(f"int8 against float on {c.examples:,} of the {c.of:,} test examples (evenly spaced), "
           "layer by layer (LiteRT reference kernels, every intermediate tensor kept). A layer's "
           "own SNR is that of the noise it adds to what its inputs carried. Rule: a layer stands "
           f"out when its own SNR is at least {FLAG_DB:g} dB below the median layer's "
           f"({fmt(c.median_own_db, '.1f')} dB here), i.e. it adds at least 4x the noise of a "
           f"typical layer, or below {FLOOR_DB:g} dB (noise above 1 % of the signal). Layers that "
           "stand out are named first, in graph order (error flows downstream: the earliest is "
           "the likely cause), then the others by own SNR.")
    if ranking:
        top = ranking[0]
        s.text(f"{'Named first' if top.flagged else 'Lowest own SNR'}: op {top.op} {top.opcode} ({top.label}), own SNR "
               f"{fmt(top.own_db, '.1f')} dB, output SNR {fmt(top.snr_db, '.1f')} dB, max error "
               f"{fmt(top.max_lsb, '.1f')} LSB"
               + (f". Standing out: {', '.join(f'op {la.op} {la.opcode} ({la.label})' for la in flagged)}."
                  if flagged else "; no layer stands out."))
    unpaired = [la for la in c.layers if not la.paired]
    if unpaired:
        s.text("Not compared (no float op with the same opcode and output shape): "
               + ", ".join(f"op {la.op} {la.opcode}" for la in unpaired) + ".")
    s.figure(layers_figure(c))
    s.table(["rank", "op", "<opcode", "<layer", "own SNR (dB)", "output SNR (dB)", "cosine",
             "max error (LSB)", "<stands out"],
            [[str(k + 1), str(la.op), la.opcode, la.label, fmt(la.own_db, ".2f"),
              fmt(la.snr_db, ".2f"), fmt(la.cosine, ".5f"), fmt(la.max_lsb, ".1f"),
              "yes" if la.flagged else ""] for k, la in enumerate(ranking)],
            flagged=[k for k, la in enumerate(ranking) if la.flagged],
            caption="Layers that stand out (graph order), then the others by own SNR",
            id="table-quant-ranking")
    s.table(["op", "<opcode", "<output tensor", "output SNR (dB)", "own SNR (dB)", "cosine",
             "max error (LSB)"],
            [[str(la.op) if la.op >= 0 else "-", la.opcode, short(la.tensor, 60),
              fmt(la.snr_db, ".2f"), fmt(la.own_db, ".2f"), fmt(la.cosine, ".5f"),
              fmt(la.max_lsb, ".1f")] for la in c.layers],
            flagged=[k for k, la in enumerate(c.layers) if la.flagged],
            caption="Every layer in graph order (op - : the model input)", id="table-quant-layers")
    return s

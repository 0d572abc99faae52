"""Training: loss and accuracy per epoch (train and validation, Keras's history in
train_metrics.json), the confusion matrices of the float and the int8 model on the test split
(quantize_metrics.json) and per-class precision and recall from them.

Precision of class c = correct c / predicted c; recall = correct c / true c (rows of a confusion
matrix are true classes, columns predictions); "-" where the denominator is 0.
"""

from __future__ import annotations

import numpy as np

from ..errors import McuforgeError
from .figures import Figure, render, subplots
from .html import Section, omitted
from .source import Source

ID, TITLE = "training", "Training"


def precision_recall(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per class; NaN where nothing was predicted as (precision) or labelled (recall) the class."""
    m = np.asarray(confusion, dtype=np.float64)
    correct = np.diag(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(m.sum(axis=0) > 0, correct / m.sum(axis=0), np.nan)
        recall = np.where(m.sum(axis=1) > 0, correct / m.sum(axis=1), np.nan)
    return precision, recall


def _pct(x: float) -> str:
    return "-" if np.isnan(x) else f"{100 * x:.1f}"


def history_figure(history: dict[str, list[float]]) -> Figure:
    fig, (ax_loss, ax_acc) = subplots(3.0, ncols=2)
    for ax, key, label in ((ax_loss, "loss", "loss"), (ax_acc, "accuracy", "accuracy")):
        for prefix, name, style in (("", "train", "-o"), ("val_", "validation", "--s")):
            values = history.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, markersize=3, label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    ax_loss.set_title("loss per epoch")
    ax_acc.set_title("accuracy per epoch")
    return render(fig, "fig-training-history", "Loss and accuracy per epoch, train and validation")


def confusion_figure(matrix: np.ndarray, classes: list[str], which: str) -> Figure:
    n = len(classes)
    size = min(6.5, 2.5 + 0.3 * n)
    fig, ax = subplots(size, width=size + 0.8)
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), classes, rotation=60, ha="right")
    ax.set_yticks(range(n), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = max(int(matrix.max()), 1)
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > top / 2 else "black")
    accuracy = np.trace(matrix) / max(int(matrix.sum()), 1)
    title = f"Confusion matrix, {which} model, test split ({100 * accuracy:.2f} % correct)"
    ax.set_title(f"{which}: {100 * accuracy:.2f} %")
    return render(fig, f"fig-confusion-{which}", title)


def _keras_float_confusion(source: Source, n: int) -> np.ndarray | None:
    """The float model's confusion matrix computed now, for run folders whose quantize_metrics.json
    predates the field (needs TensorFlow)."""
    from ..features.featureset import FeatureSet
    from ..quantize.metrics import confusion_matrix
    from ..train.backend import require_tensorflow

    assert source.run is not None
    require_tensorflow()
    import keras

    features = FeatureSet.load(source.run.features)
    model = keras.models.load_model(source.run.float_model)
    pred = np.concatenate([np.argmax(model.predict(chunk, batch_size=256, verbose=0), axis=1)
                           for chunk in features.float_chunks(features.x_test)])
    return confusion_matrix(features.y_test, pred, n)


def section(source: Source) -> Section:
    if source.run is None:
        return omitted(ID, TITLE, "a folder of generated C holds no training history or test "
                       "split; give the run folder instead")
    s = Section(ID, TITLE)
    train = source.json(source.run.train_metrics)
    quant = source.json(source.run.quant_metrics)
    if train is None:
        s.text(f"No training history: {source.run.train_metrics} is missing (this run was not "
               "trained by `mcuforge train`).")
    else:
        s.text(f"{train['epochs_run']} epochs; best validation accuracy "
               f"{100 * train['best_val_accuracy']:.2f} %; float test accuracy "
               f"{100 * train['float_test_accuracy']:.2f} %; {train['parameters']:,} parameters; "
               f"examples train / validation / test: {train['examples']['train']:,} / "
               f"{train['examples']['validation']:,} / {train['examples']['test']:,}.")
        s.figure(history_figure(train.get("history", {})))
    if quant is None:
        s.text(f"No confusion matrices: {source.run.quant_metrics} is missing (run `mcuforge "
               "quantize`).")
        return s
    classes = [str(c) for c in quant["classes"]]
    int8 = np.array(quant["confusion_int8"], dtype=np.int64)
    flt = quant.get("confusion_float")
    float_m = np.array(flt, dtype=np.int64) if flt is not None else None
    if float_m is None and source.run.float_model.is_file() and source.run.features.is_file():
        try:
            float_m = _keras_float_confusion(source, len(classes))
        except McuforgeError as exc:
            s.text(f"No float confusion matrix: {exc}")
    s.text(f"Test split: {quant['test_examples']:,} examples; float accuracy "
           f"{100 * quant['float_accuracy']:.2f} %, int8 accuracy {100 * quant['int8_accuracy']:.2f} % "
           f"(LiteRT), the two agree on {100 * quant['float_int8_agreement']:.2f} % of the examples.")
    matrices = ([("float", float_m)] if float_m is not None else []) + [("int8", int8)]
    for which, m in matrices:
        s.figure(confusion_figure(m, classes, which))
    columns = ["<class", "test examples"]
    stats = [(which, *precision_recall(m)) for which, m in matrices]
    for which, _, _ in stats:
        columns += [f"{which} precision %", f"{which} recall %"]
    rows = []
    for c, name in enumerate(classes):
        row = [name, f"{int(int8[c].sum()):,}"]
        for _, precision, recall in stats:
            row += [_pct(precision[c]), _pct(recall[c])]
        rows.append(row)
    s.table(columns, rows, caption="Per-class precision and recall on the test split",
            id="table-precision-recall")
    return s


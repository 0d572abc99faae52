"""`mcuforge train RECIPE`: train the float model of a recipe into its run folder."""

from __future__ import annotations

from pathlib import Path

from ..fsutil import check_output_dir
from ..recipe import Recipe, load_recipe
from ..rundir import RunDir
from ..ui import Summary, percent
from .fit import train


def do_train(recipe_path: str, out: str | None, data: str | None, progress: bool,
             summary: Summary, force: bool = False) -> tuple[Recipe, RunDir]:
    recipe = load_recipe(recipe_path)
    run = RunDir(Path(out or Path("build") / recipe.name))
    # before the data and the training: a bad --out fails now, not after minutes
    check_output_dir(run.root, force, inputs=(recipe_path, *([data] if data else [])))
    m = train(recipe, run, data_override=data, progress=progress)
    summary.add("run folder", str(run.root), "run_dir", str(run.root))
    n = m.examples
    summary.add(f"{'images' if recipe.is_image else 'clips'} (train/val/test)",
                f"{n['train']:,} / {n['validation']:,} / {n['test']:,}", "examples", n)
    summary.add("epochs", str(m.epochs_run), "epochs", m.epochs_run)
    summary.add("float accuracy (test)", percent(m.float_test_accuracy), "float_accuracy",
                m.float_test_accuracy)
    summary.add("parameters", f"{m.parameters:,}", "parameters", m.parameters)
    return recipe, run

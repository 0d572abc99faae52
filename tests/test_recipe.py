from pathlib import Path

import pytest

from mcuforge.errors import RecipeError
from mcuforge.recipe import load_recipe

REPO = Path(__file__).resolve().parents[1]


def test_shipped_recipes_load():
    for path in sorted((REPO / "models").glob("*.yaml")):
        recipe = load_recipe(path)
        assert recipe.name == path.stem


def test_kws_recipe_values():
    r = load_recipe(REPO / "models" / "kws_dscnn.yaml")
    assert (r.model.architecture, r.model.width, r.model.blocks) == ("ds_cnn", 64, 4)
    assert r.dataset.kind == "synthetic_speech" and r.dataset.clips_per_class == 1500
    assert r.training.batchnorm_momentum == 0.9


@pytest.mark.parametrize("text, fragment", [
    ("training:\n  epoch: 3\n", "unknown key 'training.epoch' (did you mean 'epochs'?)"),
    ("model:\n  architecture: resnet99\n", "model.architecture: unknown value 'resnet99'"),
    ("modle:\n  width: 8\n", "unknown key 'modle' (did you mean 'model'?)"),
    ("training:\n  epochs: many\n", "training.epochs: expected int"),
    ("training: [1, 2]\n", "training: expected a mapping"),
    ("model: {width: 8\n", "not valid YAML"),
    ("- a\n- b\n", "expected a mapping"),
    ("dataset:\n  train_unknown_fraction: -0.5\n", "dataset.train_unknown_fraction: must be >= 0"),
    ("task: image_classification\ndataset:\n  kind: digits\n  train_unknown_fraction: 0.3\n",
     "dataset.train_unknown_fraction does not apply to dataset.kind digits"),
])
def test_bad_recipes_name_the_problem(tmp_path, text, fragment):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RecipeError) as err:
        load_recipe(path)
    message = str(err.value)
    assert fragment in message and str(path) in message and "\n" not in message


def test_missing_recipe(tmp_path):
    with pytest.raises(RecipeError, match="no such recipe file"):
        load_recipe(tmp_path / "nope.yaml")


def test_ints_accepted_for_floats(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("training:\n  learning_rate: 1\n")
    assert load_recipe(path).training.learning_rate == 1.0

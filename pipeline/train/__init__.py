"""Training stage: the model inputs of every split (mcuforge.features) -> a Keras float model,
written into the run folder: recipe.yaml (a copy), features.npz, model.keras, train_metrics.json.

- ``fit.py``: the stage itself (``train``)
- ``keras_data.py``: the tf.data pipeline of images, with augmentation (training split only; the
  model itself never contains preprocessing)
- ``metrics.py``: what training measured (``TrainMetrics``, train_metrics.json)
- ``backend.py``: TensorFlow, imported only when a command needs it
- ``command.py``: the `mcuforge train` command
"""

from .backend import require_tensorflow
from .fit import train
from .metrics import TrainMetrics

__all__ = ["TrainMetrics", "require_tensorflow", "train"]

"""Training stage: the model inputs of every split (mcuforge.features) -> a Keras float model,
written into the run folder: recipe.yaml (a copy), features.npz, model.keras, train_metrics.json.

- ``fit.py``: the stage itself (``train``)
- ``keras_data.py``: the input pipelines with augmentation: tf.data for images, a Keras PyDataset
  of stream windows for keyword spotting (training split only; the model itself never contains
  preprocessing)
- ``stream_windows.py``: keyword-spotting windows as a stream shows them (shifted, cut, with a
  neighbouring clip's frames), made from the training features
- ``metrics.py``: what training measured (``TrainMetrics``, train_metrics.json)
- ``backend.py``: TensorFlow, imported only when a command needs it
- ``command.py``: the `mcuforge train` command
"""

from .backend import require_tensorflow
from .fit import train
from .metrics import TrainMetrics

__all__ = ["TrainMetrics", "require_tensorflow", "train"]

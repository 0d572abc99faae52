"""The input pipelines with augmentation, seeded and deterministic, never inside the exported
model. Images (tf.data): uint8 pixels stay uint8 until a batch is made, and the training split is
shuffled and augmented (flips, shifts, pad-and-crop; ``recipe.augmentation``). Keyword spotting
(a Keras PyDataset): the training split with stream windows (``stream_windows.StreamWindows``)."""

from __future__ import annotations

import numpy as np

from ..features.featureset import FeatureSet
from ..recipe import Recipe
from .stream_windows import StreamWindows


def image_batches(tf, features: FeatureSet, x: np.ndarray, y: np.ndarray, batch_size: int, *,
                  recipe: Recipe | None = None):
    """A tf.data pipeline of float images (``x * scale``) and labels. With ``recipe`` it is the
    training pipeline: shuffled (seeded) and augmented as ``recipe.augmentation`` says."""
    scale = np.float32(features.scale)
    if recipe is None:
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        ds = ds.map(lambda image, label: (tf.cast(image, tf.float32) * scale, label))
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    seed = recipe.training.seed
    aug = recipe.augmentation
    height, width, channels = x.shape[1:]
    shift_px = int(round(aug.shift * min(height, width)))
    # Shuffle row numbers, not images: the pixels stay in one uint8 tensor, never in a buffer.
    images, labels = tf.constant(x), tf.constant(y)
    rows = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def augment(row, seed_pair):
        image, label = tf.gather(images, row), tf.gather(labels, row)
        image = tf.cast(image, tf.float32) * scale
        s = tf.random.experimental.stateless_split(seed_pair, num=4)
        if aug.horizontal_flip:
            image = tf.image.stateless_random_flip_left_right(image, s[0])
        if aug.vertical_flip:
            image = tf.image.stateless_random_flip_up_down(image, s[1])
        for pad, mode, k in ((shift_px, "CONSTANT", 2), (aug.crop_padding, "REFLECT", 3)):
            if pad > 0:  # pad, then crop a random window of the original size
                padded = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]], mode=mode)
                image = tf.image.stateless_random_crop(padded, [height, width, channels], s[k])
        return image, label

    ds = tf.data.Dataset.zip((rows, seeds)).map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def stream_batches(keras, features: FeatureSet, fraction: float, batch_size: int, seed: int):
    """The training split as a Keras PyDataset of float batches; epoch e is
    ``StreamWindows(...).epoch(e)``, made when the epoch starts (a fraction of its clips replaced
    by stream windows)."""
    windows = StreamWindows(features.x_train, features.y_train, features.classes, fraction, seed)

    class Batches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self.n_epoch = 0
            self.x, self.y = windows.epoch(0)

        def __len__(self) -> int:
            return -(-len(self.y) // batch_size)

        def __getitem__(self, i: int):
            rows = slice(i * batch_size, (i + 1) * batch_size)
            return features.as_float(self.x[rows]), self.y[rows]

        def on_epoch_end(self) -> None:
            self.n_epoch += 1
            self.x, self.y = windows.epoch(self.n_epoch)

    return Batches()

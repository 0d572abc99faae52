"""Image classification datasets, all read into the same ``ImageDataset`` (uint8 [N, H, W, C]
splits, sorted class names, float model input = pixel / 255):

- ``load_image_folder``: one folder per class (PNG, JPEG, BMP), every file checked up front;
- ``load_cifar10``: the CIFAR-10 python batches;
- ``load_digits``: scikit-learn's bundled 8x8 digits scaled up (the offline default);
- ``make_synthetic_images``: generated shapes and stripes, for quick runs and tests.
"""

from .cifar10 import load_cifar10
from .common import PIXEL_SCALE, ImageDataset, ImageSplit, fit_image, stratified_split
from .digits import load_digits
from .folder import load_image_folder
from .synthetic import make_synthetic_images

__all__ = ["PIXEL_SCALE", "ImageDataset", "ImageSplit", "fit_image", "load_cifar10", "load_digits",
           "load_image_folder", "make_synthetic_images", "stratified_split"]

"""Data stage: datasets in the Google Speech Commands layout, and the synthetic default set.

- ``load_speech_commands(root, ...)`` reads a Speech Commands folder into fixed-length int16 clips
  (``KwsDataset`` of three ``Split``\\ s), checking every file it uses first.
- ``synthesize_speech_commands(out_dir, ...)`` makes (or finds cached) an offline keyword-spotting
  set with eSpeak NG in that same layout; ``default_synth_dir`` is its default cache folder.
- ``read_wav`` / ``write_wav``: strict 16 kHz mono 16-bit PCM WAV input, atomic output.

Image classification datasets live in the ``mcuforge.data.images`` sub-package (image folders,
CIFAR-10 batches, scikit-learn's digits, generated shapes); it is imported only where needed.
"""

from .speech_commands import (
    CLASSES,
    KEYWORDS,
    SILENCE,
    UNKNOWN,
    KwsDataset,
    Split,
    hash_split,
    load_speech_commands,
    speaker_of,
)
from .synth import default_synth_dir, synthesize_speech_commands
from .wav import SAMPLE_RATE, WavFileError, read_wav, write_wav

__all__ = [
    "CLASSES", "KEYWORDS", "SILENCE", "UNKNOWN", "SAMPLE_RATE", "KwsDataset", "Split",
    "WavFileError", "default_synth_dir", "hash_split", "load_speech_commands", "read_wav",
    "speaker_of", "synthesize_speech_commands", "write_wav",
]

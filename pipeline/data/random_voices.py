"""Random eSpeak NG voices for the training split of the synthetic set (voice randomization).

The held-out test and validation voices are whole eSpeak NG voice variants, and a model trained
on the other variants alone generalises unevenly to them: a voice whose vocal tract lies outside
the span of the training variants (a child's formants, a very low first formant) is recognised
far worse than the rest. So half of the training clips are spoken by voices drawn at random
instead, each a voice-variant file of eSpeak NG's own format (see its ``voices/!v`` folder):

- a vocal-tract factor, log-uniform in VOCAL_TRACT (adult male to small child: formant
  frequencies scale inversely with tract length), times a per-formant jitter, log-uniform in
  FORMANT_JITTER, for each of eSpeak NG's formants 0-8; heights and widths in FORMANT_LEVEL;
- a pitch base and top in Hz (PITCH_BASE_HZ, top = base x PITCH_SPAN);
- voicing, flutter, roughness and consonant levels, and one voice in KLATT_SHARE using one of
  eSpeak NG's Klatt synthesizers instead of its default one.

The ranges are generic, not fitted to any held-out voice. The voices never speak a validation or
test clip. eSpeak NG finds variants only in its data folder, so ``overlay_data_folder`` builds a
private data folder of symbolic links to the installed one (the voice files synthesis uses), plus
the random voices' files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DatasetError

VOICE_PREFIX = "mf-random-"
VOCAL_TRACT = (0.7, 1.5)       # formant-frequency factor of the whole voice
FORMANT_JITTER = (0.9, 1.11)   # times this, per formant (a vowel is its formants' pattern)
FORMANT_LEVEL = (60, 140)      # formant height and width, percent of the default voice
PITCH_BASE_HZ = (55, 260)
PITCH_SPAN = (1.1, 1.9)        # pitch top / pitch base
VOICING = (20, 200)            # percent
FLUTTER = (0, 15)
ROUGHNESS = (0, 5)
CONSONANTS = (70, 120)         # percent, for unvoiced and voiced consonants
KLATT_SHARE = 0.25             # of the voices use a Klatt synthesizer (eSpeak NG's 1-6)
FORMANTS = 9                   # eSpeak NG's formant numbers 0-8
ESPEAK_VOICE_LIST = 349        # voice files eSpeak NG lists (its N_VOICES_LIST - 1); more are dropped


def voice_names(count: int) -> tuple[str, ...]:
    return tuple(f"{VOICE_PREFIX}{i:03d}" for i in range(count))


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def random_voice(rng: np.random.Generator, name: str) -> str:
    """The text of one voice-variant file, drawn from ``rng``."""
    tract = _log_uniform(rng, VOCAL_TRACT)
    lines = ["language variant", f"name {name}"]
    for k in range(FORMANTS):
        freq = round(100 * tract * _log_uniform(rng, FORMANT_JITTER))
        height, width = (int(rng.integers(FORMANT_LEVEL[0], FORMANT_LEVEL[1] + 1)) for _ in range(2))
        lines.append(f"formant {k} {freq} {height} {width}")
    base = int(rng.integers(PITCH_BASE_HZ[0], PITCH_BASE_HZ[1] + 1))
    lines.append(f"pitch {base} {round(base * rng.uniform(*PITCH_SPAN))}")
    lines.append(f"voicing {int(rng.integers(VOICING[0], VOICING[1] + 1))}")
    lines.append(f"flutter {int(rng.integers(FLUTTER[0], FLUTTER[1] + 1))}")
    lines.append(f"roughness {int(rng.integers(ROUGHNESS[0], ROUGHNESS[1] + 1))}")
    lines.append("consonants " + " ".join(str(int(rng.integers(CONSONANTS[0], CONSONANTS[1] + 1)))
                                          for _ in range(2)))
    if rng.random() < KLATT_SHARE:
        lines.append(f"klatt {int(rng.integers(1, 7))}")
    return "\n".join(lines) + "\n"


def overlay_data_folder(data_path: str | os.PathLike, out_dir: str | os.PathLike,
                        voices: dict[str, str], languages: tuple[str, ...]) -> Path:
    """An eSpeak NG data folder at ``out_dir/espeak-ng-data``: links to every entry of the
    installed ``data_path`` except ``lang/`` and ``voices/``; of ``lang/``, only the voice files
    of ``languages`` (case-insensitive names, in their subfolders); of ``voices/!v/``, every
    variant, plus one file per entry of ``voices`` (name -> variant text). ``out_dir`` must
    exist; nothing in ``data_path`` is changed.

    eSpeak NG lists at most ESPEAK_VOICE_LIST voice files (language voices and variants) and
    silently drops the rest (its N_VOICES_LIST), so the languages nobody speaks are left out and
    the total is checked (DatasetError)."""
    src = Path(data_path)
    dst = Path(out_dir) / "espeak-ng-data"
    dst.mkdir()
    for entry in sorted(src.iterdir()):
        if entry.name not in ("lang", "voices"):
            (dst / entry.name).symlink_to(entry)
    wanted = {lang.lower() for lang in languages}
    listed = 0
    for entry in sorted((src / "lang").rglob("*")):
        if entry.is_file() and entry.name.lower() in wanted:
            link = dst / "lang" / entry.relative_to(src / "lang")
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(entry)
            listed += 1
    variants = dst / "voices" / "!v"
    variants.mkdir(parents=True)
    for entry in sorted((src / "voices" / "!v").iterdir()):
        (variants / entry.name).symlink_to(entry)
        listed += 1
    for name, text in voices.items():
        target = variants / name
        if target.exists():
            raise FileExistsError(f"{target}: an installed voice variant has the random voice's name")
        target.write_text(text, encoding="utf-8")
        listed += 1
    if listed > ESPEAK_VOICE_LIST:
        raise DatasetError(f"{dst}: {listed} voice files, more than the {ESPEAK_VOICE_LIST} eSpeak "
                           f"NG can list ({len(voices)} random voices; use fewer)")
    return dst

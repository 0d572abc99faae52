"""Report stage: what a person looks at after a run, one self-contained HTML file
(`mcuforge report RUN_DIR_OR_C_DIR`, also written at the end of `mcuforge run`).

- ``source.py``: what the report reads: a run folder or a generated C folder, and its artefacts
- ``figures.py``: matplotlib (the ``report`` extra), figures as PNG data URIs
- ``html.py``: sections, tables and figures laid out into one page (no script, no network)
- one module per section: ``training.py`` (history, confusion matrices, precision and recall),
  ``quantization.py`` (int8 against float, per layer), ``memory.py`` (arena timeline, flash and
  RAM per board), ``speed.py`` (per-layer instructions per board and backend), ``fit.py`` (the
  board-fit table of `mcuforge check`)
- ``command.py``: the `mcuforge report` command
"""

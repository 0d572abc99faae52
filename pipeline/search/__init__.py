"""`mcuforge search`: the most accurate model of a recipe's search space that fits a board, with
Ray Tune as the engine (an optional extra: ``pip install 'mcuforge[search]'``).

- ``space.py``: the recipe's ``search:`` section as candidates, each an ordinary recipe
- ``measure.py``: a candidate's exact footprint (the compiler's figures) and its instructions per
  inference (QEMU), latency at the board's clock
- ``trial.py``: one Ray Tune trial: train, report every epoch, int8, measure
- ``pareto.py``: the Pareto front and the winner
- ``command.py``: the command: pruning before training, the trials, the tables, the winner's recipe

Ray is imported only inside the command and the trial.
"""

"""The kernel backends' names: what ``--kernels`` accepts, and the kernel folder each one uses.

Kept apart from ``compile.backends`` (which chooses and applies a backend) so the command line
can offer the choices without importing the compiler at start-up.
"""

from __future__ import annotations

PORTABLE, OPTIMIZED, CMSIS_NN = "portable", "optimized", "cmsis-nn"
BACKENDS = (PORTABLE, OPTIMIZED, CMSIS_NN)
# the folder name under firmware/kernels/ and compile/ops/ (and KernelCall.backend)
FOLDERS = {PORTABLE: "portable", OPTIMIZED: "optimized", CMSIS_NN: "cmsis_nn"}

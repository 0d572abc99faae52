"""The cmsis-nn backend's adapters: one module per op (``<op>.py``, as ``compile/ops/``), each
with ``OPCODES`` and ``adapt(call, target) -> KernelCall | Fallback`` (see compile/backends.py).

An adapter takes the portable call (already checked, its quantization folded) and builds the
params of the matching wrapper in ``firmware/kernels/cmsis_nn/<kernel>.c``: CMSIS-NN's own
structs (``types``) around the same constant arrays (same names: weights are never duplicated),
plus, where CMSIS-NN wants them, new arrays named ``op<index>_<what>`` computed here. Scratch
sizes come from CMSIS-NN's ``*_get_buffer_size*`` functions for the core the model is generated
for (``mcuforge.cmsis.buffer_sizes``). Where CMSIS-NN would not compute exactly what
TFLite-Micro's reference kernel computes, or would refuse the arguments, the adapter returns a
``Fallback`` saying why and the call keeps its portable kernel.
"""

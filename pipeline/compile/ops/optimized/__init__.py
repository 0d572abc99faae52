"""The ``optimized`` backend's adapters: mcuforge's own int8 kernels for the DSP extension
(Cortex-M4, M7, M33: firmware/kernels/optimized/<op>_dsp.c) and Helium (Cortex-M55:
<op>_mve.c). Each module turns a portable call into its optimized twin, with the weights
re-laid out for the inner loop and the offsets folded in at generation time, or says why the
call stays portable (``Fallback``). ``common`` holds what the adapters share."""

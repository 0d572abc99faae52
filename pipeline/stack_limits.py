"""The firmware stack's size rules that the command line checks (``--stack``) and the build
applies (builder.firmware, builder.stack), kept apart so the command line can state them without
importing the builder at start-up."""

from __future__ import annotations

# The smallest stack --stack accepts, and the one the first link reserves (the image the stack
# analysis reads; the size is then set from the bound). Sizes are multiples of STACK_ALIGN: the
# AAPCS keeps the stack pointer 8-byte aligned at every public interface.
MIN_STACK_BYTES = 256
STACK_ALIGN = 8
# The margin the reserved stack adds to the static bound, for what no static analysis sees
# (another compiler version, a debugger's needs): 25 % + 128 B, rounded up to STACK_ALIGN.
MARGIN_FRACTION = 0.25
MARGIN_BYTES = 128

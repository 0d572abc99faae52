"""Single-op models of the broadcasting binary ops for their kernel tests (test_mul.py,
test_sub.py, test_maximum_minimum.py, test_squared_difference.py).

mcuforge compiles models with one input, so one operand is the model input and the other is
either computed from it (kernel_testing.derived: FULLY_CONNECTED, then RESHAPE), the same tensor
again, or a constant with random int8 values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import kernel_testing as kt
import tflite_builder as tb

# BuiltinOptions union tags and slot counts of the options tables (schema.fbs)
MUL_OPTIONS, SUB_OPTIONS = (21, 1), (28, 2)
MAXIMUM_MINIMUM_OPTIONS, SQUARED_DIFFERENCE_OPTIONS = (39, 0), (76, 0)


@dataclass(frozen=True)
class BinaryCase:
    id: str
    x_shape: tuple[int, ...]                 # the model input, one operand
    other_shape: tuple[int, ...] | None      # the other operand; None: the model input again
    x_q: tuple[float, int] = (0.05, -3)
    other_q: tuple[float, int] = (0.08, 10)
    out_q: tuple[float, int] = (0.1, 2)
    act: kt.Activation = kt.NONE
    swap: bool = False                       # the other operand first
    constant: bool = False                   # the other operand is a constant
    constant_fill: int | None = None         # every value of that constant (else random)
    all_pairs: bool = False                  # see all_pairs_case


    @property
    def out_shape(self) -> tuple[int, ...]:
        other = self.x_shape if self.other_shape is None else self.other_shape
        return tuple(int(d) for d in np.broadcast_shapes(self.x_shape, other))


def activation_options(tag_slots: tuple[int, int], act: kt.Activation) -> tb.RawOptions:
    """Options whose slot 0 is fused_activation_function (MulOptions, SubOptions)."""
    tag, slots = tag_slots
    return tb.RawOptions(tag, slots, ((0, "int8", act.value),) if act is not kt.NONE else ())


def empty_options(tag_slots: tuple[int, int]) -> tb.RawOptions:
    return tb.RawOptions(*tag_slots)


def binary_model(opcode: str, c: BinaryCase, options) -> bytes:
    rng = kt.case_rng(c.id)
    b = tb.ModelBuilder()
    x = b.add_input(c.x_shape, *c.x_q)
    if c.other_shape is None:
        other = x
    elif c.constant:
        data = rng.integers(-128, 128, size=c.other_shape).astype(np.int8)
        if c.constant_fill is not None:
            data = np.full(c.other_shape, c.constant_fill, np.int8)
        if c.all_pairs:
            data = np.arange(-128, 128).astype(np.int8).reshape(c.other_shape)
            # TFLite-Micro's default arena is 10x the model's size: room for the 64 KiB output
            b.add_const(np.zeros(8192, np.int8), name="unused_room_for_the_tflm_arena")
        other = b.add_const(data, scale=c.other_q[0], zero_point=c.other_q[1], name="other")
    else:
        other = kt.derived(b, x, c.x_shape, c.x_q[0], c.other_shape, c.other_q, rng, "other")
    a = x
    if c.swap:
        a, other = other, a
    y = b.add_output(c.out_shape, *c.out_q)
    b.add_operator(opcode, (a, other), (y,), options)
    return b.build()


def all_pairs_case(id: str, **q) -> BinaryCase:
    """Every pair of int8 values: the model input [1, 256] against the constant [256, 1] holding
    -128 .. 127, broadcast to [256, 256]; the test vectors' 12 random rows of 256 values leave
    hardly any input value out (each one is missing from all of them with probability e^-12)."""
    return BinaryCase(id, (1, 256), (256, 1), constant=True, swap=True, all_pairs=True, **q)


# Shapes every binary op is tested with (and their ids): same shapes, numpy broadcasting in
# each form the dimension merging meets, a constant operand on either side, and rank 1 to 6.
def shape_cases(**q) -> list[BinaryCase]:
    return [
        BinaryCase("same_shape_4d", (1, 5, 6, 8), (1, 5, 6, 8), **q),
        BinaryCase("2d", (1, 40), (1, 40), **q),
        BinaryCase("1d", (17,), (17,), **q),
        BinaryCase("same_tensor_twice", (1, 4, 4, 5), None, **q),
        BinaryCase("broadcast_per_channel_4d", (1, 4, 5, 8), (1, 1, 1, 8), **q),
        BinaryCase("broadcast_per_channel_4d_first", (1, 4, 5, 8), (1, 1, 1, 8), swap=True, **q),
        BinaryCase("broadcast_per_channel_1d", (1, 4, 5, 8), (8,), **q),
        BinaryCase("broadcast_scalar_1d", (1, 4, 5, 8), (1,), **q),
        BinaryCase("broadcast_scalar_0d_first", (1, 3, 5, 4), (), swap=True, **q),
        BinaryCase("broadcast_rows_against_columns", (1, 4, 1, 6), (1, 1, 5, 6), **q),
        BinaryCase("broadcast_channels_of_1", (1, 4, 5, 1), (1, 4, 5, 6), **q),
        BinaryCase("broadcast_batch", (1, 3, 4), (2, 3, 4), **q),
        BinaryCase("broadcast_5d", (1, 2, 3, 4, 5), (1, 2, 1, 4, 1), **q),
        BinaryCase("broadcast_6d_both_ways", (2, 1, 3, 1, 2, 3), (1, 2, 1, 2, 1, 3), **q),
        BinaryCase("constant_per_channel", (1, 4, 5, 8), (8,), constant=True, **q),
        BinaryCase("constant_per_channel_first", (1, 4, 5, 8), (1, 1, 1, 8), constant=True,
                   swap=True, **q),
        BinaryCase("constant_scalar", (1, 3, 3, 4), (), constant=True, **q),
        BinaryCase("constant_scalar_first", (1, 3, 3, 4), (1,), constant=True, swap=True, **q),
        BinaryCase("constant_same_shape", (1, 3, 4, 5), (1, 3, 4, 5), constant=True, **q),
        BinaryCase("constant_rows", (1, 4, 1, 6), (1, 1, 5, 1), constant=True, **q),
    ]

"""The sign conventions of the kernels, written down once in firmware/include/mcuforge_kernels.h
(which names this test): offsets and shift direction, checked through the Python model of the
requantization (mcuforge.compile.quant) and through a real lowering."""

from __future__ import annotations

import numpy as np

import kernel_testing as kt
import tflite_builder as tb
from kernel_testing import SAME
from mcuforge.compile import quant
from mcuforge.compile.ops import LOWERINGS
from mcuforge.tflite.graph import Conv2DOptions


def test_sign_conventions():
    """The one test that catches a sign mistake: shift > 0 is a left shift, input_offset is
    -zero_point and output_offset +zero_point. A 1x1 convolution with weight 1 whose scales make
    real output == real input must reproduce the input's real value."""
    # shift direction, through the Python model of the kernels' requantization
    m, s = quant.quantize_multiplier(4.0)
    assert s == 3 and quant.requantize(100, m, s) == 400
    m, s = quant.quantize_multiplier(0.125)
    assert s == -2 and quant.requantize(800, m, s) == 100
    # the final rounding shift sends ties away from zero (the doubling high multiply before it
    # rounds ties up)
    assert quant.requantize(-26, *quant.quantize_multiplier(0.25)) == -7
    assert quant.requantize(26, *quant.quantize_multiplier(0.25)) == 7
    assert quant.requantize(-13, *quant.quantize_multiplier(0.5)) == -6

    # offsets, through a real lowering
    in_scale, in_zp, out_scale, out_zp, w_scale = 0.5, -100, 0.25, 60, 1.0 / 64
    model = tb.conv2d_model((1, 1, 1, 1), np.full((1, 1, 1, 1), 64, np.int8), None,
                            (in_scale, in_zp), (w_scale,), (out_scale, out_zp),
                            Conv2DOptions(SAME, 1, 1))
    graph = kt.read_graph(model)
    call = LOWERINGS["CONV_2D"](graph, graph.operators[0])
    p = call.params
    consts = {c.name: c.values for c in call.constants}
    for x in (-128, -100, -37, 0, 5, 16):
        acc = 64 * (x + p.input_offset)
        y = quant.requantize(acc, int(consts["op0_multiplier"][0]), int(consts["op0_shift"][0]))
        y = min(max(y + p.output_offset, -128), 127)
        expected = min(max(round(in_scale * (x - in_zp) / out_scale) + out_zp, -128), 127)
        assert y == expected, (x, y, expected)

"""AVERAGE_POOL_2D and MAX_POOL_2D on the optimized backend: mcuforge.compile.ops.optimized.pooling
and firmware/kernels/optimized/pooling_dsp.c (mps2_an386) / pooling_mve.c (mps3_an547),
bit-exact with TFLite-Micro under QEMU on the portable and CMSIS-NN tests' cases (channel counts
around the 4-, 8- and 16-channel steps, windows clipped by the padding on every side, so every
output position's divisor differs, activations, batches). On the host: the reciprocal that
replaces the division is exact for every sum the layer can produce.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kernel_testing import SAME
from mcuforge.compile.ops.optimized import pooling as opt_pooling
from optimized_testing import BOARD_ISAS, compile_optimized, run_on_board
from test_cmsis_nn_pooling import AVG, MAX, POOL_CASES, PoolCase, pool_model

# on the boards: the cases that reach every path of the kernels (channel tails after the 4-, 8-
# and 16-channel steps, every window count, activations, batches); all of them passed the full
# matrix when the kernels were written (MCUFORGE_FULL_MATRIX=1 runs these on both boards)
BOARD_CASES = [c for c in POOL_CASES if c.id.split("_", 1)[1] in {
    "3x3_s2_same_asym", "global_25x5", "window_larger_than_input_same", "relu6_zp127",
    "relu_n1_to_1", "batch2", "c16_3x3_s2_same", "c17_2x2_s2", "c33_5x5_same_clipped",
    "c1_4x4_s3_same", "c5_batch3_relu"}]


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("board", sorted(BOARD_ISAS))
@pytest.mark.parametrize("case", BOARD_CASES, ids=lambda c: c.id)
def test_pool2d_on_board(case: PoolCase, board: str, tmp_path: Path):
    call = run_on_board(pool_model(case), tmp_path, board, case.kind)
    kind = "avg" if case.kind == AVG else "max"
    assert call.function == f"mf_opt_{kind}_pool2d_{BOARD_ISAS[board]}_s8"


def _mean(total: np.ndarray, d: int) -> np.ndarray:
    """TFLite-Micro's rounded mean (C division truncates toward zero)."""
    half = d // 2
    num = np.where(total > 0, total + half, total - half)
    return np.sign(num) * (np.abs(num) // d)


@pytest.mark.parametrize("d", [1, 2, 3, 7, 9, 25, 125, 255, 256, 1000, 5000])
def test_reciprocal_is_exact_for_every_sum(d: int):
    """What the kernels compute, (|sum| + d / 2) * recip >> 32 with the sign put back, equals the
    rounded division for every sum of d int8 taps (the kernels never divide)."""
    assert opt_pooling.exact_reciprocal(d)
    total = np.arange(-128 * d, 127 * d + 1, dtype=np.int64)
    a = np.abs(total) + d // 2
    recip = opt_pooling.reciprocal(d)
    q = a if recip == 0 else (a * recip) >> 32
    assert np.array_equal(np.where(total < 0, -q, q), _mean(total, d))


def test_reciprocal_bound_is_not_vacuous():
    """Above the bound the multiply does go wrong for some windows (probed near the largest sums),
    so the bound is what keeps the kernels exact."""
    first = next(d for d in range(2, 10000) if not opt_pooling.exact_reciprocal(d))
    assert 5000 < first < 6000

    def wrong(d: int) -> bool:
        a_max = 128 * d + d // 2
        a = np.arange(a_max - 20000, a_max + 1, dtype=np.int64)
        return not np.array_equal((a * opt_pooling.reciprocal(d)) >> 32, a // d)

    assert any(wrong(d) for d in range(first, first + 4000, 97))


@pytest.mark.parametrize("isa", ["dsp", "mve"])
def test_recip_table_covers_every_window_count(isa: str):
    """SAME 3x3 stride 1 over 5x6: counts 4 (corners), 6 (edges), 9 (inside) -> a table from 4."""
    case = PoolCase("t", AVG, (1, 5, 6, 3), (3, 3), (1, 1), padding=SAME)
    _, program = compile_optimized(pool_model(case), isa)
    p = program.calls[0].params
    assert p.count_min == 4
    table = p.recip.values.astype(np.int64) % (1 << 32)
    assert list(table) == [opt_pooling.reciprocal(d) for d in range(4, 10)]
    max_case = PoolCase("m", MAX, (1, 5, 6, 3), (3, 3), (1, 1))
    _, program = compile_optimized(pool_model(max_case), isa)
    assert program.calls[0].params.recip is None


def test_fallbacks():
    big = PoolCase("big", AVG, (1, 20, 20, 4), (20, 20), (1, 1))      # 400 taps
    _, program = compile_optimized(pool_model(big), "dsp")
    assert program.calls[0].backend == "portable" and "int16 lanes" in program.calls[0].note
    _, program = compile_optimized(pool_model(big), "mve")
    assert program.calls[0].backend == "optimized"
    huge = PoolCase("huge", AVG, (1, 80, 80, 1), (80, 80), (1, 1))    # 6400 taps
    _, program = compile_optimized(pool_model(huge), "mve")
    assert program.calls[0].backend == "portable" and "not exact" in program.calls[0].note

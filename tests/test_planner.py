import numpy as np
import pytest

from mcuforge.compile.planner import ARENA_ALIGNMENT, Lifetime, check_plan, plan_arena


def test_chain_reuses_memory():
    # a -> b -> c -> d: only neighbours are live together, so two buffers suffice.
    lifetimes = [Lifetime(0, 1000, -1, 0), Lifetime(1, 1000, 0, 1), Lifetime(2, 1000, 1, 2),
                 Lifetime(3, 1000, 2, 3)]
    slots, size = plan_arena(lifetimes)
    check_plan(slots, size)
    assert size == 2 * 1008


def test_all_live_together_need_the_sum():
    lifetimes = [Lifetime(i, 100 * (i + 1), 0, 5) for i in range(4)]
    slots, size = plan_arena(lifetimes)
    check_plan(slots, size)
    assert size == sum(-(-100 * (i + 1) // ARENA_ALIGNMENT) * ARENA_ALIGNMENT for i in range(4))


@pytest.mark.parametrize("seed", range(30))
def test_random_plans_never_overlap_live_tensors(seed):
    rng = np.random.default_rng(seed)
    lifetimes = []
    for t in range(int(rng.integers(1, 25))):
        first = int(rng.integers(-1, 20))
        lifetimes.append(Lifetime(t, int(rng.integers(1, 5000)), first, first + int(rng.integers(0, 6))))
    slots, size = plan_arena(lifetimes)
    check_plan(slots, size)
    # never worse than giving every tensor its own buffer, never better than the busiest step
    assert size <= sum(-(-lt.size // 16) * 16 for lt in lifetimes)
    steps = range(min(lt.first_use for lt in lifetimes), max(lt.last_use for lt in lifetimes) + 1)
    peak = max(sum(lt.size for lt in lifetimes if lt.first_use <= s <= lt.last_use) for s in steps)
    assert size >= peak


def test_check_plan_catches_overlap():
    from mcuforge.compile.program import ArenaSlot

    bad = (ArenaSlot(0, 0, 64, 0, 2), ArenaSlot(1, 32, 64, 1, 3))
    with pytest.raises(AssertionError):
        check_plan(bad, 128)


def test_persistent_slots_are_never_shared():
    """A variable tensor's slot (op state) outlives every call and inference: no other tensor
    may reuse its bytes, even one whose lifetime is a single call; state slots come first."""
    lifetimes = [Lifetime(0, 1000, -1, 0), Lifetime(1, 1000, 0, 1), Lifetime(2, 1000, 1, 2),
                 Lifetime(5, 40, -1, 3, persistent=True), Lifetime(6, 24, -1, 3, persistent=True)]
    slots, size = plan_arena(lifetimes)
    check_plan(slots, size)
    state = [s for s in slots if s.persistent]
    assert sorted((s.tensor, s.offset) for s in state) == [(5, 0), (6, 48)]
    assert size == 48 + 32 + 2 * 1008    # the activations still share two buffers after them
    assert all(s.offset >= 80 for s in slots if not s.persistent)


def test_check_plan_catches_a_tensor_over_a_state_slot():
    from mcuforge.compile.program import ArenaSlot

    slots = (ArenaSlot(0, 0, 64, 0, 0), ArenaSlot(1, 32, 64, 3, 3, persistent=True))
    with pytest.raises(AssertionError):
        check_plan(slots, 128)

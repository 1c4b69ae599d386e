"""Per-call deadlines on one loop timer (`wrpc._deadlines`): order, cancellation, bounded memory."""

from __future__ import annotations

import asyncio

from wrpc._deadlines import Deadlines


async def test_deadlines_fire_in_time_order_and_not_before_they_are_due() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(loop)
    fired: list[tuple[str, float]] = []
    start = loop.time()
    for name, delay in (("late", 0.06), ("early", 0.02), ("middle", 0.04)):
        when = start + delay
        deadlines.add(when, lambda name=name, when=when: fired.append((name, loop.time() - when)))
    await asyncio.sleep(0.1)
    assert [name for name, _ in fired] == ["early", "middle", "late"]
    resolution = loop._clock_resolution  # type: ignore[attr-defined]
    assert all(lateness >= -resolution for _, lateness in fired)
    assert len(deadlines) == 0


async def test_a_cancelled_deadline_never_fires_and_a_late_cancel_is_harmless() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(loop)
    fired: list[str] = []
    kept = deadlines.add(loop.time() + 0.01, lambda: fired.append("kept"))
    dropped = deadlines.add(loop.time() + 0.005, lambda: fired.append("dropped"))
    deadlines.cancel(dropped)
    deadlines.cancel(dropped)
    await asyncio.sleep(0.05)
    deadlines.cancel(kept)
    assert fired == ["kept"]
    assert len(deadlines) == 0


async def test_calls_that_end_in_time_leave_nothing_behind() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(loop)
    for _ in range(10_000):
        deadlines.cancel(deadlines.add(loop.time() + 60, lambda: None))
        assert len(deadlines._heap) <= 130  # cancelled entries are purged once they are the majority
    assert len(deadlines) == 0


async def test_an_earlier_deadline_rearms_the_timer_and_a_callback_may_add_another() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(loop)
    fired: list[str] = []
    deadlines.add(loop.time() + 30, lambda: fired.append("never in this test"))

    def first() -> None:
        fired.append("first")
        deadlines.add(loop.time() + 0.01, lambda: fired.append("second"))

    deadlines.add(loop.time() + 0.01, first)
    await asyncio.sleep(0.06)
    assert fired == ["first", "second"]
    assert len(deadlines) == 1

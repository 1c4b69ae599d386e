"""Many per-call deadlines on one event-loop timer.

Why: every wRPC call has a deadline, and nearly every call ends long before it. An asyncio timer per
call costs a `TimerHandle`, a heap push whose comparisons run `TimerHandle.__lt__` in Python, a
cancellation, and a share of the loop's periodic purge of cancelled handles, which together came to
several microseconds per call. Here a deadline is a list in a heap of our own (compared in C: the
time, then a sequence number, never the callback), cancelling it is clearing its callback, and one
loop timer is armed for the earliest deadline. Calls made with the same timeout have growing
deadlines, so the timer rarely needs re-arming.

Rules of this module:
1. A callback runs at most once, on the loop, no earlier than its deadline; a cancelled one never runs.
   Callbacks must not raise (they cancel a task).
2. Cancelled entries are dropped when they reach the front, or all at once when they are the
   majority, so the heap stays proportional to the calls in flight.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable

Entry = list  # [when, sequence, callback or None]


class Deadlines:
    """Deadlines on one event loop; `add` one per call and `cancel` it when the call ends."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._heap: list[Entry] = []
        self._sequence = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._armed_for = 0.0
        self._cancelled = 0

    def __len__(self) -> int:
        """Deadlines still pending (for leak checks)."""
        return len(self._heap) - self._cancelled

    def add(self, when: float, callback: Callable[[], None]) -> Entry:
        """Run `callback` at loop time `when` unless the returned entry is cancelled first."""
        entry: Entry = [when, next(self._sequence), callback]
        heapq.heappush(self._heap, entry)
        if self._timer is None or when < self._armed_for:
            self._arm(when)
        return entry

    def cancel(self, entry: Entry) -> None:
        if entry[2] is None:
            return
        entry[2] = None
        self._cancelled += 1
        if self._cancelled > 64 and self._cancelled * 2 > len(self._heap):
            self._heap = [e for e in self._heap if e[2] is not None]
            heapq.heapify(self._heap)
            self._cancelled = 0
            if not self._heap and self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._armed_for = when
        self._timer = self.loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self._timer = None
        # The loop runs a timer up to its clock resolution early: what it was armed for is due.
        now = max(self.loop.time(), self._armed_for)
        heap = self._heap
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            callback = entry[2]
            if callback is None:
                self._cancelled -= 1
            else:
                entry[2] = None  # a late `cancel` of it is a no-op
                callback()
        while heap and heap[0][2] is None:  # arm for a live deadline, not a cancelled one
            heapq.heappop(heap)
            self._cancelled -= 1
        if heap:
            self._arm(heap[0][0])

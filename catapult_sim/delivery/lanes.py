"""Per-destination lanes: each destination URL's queue and the attempts it has in flight.

A lane starts at most ``owner.limit_for(url)`` attempts at a time, so a slow or dead destination
holds up only its own lane. With a chaos reorder window, deliveries are gathered into windows and
released in a seeded shuffled order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Coroutine
from typing import Any, Protocol

from catapult_sim.core.callbacks.outbox import Delivery
from catapult_sim.delivery.chaos import Chaos

REORDER_HOLD = 0.1  # how long a partial reorder window waits for more deliveries (wall seconds)


class Owner(Protocol):
    """What a lane needs from the dispatcher."""

    chaos: Chaos

    @property
    def running(self) -> bool: ...

    def limit_for(self, url: str) -> int: ...

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None: ...

    async def attempt(self, d: Delivery) -> None: ...

    def release(self, delivery_id: int) -> None: ...

    def unexpected(self, exc: BaseException, d: Delivery | None) -> None: ...


class Lane:
    """One destination's queue and its in-flight attempts."""

    def __init__(self, owner: Owner, url: str) -> None:
        self.owner = owner
        self.url = url
        self.queue: deque[Delivery] = deque()
        self.held: list[Delivery] = []
        self.active = 0
        self._hold: asyncio.TimerHandle | None = None

    def push(self, d: Delivery) -> None:
        window = self.owner.chaos.window(self.url)
        if not window:
            self.queue.append(d)
            self.pump()
            return
        self.held.append(d)
        if len(self.held) >= window:
            self._flush()
        elif self._hold is None:
            self._hold = asyncio.get_running_loop().call_later(REORDER_HOLD, self._flush)

    def _flush(self) -> None:
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None
        by_id = {d.id: d for d in self.held}
        self.queue.extend(by_id[i] for i in self.owner.chaos.reorder(self.url, list(by_id)))
        self.held = []
        self.pump()

    def pump(self) -> None:
        """Start workers (each with its first delivery) up to the lane's limit."""
        limit = self.owner.limit_for(self.url)
        while self.queue and self.active < limit:
            self.active += 1
            self.owner.spawn(self._work(self.queue.popleft()))

    async def _work(self, d: Delivery) -> None:
        """Attempt deliveries one after another while the queue has some and the limit allows."""
        try:
            while True:
                try:
                    await self.owner.attempt(d)
                except Exception as exc:  # a delivery failure is data; anything else is a bug, never fatal
                    self.owner.unexpected(exc, d)
                    self.owner.release(d.id)
                if not (self.queue and self.owner.running and self.active <= self.owner.limit_for(self.url)):
                    break
                d = self.queue.popleft()
        finally:
            self.active -= 1
        if self.owner.running:
            self.pump()

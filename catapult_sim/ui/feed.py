"""The inspector's live feed: change notices pushed to open pages as server-sent events.

Nothing on the request path knows the feed exists. While at least one page listens, one task
looks every ``interval`` seconds at a few high-water marks the simulator already keeps (the SQLite
connection's change counter, the newest delivery and attempt ids, the journal's newest entry id)
and tells every listener which of them moved; the pages then fetch the part that changed. With no
page open there is no task and no cost at all.

Each listener has a small bounded queue. A browser that does not keep up (its queue is full when a
notice arrives) is dropped: its stream ends, and the browser's EventSource reconnects when it can.
Nothing is ever buffered without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from catapult_sim.core import jsonio

Marks = dict[str, object]
QUEUE_SIZE = 8  # notices a listener may fall behind by before it is dropped
KEEPALIVE_SECONDS = 15.0  # a comment line keeps proxies and the browser from timing out
STREAM_SECONDS = 60.0  # a stream ends after this long and the browser reconnects (bounds shutdown waits)
RETRY_MS = 500  # how soon the browser reconnects after a stream ends


@dataclass(eq=False, slots=True)
class Listener:
    """One open page's stream."""

    queue: asyncio.Queue[list[str]] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: bool = False


class Feed:
    """Polls ``probe`` while anyone listens and fans the names of changed marks out to listeners."""

    def __init__(self, probe: Callable[[], Marks], interval: float = 0.5) -> None:
        self.probe = probe
        self.interval = interval
        self.listeners: set[Listener] = set()
        self.dropped = 0  # listeners dropped for falling behind, since start
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def subscribe(self) -> Listener:
        listener = Listener()
        self.listeners.add(listener)
        self._loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch())
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def publish(self, names: list[str]) -> None:
        """Hand ``names`` to every listener; a listener whose queue is full is dropped."""
        for listener in list(self.listeners):
            try:
                listener.queue.put_nowait(names)
            except asyncio.QueueFull:
                listener.dropped = True
                self.listeners.discard(listener)
                self.dropped += 1

    def end_streams(self) -> None:
        """End every open stream now (the server is stopping). Safe from a signal handler or thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._end_all)

    def _end_all(self) -> None:
        for listener in list(self.listeners):
            listener.dropped = True
            with contextlib.suppress(asyncio.QueueFull):
                listener.queue.put_nowait([])  # wakes the stream, which sees it was dropped
        self.listeners.clear()

    async def _watch(self) -> None:
        last = self.probe()
        while self.listeners:
            await asyncio.sleep(self.interval)
            now = self.probe()
            changed = [name for name, value in now.items() if last.get(name) != value]
            last = now
            if changed:
                self.publish(changed)

    async def close(self) -> None:
        """Stop the watcher (the app is shutting down)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def stream(self, listener: Listener, *, lifetime: float = STREAM_SECONDS) -> AsyncIterator[str]:
        """The text/event-stream body for one listener: a ``hello``, then one event per changed mark."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lifetime
        try:
            yield f"retry: {RETRY_MS}\nevent: hello\ndata: {{}}\n\n"
            while not listener.dropped and loop.time() < deadline:
                wait = min(KEEPALIVE_SECONDS, deadline - loop.time())
                try:
                    names = await asyncio.wait_for(listener.queue.get(), timeout=max(wait, 0.0))
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if not names:
                    continue
                data = jsonio.dumps(names)
                yield "".join(f"event: {name}\ndata: {data}\n\n" for name in names)
        finally:
            self.unsubscribe(listener)

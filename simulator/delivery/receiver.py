"""A small recording HTTP receiver (aiohttp) for trying callbacks out: it keeps every request and
answers from a script, so a demo or a test can make a "CRM" that fails, hangs or recovers.

It runs its own event loop in a background thread, on 127.0.0.1 and port 0 (a free port) unless
told otherwise. ``catapult-sim deliveries receiver`` runs one in the foreground.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(slots=True, frozen=True)
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() on arrival

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(slots=True, frozen=True)
class Answer:
    """How to answer one request: a status, an optional body, and whether to hang until released."""

    status: int = 200
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False


class Receiver:
    """Records requests; answers each path from its script, then with the default answer."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_request: Callable[[Received, Answer], None] | None = None,
    ):
        self.host = host
        self.port = port
        self.on_request = on_request
        self.default = Answer()
        self._scripts: dict[str, deque[Answer]] = {}
        self._received: list[Received] = []
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._release: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # -- control (any thread) ------------------------------------------------------------------

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def script(self, path: str, *answers: Answer | int) -> None:
        """Answer the next requests to ``path`` (``"*"``: any path) in this order (ints are statuses)."""
        with self._cond:
            queue = self._scripts.setdefault(path, deque())
            queue.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    def set_default(self, answer: Answer | int) -> None:
        with self._cond:
            self.default = answer if isinstance(answer, Answer) else Answer(answer)

    def release(self) -> None:
        """Let every hanging request answer (with 200) and stop hanging new ones."""
        with self._cond:
            self.default = Answer(self.default.status, self.default.body, self.default.headers, hang=False)
            self._scripts = {
                p: deque(Answer(a.status, a.body, a.headers) for a in q) for p, q in self._scripts.items()
            }
        if self._loop is not None and self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    def requests(self, path: str | None = None) -> list[Received]:
        with self._cond:
            return [r for r in self._received if path is None or r.path == path]

    def wait_for(self, count: int, path: str | None = None, timeout: float = 15.0) -> list[Received]:
        """Block until ``count`` requests (to ``path``) arrived; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(got := [r for r in self._received if path is None or r.path == path]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} requests to {path or 'any path'}, got {len(got)}")
                self._cond.wait(left)
            return got

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Receiver:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="receiver", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the receiver did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        self.release()
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        loop.run_until_complete(self._setup())
        ready.set()
        loop.run_forever()
        loop.close()

    async def _setup(self) -> None:
        self._release = asyncio.Event()
        app = web.Application(client_max_size=16 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        got = Received(request.method, request.path, dict(request.headers), await request.read(), time.time())
        with self._cond:
            self._received.append(got)
            queue = self._scripts.get(request.path) or self._scripts.get("*")
            answer = queue.popleft() if queue else self.default
            self._cond.notify_all()
        if self.on_request is not None:
            self.on_request(got, answer)
        if answer.hang and self._release is not None:
            await self._release.wait()
        return web.Response(status=answer.status, text=answer.body, headers=dict(answer.headers))

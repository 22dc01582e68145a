"""A small recording HTTP receiver (aiohttp) for trying callbacks out: it keeps every request and
answers from a script, so a demo or a test can make a "CRM" that fails, hangs or recovers.

It runs its own event loop in a background thread, on 127.0.0.1 and port 0 (a free port) unless
told otherwise. ``catapult-sim deliveries receiver`` runs one in the foreground.

:class:`Received` and :class:`Recording` (a thread-safe log of requests that a test can wait on) are
shared with ``catapult_sim.testing.inbox.CallbackInbox``, the http.server-based receiver of the pytest
plugin.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


class Headers(Mapping[str, str]):
    """Request headers as received (names keep their spelling), looked up without regard to case."""

    __slots__ = ("_items", "_lower")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = {}
        self._lower: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            if key in self._lower:  # a repeated header: join the values, as HTTP allows
                self._items[self._lower[key]] += ", " + value
            else:
                self._lower[key] = name
                self._items[name] = value

    def __getitem__(self, name: str) -> str:
        return self._items[self._lower[name.lower()]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(slots=True, frozen=True)
class Received:
    """One request a receiver got, and the status it answered (None until known)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # time.time() on arrival
    status: int | None = None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def callback_type(self) -> str | None:
        """The body's ``callback_type`` (None when the body is not a JSON object with one)."""
        data = self.json
        value = data.get("callback_type") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None


class Recording:
    """The requests a receiver got, in arrival order; safe to read and wait on from any thread."""

    def __init__(self) -> None:
        self._items: list[Received] = []
        self._cond = threading.Condition()

    def add(self, item: Received) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._items.clear()

    def items(self, keep: Callable[[Received], bool] | None = None) -> list[Received]:
        with self._cond:
            return [r for r in self._items if keep is None or keep(r)]

    def wait(
        self, count: int, keep: Callable[[Received], bool] | None = None, timeout: float = 15.0
    ) -> tuple[list[Received], bool]:
        """Block until ``count`` requests (those ``keep`` accepts) arrived or ``timeout`` passed.

        Returns them and whether there were enough; the caller words the failure."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(got := [r for r in self._items if keep is None or keep(r)]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return got, False
                self._cond.wait(left)
            return got, True


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
        tls: ssl.SSLContext | None = None,
    ):
        self.host = host
        self.port = port
        self.on_request = on_request
        self.tls = tls  # a server context: the receiver speaks https
        self.default = Answer()
        self.recording = Recording()
        self._scripts: dict[str, deque[Answer]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._release: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # -- control (any thread) ------------------------------------------------------------------

    def url(self, path: str = "/hook") -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{path}"

    def script(self, path: str, *answers: Answer | int) -> None:
        """Answer the next requests to ``path`` (``"*"``: any path) in this order (ints are statuses)."""
        with self._lock:
            queue = self._scripts.setdefault(path, deque())
            queue.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    def set_default(self, answer: Answer | int) -> None:
        with self._lock:
            self.default = answer if isinstance(answer, Answer) else Answer(answer)

    def release(self) -> None:
        """Let every hanging request answer (with 200) and stop hanging new ones."""
        with self._lock:
            self.default = Answer(self.default.status, self.default.body, self.default.headers, hang=False)
            self._scripts = {p: deque(Answer(a.status, a.body, a.headers) for a in q) for p, q in self._scripts.items()}
        if self._loop is not None and self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    def requests(self, path: str | None = None) -> list[Received]:
        return self.recording.items(None if path is None else (lambda r: r.path == path))

    def wait_for(self, count: int, path: str | None = None, timeout: float = 15.0) -> list[Received]:
        """Block until ``count`` requests (to ``path``) arrived; AssertionError after ``timeout``."""
        got, enough = self.recording.wait(count, None if path is None else (lambda r: r.path == path), timeout)
        if not enough:
            raise AssertionError(f"expected {count} requests to {path or 'any path'}, got {len(got)}")
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
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.tls)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = Headers(request.headers.items())
        with self._lock:  # pick the answer and record in one step, so both follow arrival order
            queue = self._scripts.get(request.path) or self._scripts.get("*")
            answer = queue.popleft() if queue else self.default
            got = Received(request.method, request.path, headers, body, status=answer.status)
            self.recording.add(got)
        if self.on_request is not None:
            self.on_request(got, answer)
        if answer.hang and self._release is not None:
            await self._release.wait()
        return web.Response(status=answer.status, text=answer.body, headers=dict(answer.headers))

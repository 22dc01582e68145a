"""The callback inbox: the one recording HTTP receiver of catapult-sim.

It stands in for a CRM's callback endpoint: point a callback registration at ``inbox.url``, cause
an event, then ``inbox.assert_delivered("subscription_added", ...)``. It can be told to fail::

    inbox.fail_next(503, times=2)      # the next two requests get 503
    inbox.respond(status=400)          # every request gets 400 from now on
    inbox.delay_next(2.5)              # the next request is answered after 2.5 s
    inbox.script("/a", 503, Answer(200, hang=True))   # per path, in order; release() frees hangs

It serves with aiohttp on its own event loop in a background thread, on 127.0.0.1 and port 0 (a
free port) unless told otherwise, over https when given a server ``tls`` context. The
``callback_inbox`` pytest fixture, ``catapult-sim deliveries receiver`` and the simulator's own tests
all use this class; what it records is a :class:`~catapult_sim.testing.receiver.Received`.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

from catapult_sim.testing.matching import closest, differences, is_subset, show
from catapult_sim.testing.receiver import Answer, Headers, Received, Recording

__all__ = ["Answer", "CallbackInbox", "Received"]


class CallbackInbox:
    """Records requests; answers each from its script (per path, then ``"*"``), else the default.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/hook",
        *,
        on_request: Callable[[Received, Answer], None] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.on_request = on_request  # told of every request and its answer (a CLI prints them)
        self.tls = tls  # a server context: the inbox speaks https
        self.default = Answer()
        self.recording = Recording()
        self._scripts: dict[str, deque[Answer]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._release: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # -- where ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self.port, "the inbox is not started"  # the port it listened on stays known after stop()
        return f"{'https' if self.tls is not None else 'http'}://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The URL to register as a callback destination (``base_url`` + ``path``)."""
        return self.base_url + self.path

    def url_for(self, path: str) -> str:
        """The URL of another path on this inbox (every path records and answers)."""
        return self.base_url + path

    # -- how it answers (any thread) -----------------------------------------------------------

    def script(self, path: str, *answers: Answer | int) -> None:
        """Answer the next requests to ``path`` (``"*"``: any path) in this order (ints are statuses)."""
        with self._lock:
            queue = self._scripts.setdefault(path, deque())
            queue.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    def set_default(self, answer: Answer | int) -> None:
        """How to answer once the scripts are used up."""
        with self._lock:
            self.default = answer if isinstance(answer, Answer) else Answer(answer)

    def respond(self, status: int = 200, *, delay: float = 0.0, body: bytes = b"") -> None:
        """Answer every request from now on with ``status`` (after ``delay`` seconds)."""
        self.set_default(Answer(status, body.decode("utf-8", "replace"), delay=delay))

    def fail_next(self, status: int = 503, *, times: int = 1, delay: float = 0.0) -> None:
        """Answer the next ``times`` requests with ``status`` (after the answers already queued)."""
        self.script("*", *[Answer(status, delay=delay)] * times)

    def delay_next(self, seconds: float, *, times: int = 1, status: int = 200) -> None:
        """Answer the next ``times`` requests after ``seconds`` (with ``status``)."""
        self.fail_next(status, times=times, delay=seconds)

    def release(self) -> None:
        """Let every hanging request answer and stop hanging new ones."""
        with self._lock:
            self.default = self.default.unhung()
            self._scripts = {p: deque(a.unhung() for a in q) for p, q in self._scripts.items()}
        if self._loop is not None and self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    def reset(self) -> None:
        """Forget what was received and every scripted answer."""
        with self._lock:
            self._scripts.clear()
            self.default = Answer()
        self.recording.clear()

    # -- what it got ---------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        """Every request received, in arrival order."""
        return self.recording.items()

    def requests(self, path: str | None = None) -> list[Received]:
        """The requests to ``path`` (every request for None), in arrival order."""
        return self.recording.items(None if path is None else (lambda r: r.path == path))

    def of_type(self, callback_type: str | None) -> list[Received]:
        """The callbacks of one type (every request for None)."""
        return self.recording.items(lambda r: callback_type is None or r.callback_type == callback_type)

    def bodies(self, callback_type: str | None = None) -> list[Any]:
        """The JSON bodies of the callbacks of one type (or all), in arrival order."""
        return [r.json for r in self.of_type(callback_type)]

    def __iter__(self) -> Iterator[Received]:
        return iter(self.received)

    def __len__(self) -> int:
        return len(self.received)

    def wait_requests(self, count: int, path: str | None = None, timeout: float = 15.0) -> list[Received]:
        """Block until ``count`` requests (to ``path``) arrived; AssertionError after ``timeout``."""
        got, enough = self.recording.wait(count, None if path is None else (lambda r: r.path == path), timeout)
        if not enough:
            raise AssertionError(f"expected {count} requests to {path or 'any path'}, got {len(got)}")
        return got

    def wait_for(
        self,
        type: str | None = None,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Received], bool] | None = None,
    ) -> list[Received]:
        """Block until ``count`` callbacks (of ``type``, matching ``where``) arrived; return them."""

        def keep(r: Received) -> bool:
            return (type is None or r.callback_type == type) and (where is None or where(r))

        found, enough = self.recording.wait(count, keep, timeout)
        if not enough:
            raise AssertionError(
                f"waited {timeout}s for {count} {type or 'callback'}(s), got {len(found)}\n{self.summary()}"
            )
        return found

    def assert_delivered(
        self, type: str, count: int | None = None, *, timeout: float = 5.0, **expected: Any
    ) -> list[Received]:
        """Assert that callbacks of ``type`` arrived whose bodies contain ``expected`` (a nested subset,
        e.g. ``subscription={"subscription_list": {"id": "1001"}}``); return them.

        Callbacks travel asynchronously, so this waits up to ``timeout`` seconds for at least one
        (``count=None``) or ``count`` of them; with ``count`` it fails if more than ``count`` match.
        ``count=0`` checks at once (call ``catapult.settle()`` first to let due deliveries land).
        On failure the message lists what arrived and, for the closest callback of ``type``, every
        field that differs, by its path (``subscription.subscription_list.id``).
        """

        def keep(r: Received) -> bool:
            return r.callback_type == type and is_subset(expected, r.json)

        want = 1 if count is None else count
        hits, _ = self.recording.wait(want, keep, timeout if want else 0.0)
        if len(hits) >= want and (count is None or len(hits) == count):
            return hits
        raise AssertionError(self._delivery_report(type, count, expected, hits, timeout))

    # -- reports -------------------------------------------------------------------------------

    def summary(self) -> str:
        """Every request received, one line each (what the failure messages show)."""
        got = self.received
        if not got:
            return "received nothing"
        lines = [f"received {len(got)} request(s):"]
        lines += [f"  #{i} {_line(r)}" for i, r in enumerate(got, start=1)]
        return "\n".join(lines)

    def _delivery_report(
        self, type: str, count: int | None, expected: dict[str, Any], hits: list[Received], timeout: float
    ) -> str:
        want = "at least one" if count is None else f"exactly {count}"
        containing = f" containing {show(expected)}" if expected else ""
        waited = f" (waited {timeout}s)" if count != 0 else ""
        lines = [
            f"expected {want} {type} callback(s){containing}; {len(hits)} matched{waited}",
            self.summary(),
        ]
        everything = self.received
        same_type = [i for i, r in enumerate(everything) if r.callback_type == type]
        if not same_type:
            lines.append(f"no {type} callback arrived")
        elif not hits:
            best = same_type[closest(expected, [everything[i].json for i in same_type])]
            lines.append(f"closest {type} is #{best + 1}; it differs in:")
            lines += [f"  {note}" for note in differences(expected, everything[best].json)]
        else:
            ids = [everything.index(r) + 1 for r in hits]
            lines.append(f"matching: {', '.join(f'#{i}' for i in ids)}")
        return "\n".join(lines)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> CallbackInbox:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="callback-inbox", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the callback inbox did not start")
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

    def __enter__(self) -> CallbackInbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        loop.run_until_complete(self._setup())
        self._loop = loop
        ready.set()
        loop.run_forever()
        # A transport closed during the shutdown closes its socket in a callback of the loop (later,
        # if it still had bytes to write): let those run, or the socket is left to the garbage
        # collector (a ResourceWarning in whatever runs next).
        loop.run_until_complete(asyncio.sleep(0.01))
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
            server = self._runner.server
            await self._runner.cleanup()
            await asyncio.sleep(0)  # a connection accepted while the site stopped is registered now
            for handler in list(server.connections if server is not None else ()):
                handler.force_close()  # closed at once, with no keep-alive or answer pending

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
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.hang and self._release is not None:
            await self._release.wait()
        return web.Response(status=answer.status, text=answer.body, headers=dict(answer.headers))


def _line(r: Received) -> str:
    body = r.json
    if not isinstance(body, dict):
        return f"{r.method} {r.path} (not a JSON object: {r.body[:60]!r}) -> {r.status}"
    parts = [str(body.get("callback_type", "?")), f"event_id={body.get('event_id')}"]
    if "delivery_attempt" in body:
        parts.append(f"attempt={body['delivery_attempt']}")
    return f"{'  '.join(parts)} -> {r.status}"

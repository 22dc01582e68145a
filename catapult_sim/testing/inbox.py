"""A callback inbox: a real HTTP receiver on 127.0.0.1 that records what it gets.

It stands in for a CRM's callback endpoint in tests: point a callback registration at ``inbox.url``,
cause an event, then ``inbox.assert_delivered("subscription_added", ...)``. It can be told to fail::

    inbox.fail_next(503, times=2)      # the next two requests get 503
    inbox.respond(status=400)          # every request gets 400 from now on
    inbox.delay_next(2.5)              # the next request is answered after 2.5 s

It is built on the standard library's ``http.server`` (a thread per request); what it records is a
:class:`~catapult_sim.testing.receiver.Received`, as for the aiohttp ``Receiver``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from catapult_sim.testing.matching import closest, differences, is_subset, show
from catapult_sim.testing.receiver import Headers, Received, Recording

__all__ = ["CallbackInbox", "Received"]


@dataclass(slots=True)
class _Rule:
    status: int
    delay: float
    times: int | None  # None: forever
    body: bytes


class CallbackInbox:
    """A threaded HTTP receiver. Use as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = "/hook") -> None:
        self.path = path
        self._host, self._port = host, port
        self._recording = Recording()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> CallbackInbox:
        self._server = ThreadingHTTPServer((self._host, self._port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="callback-inbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> CallbackInbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the inbox is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The URL to register as a callback destination."""
        return self.base_url + self.path

    # -- behaviour -----------------------------------------------------------------------------

    def respond(self, status: int = 200, *, delay: float = 0.0, body: bytes = b"") -> None:
        """Answer every request from now on with ``status`` (after ``delay`` seconds)."""
        with self._lock:
            self._rules = [r for r in self._rules if r.times is not None]
            self._rules.append(_Rule(status, delay, None, body))

    def fail_next(self, status: int = 503, *, times: int = 1, delay: float = 0.0) -> None:
        """Answer the next ``times`` requests with ``status`` (after the rules already queued)."""
        with self._lock:
            queued = len([r for r in self._rules if r.times is not None])
            self._rules.insert(queued, _Rule(status, delay, times, b""))

    def delay_next(self, seconds: float, *, times: int = 1, status: int = 200) -> None:
        """Answer the next ``times`` requests after ``seconds`` (with ``status``)."""
        self.fail_next(status, times=times, delay=seconds)

    def reset(self) -> None:
        """Forget what was received and every behaviour."""
        with self._lock:
            self._rules.clear()
        self._recording.clear()

    def _next_rule(self) -> _Rule:
        with self._lock:
            for rule in self._rules:
                if rule.times is None:
                    return rule
                if rule.times > 0:
                    rule.times -= 1
                    return rule
            return _Rule(200, 0.0, None, b"")

    def _record(self, item: Received) -> None:
        self._recording.add(item)

    # -- inspection ----------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        """Every request received, in arrival order."""
        return self._recording.items()

    def of_type(self, callback_type: str | None) -> list[Received]:
        """The callbacks of one type (every request for None)."""
        return self._recording.items(lambda r: callback_type is None or r.callback_type == callback_type)

    def bodies(self, callback_type: str | None = None) -> list[Any]:
        """The JSON bodies of the callbacks of one type (or all), in arrival order."""
        return [r.json for r in self.of_type(callback_type)]

    def __iter__(self) -> Iterator[Received]:
        return iter(self.received)

    def __len__(self) -> int:
        return len(self.received)

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

        found, enough = self._recording.wait(count, keep, timeout)
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
        hits, _ = self._recording.wait(want, keep, timeout if want else 0.0)
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


def _line(r: Received) -> str:
    body = r.json
    if not isinstance(body, dict):
        return f"{r.method} {r.path} (not a JSON object: {r.body[:60]!r}) -> {r.status}"
    parts = [str(body.get("callback_type", "?")), f"event_id={body.get('event_id')}"]
    if "delivery_attempt" in body:
        parts.append(f"attempt={body['delivery_attempt']}")
    return f"{'  '.join(parts)} -> {r.status}"


def _handler(inbox: CallbackInbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            rule = inbox._next_rule()
            if rule.delay:
                time.sleep(rule.delay)
            headers = Headers(self.headers.items())
            inbox._record(Received(self.command, self.path, headers, body, status=rule.status))
            try:
                self.send_response(rule.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(rule.body)))
                self.end_headers()
                self.wfile.write(rule.body)
            except (BrokenPipeError, ConnectionResetError):  # the sender gave up (its timeout)
                pass

        do_POST = do_PUT = do_GET = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler

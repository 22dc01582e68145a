"""A callback inbox: a real HTTP receiver on 127.0.0.1 that records what it gets.

It stands in for a CRM's callback endpoint in tests: point a callback registration at ``inbox.url``,
cause an event, then ``inbox.wait_for(type="subscription_added")``. It can be told to fail::

    inbox.fail_next(503, times=2)      # the next two requests get 503
    inbox.respond(status=400)          # every request gets 400 from now on
    inbox.delay_next(2.5)              # the next request is answered after 2.5 s
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from simulator.testing.matching import describe_mismatch, is_subset


@dataclass(slots=True)
class Received:
    """One request the inbox received, and what it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    received_at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def callback_type(self) -> str | None:
        data = self.json
        return data.get("callback_type") if isinstance(data, dict) else None


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
        self._received: list[Received] = []
        self._rules: list[_Rule] = []
        self._cond = threading.Condition()
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
        with self._cond:
            self._rules = [r for r in self._rules if r.times is not None]
            self._rules.append(_Rule(status, delay, None, body))

    def fail_next(self, status: int = 503, *, times: int = 1, delay: float = 0.0) -> None:
        """Answer the next ``times`` requests with ``status``."""
        with self._cond:
            self._rules.insert(
                len([r for r in self._rules if r.times is not None]), _Rule(status, delay, times, b"")
            )

    def delay_next(self, seconds: float, *, times: int = 1, status: int = 200) -> None:
        self.fail_next(status, times=times, delay=seconds)

    def reset(self) -> None:
        """Forget what was received and every behaviour."""
        with self._cond:
            self._received.clear()
            self._rules.clear()

    def _next_rule(self) -> _Rule:
        with self._cond:
            for rule in self._rules:
                if rule.times is None:
                    return rule
                if rule.times > 0:
                    rule.times -= 1
                    return rule
            return _Rule(200, 0.0, None, b"")

    def _record(self, item: Received) -> None:
        with self._cond:
            self._received.append(item)
            self._cond.notify_all()

    # -- inspection ----------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        with self._cond:
            return list(self._received)

    def of_type(self, callback_type: str | None) -> list[Received]:
        return [r for r in self.received if callback_type is None or r.callback_type == callback_type]

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

        def matching() -> list[Received]:
            return [
                r
                for r in self._received
                if (type is None or r.callback_type == type) and (where is None or where(r))
            ]

        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := matching()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [r.callback_type for r in self._received]
                    raise AssertionError(
                        f"waited {timeout}s for {count} {type or 'callback'}(s), got {len(found)};"
                        f" received so far: {seen}"
                    )
                self._cond.wait(left)
            return found

    def assert_delivered(self, type: str, count: int | None = None, **expected: Any) -> list[Received]:
        """Assert callbacks of ``type`` arrived whose bodies contain ``expected`` (a nested subset).

        On failure the message shows the closest body and how it differs.
        """
        candidates = self.of_type(type)
        hits = [r for r in candidates if is_subset(expected, r.json)]
        if (count is None and hits) or (count is not None and len(hits) == count):
            return hits
        want = "at least one" if count is None else str(count)
        lines = [f"expected {want} {type} callback(s) containing {json.dumps(expected)}, found {len(hits)}"]
        if candidates and not hits:
            lines.append(describe_mismatch(expected, [r.json for r in candidates]))
        elif not candidates:
            lines.append(f"no {type} callback arrived; got: {[r.callback_type for r in self.received]}")
        raise AssertionError("\n".join(lines))


def _handler(inbox: CallbackInbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            rule = inbox._next_rule()
            if rule.delay:
                time.sleep(rule.delay)
            headers = {k.lower(): v for k, v in self.headers.items()}
            inbox._record(Received(self.command, self.path, headers, body, rule.status))
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

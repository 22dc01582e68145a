"""How the simulator is served: uvicorn with limits a shared instance needs.

uvicorn's httptools protocol accepts request headers of any size and waits forever for a request
that starts and never ends (slowloris, or a body dripped a byte at a time); its keep-alive timeout
only starts after a first answer. :class:`GuardedHttp` adds, per connection:

- a cap on the request line and headers (``--max-header-bytes``): past it, 431 and the connection
  closed, before the rest is read;
- an idle timeout (``--idle-timeout``): a connection that sends no request within it is closed,
  and uvicorn's keep-alive timeout between requests is the same value;
- a request timeout (``--request-timeout``): a request whose headers and body have not fully
  arrived within it is answered 408 (when nothing was answered yet) and the connection closed.

``--max-concurrency`` is uvicorn's own ``limit_concurrency`` (503 past it).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import uvicorn

try:  # httptools is not on every platform; without it uvicorn's h11 protocol serves (its own header cap)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    _HAS_HTTPTOOLS = True
except ImportError:  # pragma: no cover
    HttpToolsProtocol = object  # type: ignore[misc,assignment]
    _HAS_HTTPTOOLS = False

from catapult_sim.core.clock import duration_seconds
from catapult_sim.settings import Settings


class _HeadersTooLarge(Exception):
    pass


def _plain(status: int, reason: str, code: int, message: str) -> bytes:
    body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header cap, an idle and a request timeout."""

    max_header_bytes: int = 16 * 1024
    idle_timeout: float = 5.0
    request_timeout: float = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes = 0  # of the current request's line and headers, as far as seen
        self._in_headers = True  # waiting for, or reading, a request line and headers
        self._phase = 0  # moves on at every end of headers and end of message
        self._bound = 0  # at most this many bytes of line and headers: what arrived since they began
        self._idle: asyncio.TimerHandle | None = None
        # One timer per connection checks the request timeout lazily: a request that starts notes
        # its time, and the timer (armed if none is) looks at whichever request is open when it
        # fires. Arming and cancelling a timer for every request cost more than the request's check.
        self._deadline: asyncio.TimerHandle | None = None
        self._started = 0.0  # when the open request began (loop time)
        self._open = False  # a request's line, headers or body are still arriving

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._idle = self.loop.call_later(self.idle_timeout, self._close_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        phase = self._phase
        self._bound = self._header_bytes + len(data)
        super().data_received(data)
        if phase != self._phase or not self._in_headers or self.transport.is_closing():
            return
        # The whole chunk was bytes of an unfinished request line or header, which httptools keeps
        # to itself until it is complete: counted here so that it cannot grow without bound.
        self._header_bytes += len(data)
        if self._header_bytes > self.max_header_bytes:
            self.send_400_response("")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        self._started = self.loop.time()
        self._open = True
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.request_timeout, self._check_deadline)

    def on_headers_complete(self) -> None:
        self._phase += 1
        self._in_headers = False
        if self._bound > self.max_header_bytes:
            # Complete now, and perhaps too large: the exact size replaces the estimate.
            self._header_bytes = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
            if self._header_bytes > self.max_header_bytes:
                raise _HeadersTooLarge  # httptools stops; data_received answers (send_400_response)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._phase += 1
        self._in_headers = True
        self._header_bytes = 0
        self._open = False
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if self._header_bytes > self.max_header_bytes:
            message = f"the request line and headers are larger than {self.max_header_bytes} bytes"
            self.transport.write(_plain(431, "Request Header Fields Too Large", 8, message))
            self.transport.close()
            return
        super().send_400_response(msg)

    def _close_idle(self) -> None:
        self._idle = None
        if not self.transport.is_closing():
            self.transport.close()

    def _check_deadline(self) -> None:
        self._deadline = None
        if not self._open:
            return  # armed again by the next request
        left = self._started + self.request_timeout - self.loop.time()
        if left > 0:
            self._deadline = self.loop.call_later(left, self._check_deadline)
        else:
            self._too_slow()

    def _too_slow(self) -> None:
        if self.transport.is_closing():
            return
        cycle = self.cycle
        # While a request's line and headers arrive, self.cycle is still the previous request's
        # (answered) cycle on a kept connection: this request has had no answer yet either way.
        if self._in_headers or cycle is None or not cycle.response_started:
            message = f"the request did not arrive in full within {self.request_timeout:g}s"
            self.transport.write(_plain(408, "Request Timeout", 2, message))
        self.transport.close()  # connection_lost marks the cycle disconnected: the app writes nothing more

    def _cancel(self) -> None:
        for timer in (self._idle, self._deadline):
            if timer is not None:
                timer.cancel()
        self._idle = self._deadline = None


def protocol_for(settings: Settings) -> type[GuardedHttp]:
    """A :class:`GuardedHttp` with the limits of ``settings`` (ValueError naming a bad one)."""
    if settings.max_header_bytes < 1024:
        raise ValueError(f"--max-header-bytes {settings.max_header_bytes}: at least 1024")
    if settings.max_concurrency < 0:
        raise ValueError(f"--max-concurrency {settings.max_concurrency}: 0 (no limit) or more")
    return type(
        "GuardedHttp",
        (GuardedHttp,),
        {
            "max_header_bytes": settings.max_header_bytes,
            "idle_timeout": _seconds(settings.idle_timeout, "--idle-timeout"),
            "request_timeout": _seconds(settings.request_timeout, "--request-timeout"),
        },
    )


def _seconds(text: str, flag: str) -> float:
    try:
        seconds = duration_seconds(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 86_400:
        raise ValueError(f"{flag} {text!r}: a duration such as 500ms, 5s or 2m, under a day")
    return seconds


def config(app: Any, settings: Settings, *, host: str | None = None, port: int | None = None) -> uvicorn.Config:
    """The uvicorn configuration ``serve`` runs ``app`` with (tests start the same one)."""
    return uvicorn.Config(
        app,
        host=settings.host if host is None else host,
        port=settings.port if port is None else port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        loop="auto",  # uvloop when installed
        http=protocol_for(settings) if _HAS_HTTPTOOLS else "h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,  # h11 (no httptools): its own cap, a 400
        lifespan="on",
        timeout_keep_alive=max(1, round(_seconds(settings.idle_timeout, "--idle-timeout"))),
        limit_concurrency=settings.max_concurrency or None,
        # An open inspector page keeps a live-feed response streaming; on Ctrl-C, wait this long
        # for open requests, then end them, rather than until every page is closed.
        timeout_graceful_shutdown=2,
    )

"""Sending callbacks to the receiver exactly as the simulator's dispatcher does.

Every request is built by :func:`catapult_sim.delivery.sender.outgoing` (so it carries the same
``User-Agent`` and ``X-Catapult-Sim-*`` headers as a real delivery) and sent by
:func:`catapult_sim.delivery.sender.send` (aiohttp, redirects not followed, a 2 KiB answer excerpt), on an
event loop of the transport's own in a background thread, so the synchronous checks (and Hypothesis)
can call it from anywhere, even from inside a running event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import ssl
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp

from catapult_sim.core.callbacks.outbox import Delivery
from catapult_sim.core.store import dumps
from catapult_sim.delivery import sender

T = TypeVar("T")
# Names the check that sent a request, so a receiver's logs can tell suite traffic apart.
H_CHECK = "X-Catapult-Sim-Check"
CONNECT_TIMEOUT = 5.0


class Unreachable(Exception):
    """Nothing accepts connections at the receiver URL; ``str(self)`` says why."""


@dataclass(slots=True, frozen=True)
class Request:
    """One callback to send: ``body`` as compact UTF-8 JSON with this method and content type."""

    label: str
    body: dict[str, Any]
    method: str = "POST"
    content_type: str = "application/json"


@dataclass(slots=True)
class Exchange:
    """A request as sent and what came back (a status with an excerpt, or an error)."""

    check: str
    label: str
    method: str
    url: str
    headers: dict[str, str]
    body: str
    status: int | None
    excerpt: str | None
    latency_ms: float
    error: str | None
    sent_at: float = 0.0  # seconds after the start of a burst

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


class Transport:
    """One aiohttp session on a private event loop; use as a context manager."""

    def __init__(
        self,
        url: str,
        budget: float,
        headers: Sequence[tuple[str, str]] = (),
        tls: ssl.SSLContext | bool = True,
    ) -> None:
        self.url, self.budget, self.extra, self.tls = url, budget, tuple(headers), tls
        self.sent = 0
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="receiver-suite", daemon=True)
        self._thread.start()
        self._session: aiohttp.ClientSession = self._run(self._open())

    async def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=0, ssl=self.tls)  # as the dispatcher's
        return aiohttp.ClientSession(connector=connector)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._run(self._session.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending -------------------------------------------------------------------------------

    def send(self, check: str, request: Request) -> Exchange:
        """Send one callback; wait at most the budget for the answer."""
        return self._run(self._send(check, request))

    def burst(self, check: str, requests: Sequence[Request], rate: float, concurrency: int) -> list[Exchange]:
        """Start one request every ``1 / rate`` seconds (at most ``concurrency`` in flight, as the
        simulator sends to one URL); return them in order, each with its ``sent_at``."""
        return self._run(self._burst(check, requests, rate, concurrency))

    async def _burst(self, check: str, requests: Sequence[Request], rate: float, concurrency: int) -> list[Exchange]:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(concurrency)
        start = loop.time()

        async def one(i: int, request: Request) -> Exchange:
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            async with gate:
                sent_at = loop.time() - start
                exchange = await self._send(check, request)
            exchange.sent_at = sent_at
            return exchange

        return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(requests))))

    async def _send(self, check: str, request: Request) -> Exchange:
        out = self.outgoing(check, request)
        self.sent += 1
        result = await sender.send(self._session, out, self.budget)
        return Exchange(check, request.label, out.method, out.url, out.headers, out.body, result.status,
                        result.excerpt, result.latency_ms, result.error)  # fmt: skip

    def outgoing(self, check: str, request: Request) -> sender.Outgoing:
        """The request the dispatcher would send for a delivery of this body, plus the check's name."""
        body = request.body
        attempt = str(body.get("delivery_attempt", "1"))
        delivery = Delivery(
            next(self._ids), "", str(body.get("callback_id", "")), str(body.get("callback_type", "")),
            str(body.get("event_id", "")), str(body.get("event_date", "")), self.url, request.method,
            request.content_type, dumps(body), "pending", 0, None, "", "", None, None, None, False,
        )  # fmt: skip
        out = sender.outgoing(delivery, int(attempt) if attempt.isdigit() else 1)
        headers = {**out.headers, H_CHECK: check}
        for key, value in self.extra:
            headers[key] = value
        return sender.Outgoing(out.method, out.url, headers, out.body)


def preflight(url: str, timeout: float = CONNECT_TIMEOUT, tls: ssl.SSLContext | bool = True) -> None:
    """Raise :class:`Unreachable` unless something accepts a TCP connection at ``url``'s host and port
    (and, for https, completes a TLS handshake whose certificate ``tls`` accepts).

    Nothing is sent: the receiver only ever sees the checks' callbacks.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if parts.scheme == "https":
                _handshake(sock, host, tls)
            return
    except ssl.SSLCertVerificationError as exc:
        raise Unreachable(
            f"the certificate of {host}:{port} does not verify ({exc.verify_message}): trust its CA with "
            "--ca-file PEM (CATAPULT_RECEIVER_CA_FILE), or skip the check with --insecure "
            "(CATAPULT_RECEIVER_INSECURE=1)"
        ) from None
    except ssl.SSLError as exc:
        raise Unreachable(f"no TLS handshake with {host}:{port} ({exc.reason or exc}): is it https?") from None
    except socket.gaierror as exc:
        raise Unreachable(f"cannot resolve {host!r}: {exc.strerror or exc}") from None
    except TimeoutError:
        raise Unreachable(f"no connection to {host}:{port} within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise Unreachable(f"connection to {host}:{port} refused (is the receiver running?)") from None
    except OSError as exc:
        waited = time.monotonic() - started
        raise Unreachable(f"cannot connect to {host}:{port} ({exc.strerror or exc}, {waited:.1f} s)") from None


def _handshake(sock: socket.socket, host: str, tls: ssl.SSLContext | bool) -> None:
    """A TLS handshake as aiohttp would make it with ``tls`` (True: the system's trust store)."""
    if isinstance(tls, ssl.SSLContext):
        context = tls
    else:
        context = ssl.create_default_context()
        if tls is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    with context.wrap_socket(sock, server_hostname=host):
        pass

"""The test-control middleware: journal, rate limits and faults around the Catapult surface.

Pure ASGI (no BaseHTTPMiddleware): with no rule set, a Catapult call costs an entry object and a
deque append; the dispatch the app gives serves it without wrapping ``receive``/``send`` (only a
call the router answers itself, a 404 or 405, or one a fault rule touches goes through copies).
``/_sim`` and anything not under ``/companies/`` pass straight through and are not journaled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any, Protocol

import anyio

from catapult_sim.core.clock import Clock
from catapult_sim.errors import Code
from catapult_sim.surface import wire
from catapult_sim.surface.faults import FaultRule, Faults
from catapult_sim.surface.journal import BODY_LIMIT, EXCERPT_LIMIT, Entry, Journal, PathTable, pack_headers
from catapult_sim.surface.ratelimit import RateLimits

PREFIX = "/companies/"


class Surface(Protocol):
    """What the middleware reads of the simulator (``catapult_sim.sim.Simulator`` has these)."""

    @property
    def clock(self) -> Clock: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def rate_limits(self) -> RateLimits: ...


# Serves a Catapult call itself, filling the journal entry (template, body, status, answer) as it goes;
# False when it leaves the call to the app. The app factory supplies it (routes.CatapultDispatch).
Dispatch = Callable[[dict[str, Any], Any, Any, Entry], Awaitable[bool]]


class ControlMiddleware:
    """Wraps the whole app (outermost), so it sees what went over the wire."""

    def __init__(self, app: Any, sim: Surface, table: PathTable, dispatch: Dispatch) -> None:
        self.app = app
        self.sim = sim
        self.table = table
        self.dispatch = dispatch

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].endswith("/") and len(scope["path"]) > 1:
            # Every path answers with and without one trailing slash, with no redirect (docs/
            # endpoints.md); the routing table holds the bare form only, so routing scans half as
            # many patterns. The journal still records the path as sent.
            scope = {**scope, "path": scope["path"][:-1], "catapult_sim.sent_path": scope["path"]}
        if not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        sim, path, started = self.sim, scope.get("catapult_sim.sent_path", scope["path"]), perf_counter()
        entry = Entry(sim.clock.now(), path.split("/", 3)[2], scope["method"], path,
                      scope["query_string"], pack_headers(scope["headers"]))  # fmt: skip
        try:
            if sim.rate_limits.enabled and await self._throttled(entry, receive, send):
                return
            faults = sim.faults
            rule = None
            if faults.any and faults.concerns(entry.company):
                entry.template = self.table.resolve(path)
                rule = faults.pick(entry.company, entry.method, entry.template)
            if rule is None:
                if not await self.dispatch(scope, receive, send, entry):
                    await self._forward(scope, receive, send, entry)
            else:
                await self._inject(rule, scope, receive, send, entry)
        finally:
            entry.latency_ms = (perf_counter() - started) * 1000
            sim.journal.record(entry)

    async def _forward(self, scope: dict[str, Any], receive: Any, send: Any, entry: Entry) -> None:
        """Run the app, keeping a copy of the request body and the start of the response."""
        chunks: list[bytes] = []

        async def receive_copy() -> Any:
            message = await receive()
            if message["type"] == "http.request" and message.get("body"):
                chunks.append(message["body"])
            return message

        async def send_copy(message: Any) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
            elif message["type"] == "http.response.body" and len(entry.response) < EXCERPT_LIMIT:
                entry.response = (entry.response + message.get("body", b""))[:EXCERPT_LIMIT]
            await send(message)

        try:
            await self.app(scope, receive_copy, send_copy)
        finally:
            body = b"".join(chunks)
            entry.body, entry.body_truncated = body[:BODY_LIMIT], len(body) > BODY_LIMIT
            route = scope.get("route")
            if route is not None and entry.template is None:
                entry.template = getattr(route, "path", "").rstrip("/") or None

    async def _throttled(self, entry: Entry, receive: Any, send: Any) -> bool:
        """Answer 429 when the company is over its limit (fact sheet §1.6); True if it was."""
        limits = self.sim.rate_limits
        wait = limits.admit(entry.company, entry.time.timestamp())
        if wait is None:
            return False
        entry.throttled = True
        entry.template = self.table.resolve(entry.path)
        await wire.read_body(receive, entry)
        limit = limits.limit(entry.company)
        message = f"Too Many Requests: more than {limit} requests per second for company {entry.company}"
        body = {"errors": [{"code": int(Code.RATE_LIMITED), "message": message}]}
        # Vibes documents no Retry-After (fact sheet §1.6); it is sent only when turned on.
        extra = [(b"retry-after", limits.retry_after_header(wait).encode())] if limits.retry_after else None
        await wire.answer_json(send, entry, 429, body, extra)
        return True

    async def _inject(self, rule: FaultRule, scope: dict[str, Any], receive: Any, send: Any, e: Entry) -> None:
        """Apply one rule: its latency first, then its kind of misbehaviour."""
        delay = max(0.0, rule.delay_ms())
        e.fault = rule.mark(delay)
        if delay:
            await anyio.sleep(delay / 1000)
        if rule.kind == "latency":
            await self._forward(scope, receive, send, e)
        elif rule.kind == "truncated":
            await self._truncated(scope, receive, send, e)
        else:
            await wire.read_body(receive, e)
            if rule.kind == "status":
                await wire.answer_json(send, e, rule.status or 500, rule.envelope())
            elif rule.kind == "empty":
                await wire.answer(send, e, rule.status or 200, b"")
            else:
                await wire.reset(receive, send)

    async def _truncated(self, scope: dict[str, Any], receive: Any, send: Any, entry: Entry) -> None:
        """The call really runs (state changes stick); only its answer is cut short."""
        start: dict[str, Any] = {}
        parts: list[bytes] = []

        async def hold(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self._forward(scope, receive, hold, entry)
        await wire.truncated(receive, send, start, b"".join(parts), entry)

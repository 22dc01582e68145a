"""Callback receivers with one realistic bug each, for proving that the receiver suite catches it.

Each is a small Starlette app; :func:`serve` runs one on 127.0.0.1 (a free port) in a thread and
yields the URL of its ``/hook`` endpoint. :func:`correct` is the receiver every check passes.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from catapult_sim.testing.payloads import CUSTOM_FIELDS
from catapult_sim.testing.server import serve_in_thread

Flaw = Callable[[Request, bytes, Any], Awaitable[Response | None]]
SCHEMAS = Path(__file__).resolve().parents[2] / "catapult_sim" / "schemas"


def app(flaw: Flaw | None = None, methods: tuple[str, ...] = ("POST", "PUT")) -> Starlette:
    """A receiver that parses any JSON body, takes duplicates in its stride and answers 200 — unless
    ``flaw`` returns an answer first. Duplicates are recognised by event_id, as a CRM should."""
    seen: set[str] = set()

    async def hook(request: Request) -> Response:
        raw = await request.body()
        if flaw is not None and (answer := await flaw(request, raw, seen)) is not None:
            return answer
        try:
            body = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, 400)
        if not isinstance(body, dict) or not isinstance(body.get("event_id"), str):
            return JSONResponse({"error": "missing event_id"}, 400)
        if body["event_id"] in seen:
            return JSONResponse({"status": "duplicate, already processed"})
        seen.add(body["event_id"])
        return JSONResponse({"status": "processed"})

    return Starlette(routes=[Route("/hook", hook, methods=list(methods))])


@contextmanager
def serve(application: Starlette) -> Iterator[str]:
    with serve_in_thread(application) as server:
        yield server.url + "/hook"


def correct() -> Starlette:
    return app()


# -- one bug each --------------------------------------------------------------------------------


def dies_on_duplicates() -> Starlette:
    """(a) Inserts every event_id under a unique constraint: a duplicate is a 500."""

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        event = json.loads(raw).get("event_id")
        if event in seen:
            return JSONResponse({"error": "UNIQUE constraint failed: events.event_id"}, 500)
        return None

    return app(flaw)


def _known_fields() -> set[str]:
    names: set[str] = set(CUSTOM_FIELDS)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}) if isinstance(node.get("properties"), dict) else {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in SCHEMAS.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return names


def rejects_unknown_fields() -> Starlette:
    """(b) Validates with a closed model (every field it knows today, nothing else): 400 otherwise."""
    known = _known_fields()

    def unknown(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [k for k in node if k not in known] + [u for v in node.values() for u in unknown(v)]
        return [u for v in node for u in unknown(v)] if isinstance(node, list) else []

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        extra = unknown(json.loads(raw))
        return JSONResponse({"error": f"unexpected fields: {extra}"}, 400) if extra else None

    return app(flaw)


def too_slow(seconds: float) -> Starlette:
    """(c) Does its heavy work before answering: every answer takes ``seconds``."""

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        await asyncio.sleep(seconds)
        return None

    return app(flaw)


def one_at_a_time(seconds: float) -> Starlette:
    """(c') Handles one callback at a time (a global lock) and each takes ``seconds``: fine one by
    one, falls behind when many arrive together."""
    lock = threading.Lock()

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        await asyncio.to_thread(_serialised, lock, seconds)
        return None

    return app(flaw)


def _serialised(lock: threading.Lock, seconds: float) -> None:
    with lock:
        time.sleep(seconds)


def post_only() -> Starlette:
    """(d) Routes POST only: a PUT registration gets 405."""
    return app(methods=("POST",))


def no_emoji() -> Starlette:
    """(e) Stores text in a 3-byte UTF-8 column (MySQL utf8mb3): 500 on any emoji (4-byte character)."""

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        if any(ord(c) > 0xFFFF for c in raw.decode("utf-8")):
            return JSONResponse({"error": "Incorrect string value: '\\xF0\\x9F...' for column 'name'"}, 500)
        return None

    return app(flaw)


def ascii_only() -> Starlette:
    """(e') Encodes the body as ASCII somewhere: 500 on any non-ASCII character."""

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        try:
            raw.decode("ascii")
        except UnicodeDecodeError as exc:
            return JSONResponse({"error": f"UnicodeDecodeError: {exc.reason}"}, 500)
        return None

    return app(flaw)


def json_content_type_only() -> Starlette:
    """(f) Parses the body only when it is application/json (like many body-parser defaults): a
    text/json callback looks empty and is refused for its missing event_id."""

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "missing event_id"}, 400)
        return None

    return app(flaw)


def e164_only() -> Starlette:
    """(g) Validates every MDN as E.164 (written for API version 2): a national number is a 422."""

    def mdns(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["mdn"]] if isinstance(node.get("mdn"), str) else []
            return own + [m for v in node.values() for m in mdns(v)]
        return [m for v in node for m in mdns(v)] if isinstance(node, list) else []

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        bad = [m for m in mdns(json.loads(raw)) if not m.startswith("+")]
        return JSONResponse({"error": f"invalid phone number {bad[0]}"}, 422) if bad else None

    return app(flaw)


def z_dates_only() -> Starlette:
    """(h) Parses opt_out_date with one strptime format ending in Z: +0000 or milliseconds are a 422."""

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        value = (json.loads(raw).get("subscription") or {}).get("opt_out_date")
        if value is None:
            return None
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return JSONResponse({"error": f"bad opt_out_date {value}"}, 422)
        return None

    return app(flaw)


def needs_external_id() -> Starlette:
    """(i) Looks the subscriber up by external_person_id alone: a person without one is a 500."""

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        body = json.loads(raw)
        block = body.get("person") or (body.get("subscription") or body.get("participant") or {}).get("person")
        if isinstance(block, dict) and "external_person_id" not in block:
            return JSONResponse({"error": "KeyError: 'external_person_id'"}, 500)
        return None

    return app(flaw)


def short_custom_fields(limit: int = 5) -> Starlette:
    """Stores custom field values in a column too narrow: 500 for any string value over ``limit``."""

    def too_long(body: Any) -> bool:
        fields = (body.get("person") or {}).get("custom_fields") or {}
        return any(isinstance(v, str) and len(v) > limit for v in fields.values())

    async def flaw(request: Request, raw: bytes, seen: Any) -> Response | None:
        if too_long(json.loads(raw)):
            return JSONResponse({"error": f"value too long for type character varying({limit})"}, 500)
        return None

    return app(flaw)


def recorder() -> tuple[Starlette, list[tuple[str, dict[str, str], bytes]]]:
    """A correct receiver that also keeps (method, headers, body) of every request it gets."""
    seen: list[tuple[str, dict[str, str], bytes]] = []

    async def flaw(request: Request, raw: bytes, _: Any) -> Response | None:
        seen.append((request.method, dict(request.headers), raw))
        return None

    return app(flaw), seen

"""Calling the control API's own endpoint functions in-process, so the inspector adds no behaviour.

A button on the Act page builds the same JSON body a client would send and hands it to the same
function ``POST /_sim/...`` runs; the answer (or the error envelope) comes back as data for the page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from catapult_sim.core import jsonio
from catapult_sim.errors import CatapultError

Endpoint = Callable[[Request], Awaitable[Response]]


async def call(
    request: Request,
    endpoint: Endpoint,
    *,
    method: str = "GET",
    path_params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    """Run ``endpoint`` as if a client had called it; returns (status, decoded JSON answer)."""
    if body is None and method == "POST":
        body = {}  # control POSTs that change state take a JSON body
    payload = jsonio.dumps_bytes(body) if body is not None else b""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    scope = {
        "type": "http",
        "method": method,
        "path": request.url.path,
        "query_string": urlencode(query or {}).encode(),
        "headers": headers if body is not None else [],
        "app": request.scope["app"],
        "path_params": path_params or {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    try:
        response = await endpoint(Request(scope, receive))
    except CatapultError as exc:
        return exc.status, exc.envelope()
    return response.status_code, orjson.loads(bytes(response.body)) if response.body else None

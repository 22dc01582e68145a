"""Response conformance: every JSON answer of the simulator against its schema in simulator/schemas.

The schema of each (method, route, status) comes from the routing table (``Op.returns``, ``Op.ok``),
the same place the OpenAPI document reads it from; every 4XX/5XX is the error envelope.

    from conformance import attach
    attach(client)            # every later response of ``client`` is checked
    assert_conforms(response) # or check one
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import httpx2 as httpx
from starlette.routing import compile_path

from simulator import openapi, schemas
from simulator.routes import Op, all_ops


@cache
def _compiled() -> list[tuple[re.Pattern[str], Op]]:
    return [(compile_path(op.path)[0], op) for op in all_ops()]


def route_of(method: str, path: str) -> Op | None:
    """The operation serving ``method path`` (with or without a trailing slash), if any."""
    bare = path.rstrip("/") or "/"
    for pattern, op in _compiled():
        if op.method == method.upper() and pattern.match(bare):
            return op
    return None


def schema_for(method: str, path: str, status: int) -> str | None:
    """The schema notation (``Op.returns`` style) a response must match, or None when unchecked."""
    if status >= 400:
        return "error-envelope"
    op = route_of(method, path)
    if op is None or status not in op.ok:
        return None
    return op.returns or None


def problems(response: httpx.Response) -> list[str]:
    """Why the response breaks its schema ([] when it conforms or names no schema)."""
    request = response.request
    expected = schema_for(request.method, request.url.path, response.status_code)
    if expected is None or not response.content:
        return []
    body: Any = response.json()
    if expected == "error-envelope":
        return [p.message for p in schemas.problems("error-envelope", body)]
    return openapi.body_problems(expected, body)


def assert_conforms(response: httpx.Response) -> None:
    found = problems(response)
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert not found, f"{where} breaks its schema: {found}\n{response.text[:2000]}"


def attach(client: httpx.Client, seen: set[tuple[str, str, int]] | None = None) -> None:
    """Check every later response of ``client``; record (method, route, status) into ``seen``."""

    def hook(response: httpx.Response) -> None:
        response.read()
        assert_conforms(response)
        op = route_of(response.request.method, response.request.url.path)
        if seen is not None and op is not None:
            seen.add((op.method, op.path, response.status_code))

    client.event_hooks["response"].append(hook)

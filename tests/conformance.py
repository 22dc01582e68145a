"""Response conformance: every JSON answer of the simulator against its schema in catapult_sim/schemas.

The schema of each (method, route, status) comes from the routing table (``Op.returns``, ``Op.ok``),
the same place the OpenAPI document reads it from; every 4XX/5XX is the error envelope.

    from conformance import attach
    attach(client)            # every later response of ``client`` is checked
    assert_conforms(response) # or check one

tests/conftest.py attaches this to every in-process TestClient a test makes; a test that breaks
answers on purpose opts out with ``@pytest.mark.nonconforming("why")``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import httpx2 as httpx
from starlette.routing import compile_path

from catapult_sim import openapi, schemas
from catapult_sim.routes import Op, all_ops

_ATTACHED = "_catapult_sim_conformance"


@cache
def _compiled() -> list[tuple[re.Pattern[str], Op]]:
    return [(compile_path(op.path)[0], op) for op in all_ops()]


def route_of(method: str, path: str) -> Op | None:
    """The operation serving ``method path`` (with or without a trailing slash), if any.

    Routes are tried in routing-table order, as the router does, so a literal path such as
    ``/_sim/journal/count`` is not taken for ``/_sim/journal/{entry_id}``.
    """
    bare = path.rstrip("/") or "/"
    method = "GET" if method.upper() == "HEAD" else method.upper()
    for pattern, op in _compiled():
        if op.method == method and pattern.match(bare):
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
    if expected is None or request.method == "HEAD" or response.status_code == 204:
        return []
    if request.url.path.startswith("/_sim/ui") and response.headers.get("content-type", "").startswith("text/html"):
        return []  # the inspector's pages are for people: a missing record is an HTML page
    if not response.content:
        return [f"an empty body, expected {expected}"]
    if not response.headers.get("content-type", "").startswith("application/json"):
        return [f"content type {response.headers.get('content-type')!r}, expected JSON ({expected})"]
    try:
        body: Any = response.json()
    except ValueError as exc:
        return [f"the body is not JSON ({exc}), expected {expected}"]
    if expected == "error-envelope":
        return [p.message for p in schemas.problems("error-envelope", body)]
    return openapi.body_problems(expected, body)


def assert_conforms(response: httpx.Response) -> None:
    found = problems(response)
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert not found, f"{where} breaks its schema: {found}\n{response.text[:2000]}"


def attach(client: httpx.Client, seen: set[tuple[str, str, int]] | None = None) -> None:
    """Check every later response of ``client``; record (method, route, status) into ``seen``.

    Attaching twice checks once (``seen`` of the second call is still filled).
    """

    def hook(response: httpx.Response) -> None:
        response.read()
        assert_conforms(response)

    def record(response: httpx.Response) -> None:
        op = route_of(response.request.method, response.request.url.path)
        if seen is not None and op is not None:
            seen.add((op.method, op.path, response.status_code))

    hooks = client.event_hooks["response"]
    if not getattr(client, _ATTACHED, False):
        hooks.append(hook)
        setattr(client, _ATTACHED, True)
    if seen is not None:
        hooks.append(record)

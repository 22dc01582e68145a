"""Assertions shared by the provider suite."""

from __future__ import annotations

import re
from typing import Any

import httpx

from catapult_sim import schemas

WIRE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$")

# Demo seed of catapult-sim; against another target, the same ids must exist there.
SINGLE_OPT_IN = "DemoSOI1"
SINGLE_LIST = "1001"
DOUBLE_OPT_IN = "DemoDOI1"
DOUBLE_LIST = "1002"


def conforms(schema: str, body: Any) -> Any:
    """Assert ``body`` validates against ``schemas/<schema>.json``; return it."""
    found = schemas.problems(schema, body)
    assert not found, f"body does not match {schema}: " + "; ".join(p.message for p in found)
    return body


def ok(resp: httpx.Response, *statuses: int, schema: str | None = None) -> Any:
    """Assert the status is one of ``statuses`` and (when given) the body matches ``schema``."""
    assert resp.status_code in statuses, f"expected {statuses}, got {resp.status_code}: {resp.text}"
    body = resp.json() if resp.content else None
    if schema is not None:
        if isinstance(body, list):
            for item in body:
                conforms(schema, item)
        else:
            conforms(schema, body)
    return body


def error(resp: httpx.Response, status: int) -> list[dict[str, Any]]:
    """Assert a 4xx in the documented envelope (fact sheet §1.5); return its entries."""
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text}"
    body = conforms("error-envelope", resp.json())
    entries: list[dict[str, Any]] = body["errors"]
    return entries


def national(e164: str) -> str:
    return e164[2:]

"""Every path of the routing table, every method, with and without the trailing slash: never a 5xx."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.routes import all_ops

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def _paths() -> dict[str, set[str]]:
    allowed: dict[str, set[str]] = {}
    for op in all_ops():
        allowed.setdefault(op.path, set()).add(op.method)
    return allowed


def served_elsewhere(url: str, method: str) -> bool:
    """Another path of the table also matches ``url`` (a parameter slot) and serves ``method``."""
    for path, allowed in _paths().items():
        pattern = re.sub(r"\{\w+\}", "[^/]+", path) + "/?"
        if method in allowed | ({"HEAD"} if "GET" in allowed else set()) and re.fullmatch(pattern, url):
            return True
    return False


def concrete(path: str) -> str:
    """The path with its parameters filled in (the demo company, placeholders elsewhere)."""
    return re.sub(r"\{(\w+)\}", lambda m: "demo" if m.group(1) == "company_key" else "x1", path)


@pytest.mark.parametrize(("path", "allowed"), sorted(_paths().items()))
def test_each_method_answers_in_the_envelope(client: TestClient, path: str, allowed: set[str]) -> None:
    served = allowed | ({"HEAD"} if "GET" in allowed else set())  # Starlette adds HEAD to GET routes
    for url in (concrete(path), concrete(path) + "/"):
        for method in METHODS:
            r = client.request(method, url, follow_redirects=False)
            assert r.status_code < 500 and not 300 <= r.status_code < 400, (method, url, r.text)
            if method not in served and not served_elsewhere(url, method):
                assert r.status_code == 405, (method, url)
                assert set(r.headers["Allow"].replace(" ", "").split(",")) == served
            if r.status_code >= 400 and method != "HEAD":
                assert schemas.is_valid("error-envelope", r.json()), (method, url, r.text)

"""A literal path that a parameterised path also matches answers 405 for the other path's methods,
instead of reaching the parameterised endpoint (GET /_sim/journal/verify is not journal entry
"verify")."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from catapult_sim.routes import CATAPULT_OPS, CONTROL_OPS, _by_path, _shadowing_methods


def _shadowed() -> list[tuple[str, str, str]]:
    """(path, method it does not serve but a parameterised path would, the methods it serves)."""
    out = []
    for ops in (CATAPULT_OPS, CONTROL_OPS):
        by_path = _by_path(ops)
        for path, handlers in by_path.items():
            served = set(handlers)
            served |= {"HEAD"} if "GET" in served else set()
            for method in sorted(_shadowing_methods(path, by_path) - served):
                out.append((path, method, ", ".join(sorted(served))))
    return out


SHADOWED = _shadowed()


def test_the_known_cases_are_found() -> None:
    assert {(p, m) for p, m, _ in SHADOWED} >= {
        ("/_sim/journal/verify", "GET"),
        ("/_sim/deliveries/replay-failed", "GET"),
    }


@pytest.mark.parametrize(("path", "method", "allow"), SHADOWED)
@pytest.mark.parametrize("slash", ["", "/"])
def test_a_shadowed_method_is_a_405_naming_the_allowed_ones(
    client: TestClient, path: str, method: str, allow: str, slash: str
) -> None:
    for verb in (method, "HEAD") if method == "GET" else (method,):
        r = client.request(verb, path + slash)
        assert r.status_code == 405, (verb, r.text)
        assert r.headers["Allow"] == allow
        if verb != "HEAD":
            assert r.json()["errors"][0]["code"] == 21


def test_the_paths_still_answer_their_own_methods(client: TestClient) -> None:
    assert client.post("/_sim/journal/verify", json={"times": 0}).json()["ok"] is True
    assert client.post("/_sim/deliveries/replay-failed", json={}).json() == {"replayed": [], "count": 0}
    client.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": "2135551234"}})
    assert client.get("/_sim/journal/1").json()["id"] == 1
    assert client.get("/_sim/journal/count").json()["count"] == 1
    assert client.get("/_sim/deliveries/7").status_code == 404
    assert client.get("/_sim/deliveries/attempts").json() == []

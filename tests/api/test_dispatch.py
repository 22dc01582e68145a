"""The Catapult surface served straight from the routing table (routes.CatapultDispatch) answers and
journals every call exactly as the router does, and its path index picks what the router picks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.routing import compile_path
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.routes import CATAPULT_OPS, CatapultDispatch, catapult_paths
from catapult_sim.settings import Settings
from tests.conftest import basic

TEMPLATES = list(dict.fromkeys(op.path for op in CATAPULT_OPS))
SEGMENTS = sorted({s for t in TEMPLATES for s in t.split("/") if s and not s.startswith("{")})


def _scan(path: str) -> list[tuple[str, dict[str, str]]]:
    """What a router scanning the templates in table order finds (Starlette's own path regexes)."""
    out = []
    for template in TEMPLATES:
        match = compile_path(template)[0].match(path)
        if match:
            out.append((template, match.groupdict()))
    return out


@given(st.lists(st.sampled_from([*SEGMENTS, "demo", "abc", "42", ""]) | st.text(min_size=0, max_size=4), max_size=8))
def test_the_path_index_finds_what_a_scan_of_the_table_finds(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    scanned = _scan(path)
    assert catapult_paths().matches(path) == scanned
    assert catapult_paths().first(path) == (scanned[0] if scanned else None)


@given(st.sampled_from(TEMPLATES), st.data())
def test_every_template_is_found_with_its_parameters(template: str, data: st.DataObject) -> None:
    value = st.text(st.characters(blacklist_characters="/"), min_size=1, max_size=12)
    path = "/".join(data.draw(value) if s.startswith("{") else s for s in template.split("/"))
    found = catapult_paths().matches(path)
    assert found == _scan(path)
    assert template in [t for t, _ in found]
    assert catapult_paths().first(path) == found[0]


def test_two_templates_for_one_path_come_in_table_order() -> None:
    path = "/companies/demo/mobiledb/persons/external/subscriptions"
    found = catapult_paths().matches(path)
    assert [t for t, _ in found] == [t for t, _ in _scan(path)] and len(found) == 2
    assert catapult_paths().first(path) == found[0]


# -- the same answers and journal entries with and without the dispatch ---------------------------

AUTH = {"Authorization": basic()}
P = "/companies/demo/mobiledb/persons"
CALLS: list[tuple[str, str, dict[str, str], Any]] = [
    ("POST", P, AUTH, {"mobile_phone": {"mdn": "2135550101"}, "custom_fields": {"first_name": "Ada"}}),
    ("POST", P + "/", AUTH, {"mobile_phone": {"mdn": "2135550101"}, "external_person_id": "crm-1"}),
    ("GET", P + "/external/crm-1", AUTH, None),
    ("GET", P + "/external/crm-1/", AUTH, None),
    ("GET", P + "?mdn=2135550101", AUTH, None),
    ("GET", P + "/external/nobody", AUTH, None),  # 404
    ("GET", P + "/external/crm-1", {"Authorization": basic(password="wrong")}, None),  # 401
    ("GET", P + "/external/crm-1", {**AUTH, "X-API-Version": "7"}, None),  # 400
    ("POST", P, AUTH, {"mobile_phone": {"mdn": "not a number"}}),  # 422
    ("POST", P, AUTH, {"mobile_phone": {"mdn": "2135550102"}, "nonsense": 1}),  # 422, unknown field
    ("POST", P, {**AUTH, "Content-Type": "text/plain"}, "hello"),  # 415
    ("POST", P, {**AUTH, "Content-Type": "application/json"}, "{not json"),  # 400
    ("POST", P, AUTH, {"custom_fields": {"first_name": "x" * 5_000}}),  # 413, body kept up to the cap
    ("DELETE", P, AUTH, None),  # 405: the router answers
    ("HEAD", P + "/external/crm-1", AUTH, None),  # HEAD: the router answers
    ("GET", "/companies/demo/nothing/here", AUTH, None),  # 404: the router answers
    ("PUT", P + "/external/crm-2", {**AUTH, "X-API-Version": "2"}, {"mobile_phone": {"mdn": "+442071838750"}}),
    ("GET", P + "/external/subscriptions", AUTH, None),  # two templates match: the first in table order
]


def _run(monkeypatch: pytest.MonkeyPatch, dispatched: bool) -> tuple[list[tuple[int, bytes]], list[dict[str, Any]]]:
    if not dispatched:

        async def never(self: CatapultDispatch, *args: Any) -> bool:
            return False

        monkeypatch.setattr(CatapultDispatch, "__call__", never)
    answers = []
    with TestClient(
        create_app(Settings(random_seed=7, max_body_bytes=4096, clock="manual", start_time="2026-01-02T03:04:05Z")),
        raise_server_exceptions=False,
    ) as client:
        for method, path, headers, body in CALLS:
            content = body if isinstance(body, str) else (json.dumps(body) if body is not None else None)
            heads = (
                headers
                if content is None or "Content-Type" in headers
                else {**headers, "Content-Type": "application/json"}
            )
            r = client.request(method, path, headers=heads, content=content)
            answers.append((r.status_code, r.content))
        entries = client.get("/_sim/journal?limit=100").json()["requests"]
    monkeypatch.undo()
    for entry in entries:
        entry.pop("time"), entry.pop("latency_ms")
    return answers, entries


def test_the_dispatch_answers_and_journals_as_the_router_does(monkeypatch: pytest.MonkeyPatch) -> None:
    routed = _run(monkeypatch, dispatched=False)
    dispatched = _run(monkeypatch, dispatched=True)
    assert [status for status, _ in routed[0]] == [201, 200, 200, 200, 200, 404, 401, 400, 422, 422, 415, 400, 413,
                                                   405, 200, 404, 201, 404]  # fmt: skip
    assert dispatched == routed
    first = dispatched[1][0]
    assert (
        first["body"] == CALLS[0][3]
        and first["status"] == 201
        and first["template"] == P.replace("demo", "{company_key}")
    )


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Counts the calls the dispatch serves itself (True) rather than leaving to the router."""
    served: list[str] = []
    original = CatapultDispatch.__call__

    async def counting(self: CatapultDispatch, scope: dict[str, Any], *args: Any) -> bool:
        done = await original(self, scope, *args)
        if done:
            served.append(scope["method"] + " " + scope["path"])
        return done

    monkeypatch.setattr(CatapultDispatch, "__call__", counting)
    yield served


def test_plain_calls_are_served_by_the_dispatch(client: TestClient, taken: list[str]) -> None:
    client.post(P, json={"mobile_phone": {"mdn": "2135550101"}}, headers=AUTH)
    client.get(P + "?mdn=2135550101", headers=AUTH)
    client.delete(P, headers=AUTH)
    assert taken == ["POST " + P, "GET " + P]


def test_a_bug_in_an_endpoint_is_a_500_in_the_envelope_and_is_journaled(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    app = create_app(Settings())
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/_sim/health")  # builds the middleware stack and its dispatch
        dispatch = app.middleware_stack.app.dispatch  # type: ignore[union-attr]
        monkeypatch.setitem(dispatch.handlers[P.replace("demo", "{company_key}")], "GET", broken)
        r = client.get(P + "?mdn=2135550101", headers=AUTH)
        assert r.status_code == 500
        assert "RuntimeError: boom" in r.json()["errors"][0]["message"]
        entry = client.get("/_sim/journal?limit=1").json()["requests"][-1]
        assert entry["status"] == 500 and "boom" in json.dumps(entry["response"])
    with TestClient(app) as client, pytest.raises(RuntimeError, match="boom"):
        client.get(P + "?mdn=2135550101", headers=AUTH)  # raised again, as the server logs it

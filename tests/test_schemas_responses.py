"""Every Catapult endpoint, walked in-process under both API versions: each JSON answer must match
the schema the routing table names for it (success bodies) or the error envelope (4XX)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conformance import attach, problems, route_of
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.routes import CATAPULT_OPS
from catapult_sim.settings import Settings

C = "/companies/demo"
P = C + "/mobiledb/persons"
Seen = set[tuple[str, str, int]]


@pytest.fixture
def checked(settings: Settings) -> Iterator[tuple[TestClient, Seen]]:
    seen: Seen = set()
    with TestClient(create_app(settings), headers=AUTH) as client:
        attach(client, seen)
        yield client, seen


def _walk_persons(c: TestClient, v: dict[str, str], mdn: str) -> str:
    body = {
        "external_person_id": "CRM-WALK-1",
        "mobile_phone": {"mdn": mdn},
        "custom_fields": {"first_name": "Zoë"},
    }
    key = c.post(P, json=body, headers=v).json()["person_key"]
    assert c.post(P + "/", json=body, headers=v).status_code == 200
    c.get(f"{P}/{key}", headers=v)
    c.get(f"{P}/external/CRM-WALK-1", headers=v)
    c.put(f"{P}/{key}", json={"custom_fields": {"loyalty_tier": "gold", "birthdate": "1990-04-01"}}, headers=v)
    assert c.put(f"{P}/external/CRM-WALK-2", json={"timezone": "US/Pacific"}, headers=v).status_code == 201
    c.put(f"{P}/external/CRM-WALK-2", json={"custom_fields": {"favorite_stores": ["online"]}}, headers=v)
    c.get(P, params={"mdn": mdn}, headers=v)
    return key


def _walk_subscriptions(c: TestClient, v: dict[str, str], key: str, mdn: str) -> None:
    assert c.post("/_sim/companies/demo/opt-in", json={"person_key": key, "list_id": "1001"}).status_code == 200
    for base in (f"{P}/{key}", f"{P}/external/CRM-WALK-1"):
        c.get(base + "/subscriptions", headers=v)
        c.get(base + "/subscriptions/1001", headers=v)
    c.get(C + "/mobiledb/subscription_lists", headers=v)
    c.get(C + "/mobiledb/subscription_lists/1001", headers=v)
    c.get(C + "/mobiledb/subscription_lists/1001/subscribers", params={"mdn": mdn}, headers=v)
    c.get(C + "/mobiledb/subscription_lists/1001/acquisition_campaigns", headers=v)
    c.delete(f"{P}/{key}/subscriptions/1001", headers=v)
    c.post("/_sim/companies/demo/opt-in", json={"person_key": key, "list_id": "1002"})
    c.delete(f"{P}/external/CRM-WALK-1/subscriptions/1002", headers=v)
    c.get(f"{P}/{key}/subscriptions", params={"active_only": "false"}, headers=v)


def _walk_acquisition(c: TestClient, v: dict[str, str], mdn: str) -> None:
    c.get(C + "/campaigns/acquisition", headers=v)
    c.get(C + "/campaigns/acquisition/DemoDOI1", headers=v)
    join = {"mobile_phone": {"mdn": mdn}}
    assert c.post(C + "/campaigns/acquisition/DemoDOI1/participants", json=join, headers=v).status_code == 201
    assert c.post(C + "/campaigns/acquisition/DemoDOI1/participants", json=join, headers=v).status_code == 200
    c.get(C + "/campaigns/acquisition/DemoDOI1/participants", params={"mdn": mdn}, headers=v)


def _walk_callbacks(c: TestClient, v: dict[str, str]) -> None:
    hook = {"url": "http://127.0.0.1:9/hook"}
    reg = {
        "callback_type": "subscription_added",
        "subscription_added": {"list_id": "1001"},
        "destination": hook,
    }
    callback_id = c.post(C + "/config/callbacks", json=reg, headers=v).json()["callback_id"]
    c.get(C + "/config/callbacks", headers=v)
    c.get(f"{C}/config/callbacks/{callback_id}", headers=v)
    c.put(f"{C}/config/callbacks/{callback_id}", json={**reg, "end_date": "2099-01-01"}, headers=v)
    c.post(C + "/config/callback_events/test", json={"callback_type": "subscription_added"}, headers=v)
    c.post(C + "/events", json={"event_type": "order_shipped", "event_data": {"external_person_id": "E1"}}, headers=v)
    c.delete(f"{C}/config/callbacks/{callback_id}", headers=v)


def _walk_errors(c: TestClient, v: dict[str, str]) -> None:
    assert c.get(f"{P}/no-such-person", headers=v).status_code == 404
    assert c.post(P, json={"mobile_phone": {"mdn": "12"}, "nope": 1}, headers=v).status_code == 422
    assert c.get(P, params={"mdn": "not-a-number"}, headers=v).status_code == 400
    assert c.get(P, headers={**v, "Authorization": "Basic eDp5"}).status_code == 401
    assert c.get(P, params={"mdn": "2135550000"}, headers={**v, "X-API-Version": "3"}).status_code == 400


@pytest.mark.parametrize(
    ("version", "mdns"), [("1", ("2135550123", "2135550124")), ("2", ("+447700900123", "+12135550124"))]
)
def test_every_catapult_answer_matches_its_schema(
    checked: tuple[TestClient, Seen], version: str, mdns: tuple[str, str]
) -> None:
    client, seen = checked
    v = {"X-API-Version": version}
    key = _walk_persons(client, v, mdns[0])
    _walk_subscriptions(client, v, key, mdns[0])
    _walk_acquisition(client, v, mdns[1])
    _walk_callbacks(client, v)
    _walk_errors(client, v)
    succeeded = {(m, p) for m, p, status in seen if status < 400}
    missing = [f"{op.method} {op.path}" for op in CATAPULT_OPS if (op.method, op.path) not in succeeded]
    assert missing == [], "endpoints never answered with success in the walk"


@pytest.mark.parametrize("settings", [Settings(random_seed=5, find_by_mdn_shape="array")])
def test_find_by_mdn_array_shape_matches_too(checked: tuple[TestClient, Seen]) -> None:
    client, _ = checked
    client.post(P, json={"mobile_phone": {"mdn": "2135550177"}})
    assert isinstance(client.get(P, params={"mdn": "2135550177"}).json(), list)


def test_a_drifted_body_is_reported(client: TestClient) -> None:
    """The check can fail: a person without its url breaks person-response."""
    response = client.post(P, json={"mobile_phone": {"mdn": "2135550188"}})
    assert problems(response) == []
    response._content = response.content.replace(b'"url"', b'"link"')
    assert any("url" in p for p in problems(response))
    assert route_of("GET", P + "/abc/") is not None and route_of("PATCH", P) is None

"""X-API-Version 1 and 2 on requests and on every MDN in responses (fact sheet §1.3, §1.4)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

P = "/companies/demo/mobiledb/persons"
L = "/companies/demo/mobiledb/subscription_lists"
V1 = {"X-API-Version": "1"}
V2 = {"X-API-Version": "2"}
UK = "+447700900123"


def state(client: TestClient) -> dict[str, Any]:
    dump: dict[str, Any] = client.get("/_sim/companies/demo/state").json()
    dump.pop("now")
    return dump


def mdns_in(value: Any) -> list[str]:
    """Every mobile_phone.mdn anywhere in a JSON value."""
    if isinstance(value, list):
        return [m for v in value for m in mdns_in(v)]
    if not isinstance(value, dict):
        return []
    found = [value["mobile_phone"]["mdn"]] if isinstance(value.get("mobile_phone"), dict) else []
    return found + [m for k, v in value.items() if k != "mobile_phone" for m in mdns_in(v)]


@pytest.fixture
def ada(client: TestClient) -> dict[str, Any]:
    body = {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "+12135551234"}}
    r = client.post("/companies/demo/campaigns/acquisition/DemoSOI1/participants", json=body, headers=V2)
    assert r.status_code == 201, r.text
    person: dict[str, Any] = r.json()["person"]
    return person


def responses(client: TestClient, key: str, headers: dict[str, str]) -> list[Any]:
    """Every Catapult answer that shows the person's MDN."""
    mdn = "%2B12135551234" if headers.get("X-API-Version") == "2" else "2135551234"
    return [
        client.get(f"{P}/{key}", headers=headers),
        client.get(f"{P}/external/CRM-1", headers=headers),
        client.get(f"{P}?mdn={mdn}", headers=headers),
        client.put(f"{P}/{key}", json={"timezone": "UTC"}, headers=headers),
        client.put(f"{P}/external/CRM-1", json={"timezone": "UTC"}, headers=headers),
        client.post(P, json={"external_person_id": "CRM-1"}, headers=headers),
        client.get(f"{L}/1001/subscribers?mdn={mdn}", headers=headers),
        client.get(f"{P}/{key}/subscriptions", headers=headers),
    ]


@pytest.mark.parametrize(("headers", "expected"), [({}, "2135551234"), (V1, "2135551234"), (V2, "+12135551234")])
def test_every_mdn_in_responses_follows_the_version(
    client: TestClient, ada: dict[str, Any], headers: dict[str, str], expected: str
) -> None:
    found: list[str] = []
    for r in responses(client, ada["person_key"], headers):
        assert r.status_code == 200, (r.request.url, r.text)
        found += mdns_in(r.json())
    assert len(found) == 7 and set(found) == {expected}


def test_v1_is_the_default_and_takes_national_numbers(client: TestClient) -> None:
    r = client.post(P, json={"mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 201
    assert client.get(P, params={"mdn": "2135551234"}, headers=V2).status_code == 400
    assert client.get(f"{P}?mdn=%2B12135551234", headers=V2).json()["person_key"] == r.json()["person_key"]


@pytest.mark.parametrize(("mdn", "headers"), [("+12135551234", V1), ("2135551234", V2), ("+1213", V2)])
def test_person_body_mdn_in_the_wrong_form_is_422(client: TestClient, mdn: str, headers: Any) -> None:
    r = client.post(P, json={"mobile_phone": {"mdn": mdn}}, headers=headers)
    assert r.status_code == 422  # docs/fidelity.md: 422 in person bodies
    assert r.json()["errors"][0]["code"] == 40
    assert state(client)["persons"] == []


@pytest.mark.parametrize("value", ["3", "0", "abc", "2.0", "v2", "-1"])
def test_invalid_version_is_400_and_writes_nothing(client: TestClient, value: str) -> None:
    before = state(client)
    r = client.post(P, json={"external_person_id": "x"}, headers={"X-API-Version": value})
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == 2
    assert client.get(L, headers={"X-API-Version": value}).status_code == 400
    assert state(client) == before


# -- CountryNotSupported ---------------------------------------------------------------------------


@pytest.fixture
def uk(client: TestClient) -> dict[str, Any]:
    r = client.post(
        "/companies/demo/campaigns/acquisition/DemoSOI1/participants",
        json={"external_person_id": "UK-1", "mobile_phone": {"mdn": UK}},
        headers=V2,
    )
    assert r.status_code == 201, r.text
    person: dict[str, Any] = r.json()["person"]
    return person


def assert_country_not_supported(resp: Any) -> None:
    assert resp.status_code == 422  # status not documented (docs/fidelity.md)
    err = resp.json()["errors"][0]
    assert err["code"] == 41 and err["message"].startswith("CountryNotSupported")  # fact sheet §1.3


def test_v1_cannot_show_an_international_person(client: TestClient, uk: dict[str, Any]) -> None:
    key = uk["person_key"]
    assert_country_not_supported(client.get(f"{P}/{key}"))
    assert_country_not_supported(client.get(f"{P}/external/UK-1"))
    assert_country_not_supported(client.get(f"{L}/1001/subscribers", params={"person_key": key}))
    assert client.get(f"{P}/{key}", headers=V2).json()["mobile_phone"]["mdn"] == UK
    assert client.get(f"{P}/{key}/subscriptions").status_code == 200  # shows no MDN


def test_a_v1_write_whose_answer_cannot_be_shown_is_rolled_back(client: TestClient, uk: dict[str, Any]) -> None:
    before = state(client)
    assert_country_not_supported(client.put(f"{P}/{uk['person_key']}", json={"timezone": "UTC"}))
    assert_country_not_supported(client.post(P, json={"external_person_id": "UK-1", "timezone": "UTC"}))
    assert_country_not_supported(client.put(f"{P}/external/UK-1", json={"timezone": "UTC"}))
    assert state(client) == before
    events = client.get("/_sim/companies/demo/events", params={"type": "person_updated"}).json()
    assert events == []

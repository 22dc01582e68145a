"""Non-+1 numbers under version 2 while version-1 callbacks are registered (fact sheet §1.3).

The registration's API version decides only how the MDN is written inside its callbacks; it never
makes a write fail. Version 1 has no form for a non-+1 number, so such a number is written in E.164
there (docs/fidelity.md); a +1 number is still written as 10 digits.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import AUTH, V2, pinned

CB = "/companies/demo/config/callbacks"
SIM = "/_sim/companies/demo"
P = "/companies/demo/mobiledb/persons"
NUMBERS = {"uk": "+447700900123", "de": "+4915123456789", "in": "+919812345678"}
ALL_TYPES = [
    ("person_added", None),
    ("person_updated", None),
    ("subscription_added", "1001"),
    ("subscription_removed", "1001"),
    ("ack_participant_added", "DemoSOI1"),
    ("company_participant_added", None),
]


@pytest.fixture
def settings() -> Settings:
    return pinned()


def register_v1(client: TestClient, rx: CallbackInbox) -> None:
    """Every type, under version 1 (no X-API-Version header: version 1 is the default, §1.3)."""
    for type_, selector in ALL_TYPES:
        body: dict[str, Any] = {"callback_type": type_, "destination": {"url": rx.url_for(f"/{type_}")}}
        if selector is not None:
            body[type_] = {"list_id" if type_.startswith("subscription_") else "campaign_id": selector}
        r = client.post(CB, json=body, headers=AUTH)
        assert r.status_code == 201, r.text
        assert r.json()["callback_id"]


def mdns_in(value: Any) -> list[str]:
    if isinstance(value, list):
        return [m for v in value for m in mdns_in(v)]
    if not isinstance(value, dict):
        return []
    own = [value["mdn"]] if isinstance(value.get("mdn"), str) else []
    return own + [m for v in value.values() for m in mdns_in(v)]


def persons(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"{SIM}/state").json()["persons"]
    return found


@pytest.mark.parametrize("country", sorted(NUMBERS))
def test_person_api_add_and_update_succeed_and_v1_callbacks_carry_e164(
    client: TestClient, receiver: CallbackInbox, country: str
) -> None:
    number = NUMBERS[country]
    register_v1(client, receiver)
    added = client.post(P, json={"external_person_id": f"X-{country}", "mobile_phone": {"mdn": number}}, headers=V2)
    assert added.status_code == 201, added.text
    assert added.json()["mobile_phone"]["mdn"] == number
    key = added.json()["person_key"]
    updated = client.put(f"{P}/{key}", json={"custom_fields": {"first_name": "Ada"}}, headers=V2)
    assert updated.status_code == 200, updated.text
    by_external = client.put(f"{P}/external/X-{country}", json={"timezone": "UTC"}, headers=V2)
    assert by_external.status_code == 200, by_external.text
    merged = client.post(P, json={"mobile_phone": {"mdn": number}, "timezone": "Europe/London"}, headers=V2)
    assert merged.status_code == 200, merged.text
    assert client.get(f"{P}/{key}", headers=V2).json()["timezone"] == "Europe/London"  # every write kept
    (first,) = [r.json for r in receiver.wait_requests(1, "/person_added")]
    later = [r.json for r in receiver.wait_requests(3, "/person_updated")]
    assert first["person"]["mobile_phone"]["mdn"] == number
    assert {b["person"]["mobile_phone"]["mdn"] for b in later} == {number}


@pytest.mark.parametrize("country", sorted(NUMBERS))
def test_campaign_sign_up_succeeds_and_every_callback_is_sent(
    client: TestClient, receiver: CallbackInbox, country: str
) -> None:
    number = NUMBERS[country]
    register_v1(client, receiver)
    r = client.post(
        "/companies/demo/campaigns/acquisition/DemoSOI1/participants",
        json={"mobile_phone": {"mdn": number}},
        headers=V2,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "SUBSCRIBED"
    for path in ("/person_added", "/subscription_added", "/ack_participant_added", "/company_participant_added"):
        (got,) = receiver.wait_requests(1, path)
        assert mdns_in(got.json) == [number], path
    key = r.json()["person"]["person_key"]
    assert client.delete(f"{P}/{key}/subscriptions/1001", headers=V2).status_code == 200
    (removed,) = receiver.wait_requests(1, "/subscription_removed")
    assert mdns_in(removed.json) == [number]


@pytest.mark.parametrize("country", sorted(NUMBERS))
def test_sms_keyword_succeeds(client: TestClient, receiver: CallbackInbox, country: str) -> None:
    number = NUMBERS[country]
    register_v1(client, receiver)
    r = client.post(f"{SIM}/sms/keyword", json={"mdn": number, "keyword": "JOIN"})
    assert r.status_code == 200, r.text
    assert [p["mobile_phone"]["mdn"] for p in persons(client)] == [number]
    (sub,) = receiver.wait_requests(1, "/subscription_added")
    assert mdns_in(sub.json) == [number]


def test_a_plus_one_number_still_gets_ten_digits_under_version_1(client: TestClient, receiver: CallbackInbox) -> None:
    register_v1(client, receiver)
    assert client.post(P, json={"mobile_phone": {"mdn": "+12135551234"}}, headers=V2).status_code == 201
    (got,) = receiver.wait_requests(1, "/person_added")
    assert got.json["person"]["mobile_phone"]["mdn"] == "2135551234"


def test_version_1_requests_still_cannot_show_a_non_plus_one_person(
    client: TestClient, receiver: CallbackInbox
) -> None:
    """CountryNotSupported stays for what version 1 cannot express: its own answers (§1.3 [W-e164])."""
    register_v1(client, receiver)
    key = client.post(P, json={"mobile_phone": {"mdn": NUMBERS["uk"]}}, headers=V2).json()["person_key"]
    r = client.get(f"{P}/{key}", headers=AUTH)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == 41

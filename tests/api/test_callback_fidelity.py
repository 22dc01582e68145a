"""Test events in the OAS's body shapes, their 404, v1 MDNs in them; registration times and DELETE."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import AUTH, V2, pinned
from tests.conftest import PINNED_START as NOW

CB = "/companies/demo/config/callbacks"
TEST = "/companies/demo/config/callback_events/test"


@pytest.fixture
def settings() -> Settings:
    return pinned()


def register(
    client: TestClient, rx: CallbackInbox, type_: str, path: str, version: int = 2, **extra: Any
) -> dict[str, Any]:
    body = {"callback_type": type_, "destination": {"url": rx.url_for(path)}, **extra}
    r = client.post(CB, json=body, headers={**AUTH, "X-API-Version": str(version)})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_the_generic_oas_shape_selects_the_registration(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_added", "/1001", subscription_added={"list_id": "1001"})
    register(client, receiver, "subscription_added", "/1002", subscription_added={"list_id": "1002"})
    r = client.post(TEST, json={"callback_type": "subscription_added", "subscription_added": {"list_id": "1002"}})
    assert r.status_code == 200, r.text  # [OAS testcallbackRequest]: subscription_added.list_id
    (got,) = receiver.wait_requests(1, "/1002")
    assert got.json["subscription"]["subscription_list"]["id"] == "1002"
    assert receiver.requests("/1001") == []


def test_the_generic_ack_selector(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "ack_participant_added", "/ack", ack_participant_added={"campaign_id": "DemoSOI1"})
    body = {"callback_type": "ack_participant_added", "acquisition_campaign_changed": {"campaign_id": "DemoSOI1"}}
    assert client.post(TEST, json=body).status_code == 200
    (got,) = receiver.wait_requests(1, "/ack")
    assert got.json["participant"]["acquisition_campaign"]["id"] == "DemoSOI1"
    other = {"callback_type": "ack_participant_added", "acquisition_campaign_changed": {"campaign_id": "DemoDOI1"}}
    assert client.post(TEST, json=other).status_code == 404


@pytest.mark.parametrize("type_", ["person_added", "device_added", "event_processed", "wallet_item_install"])
def test_a_type_with_no_active_registration_is_404(client: TestClient, type_: str) -> None:
    r = client.post(TEST, json={"callback_type": type_})
    assert r.status_code == 404, r.text  # [P-test]: 404 when no active callback of that type
    assert "no active callback registration" in r.json()["errors"][0]["message"]


def test_an_unknown_type_is_still_422(client: TestClient) -> None:
    assert client.post(TEST, json={"callback_type": "order_shipped"}).status_code == 422


def test_a_version_1_registration_gets_a_national_mdn_in_its_test_callback(
    client: TestClient, receiver: CallbackInbox
) -> None:
    register(client, receiver, "person_added", "/v1", version=1)
    register(client, receiver, "person_updated", "/v1u", version=1)
    assert client.post(TEST, json={"callback_type": "person_added"}).status_code == 200
    (plain,) = receiver.wait_requests(1, "/v1")
    assert plain.json["person"]["mobile_phone"]["mdn"] == "2135550100"
    body = {"callback_type": "person_updated", "person": {"mobile": {"mdn": "+12135550199", "carrier_code": "104"}}}
    assert client.post(TEST, json=body, headers=V2).status_code == 200
    (overridden,) = receiver.wait_requests(1, "/v1u")
    assert overridden.json["person"]["mobile_phone"] == {"mdn": "2135550199", "carrier_code": "104"}


def test_registrations_carry_both_documented_time_names(client: TestClient, receiver: CallbackInbox) -> None:
    reg = register(client, receiver, "person_added", "/p")
    assert reg["created_date"] == reg["created_at"] == NOW  # OAS callbackResponse and the prose
    assert reg["updated_date"] == reg["updated_at"] == NOW
    listed = client.get(CB, headers=V2).json()
    assert listed[0]["created_date"] == NOW


def test_deleting_a_registration_that_has_not_started_keeps_end_after_start(
    client: TestClient, receiver: CallbackInbox
) -> None:
    reg = register(client, receiver, "person_added", "/future", start_date="2024-06-01T00:00:00Z")
    r = client.delete(f"{CB}/{reg['callback_id']}", headers=V2)
    assert r.status_code == 200
    gone = r.json()
    assert gone["start_date"] == "2024-06-01T00:00:00Z" and gone["end_date"] >= gone["start_date"]
    assert gone["updated_date"] == NOW
    # Never active: a person added after the start date gets no callback.
    assert client.post("/_sim/clock", json={"mode": "manual", "now": "2024-07-01T00:00:00Z"}).status_code == 200
    assert client.post("/companies/demo/mobiledb/persons", json={"external_person_id": "X"}).status_code == 201
    assert client.post(TEST, json={"callback_type": "person_added"}).status_code == 404

"""The Event API (POST /companies/{company_key}/events) as Vibes documents it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import V2

E = "/companies/demo/events"
SIM = "/_sim/companies/demo"


def received(client: TestClient, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"{SIM}/received-events", params=params).json()
    return found


def test_an_event_is_accepted_stored_and_journaled(client: TestClient) -> None:
    person = client.post("/companies/demo/mobiledb/persons", json={"external_person_id": "CRM-1"}, headers=V2).json()
    body = {"event_id": "ORDER-1", "event_type": "Order_Shipped",
            "event_data": {"external_person_id": "CRM-1", "order": {"number": 1001, "items": [1, 2]}}}  # fmt: skip
    r = client.post(E, json=body, headers=V2)
    assert r.status_code == 202  # "submitted", no message promised [Create an event page]
    assert r.json() == {"event_id": "ORDER-1"}
    (got,) = received(client)
    assert got["event_type"] == "Order_Shipped" and got["event_data"] == body["event_data"]
    assert got["person_key"] == person["person_key"]
    assert [e["event_id"] for e in received(client, event_type="order_shipped")] == ["ORDER-1"]  # any case
    journal = client.get("/_sim/journal", params={"path": E}).json()
    assert [(e["method"], e["status"]) for e in journal["requests"]] == [("POST", 202)]


def test_an_event_id_is_made_when_left_out_and_a_reused_one_is_409(client: TestClient) -> None:
    r = client.post(E, json={"event_type": "cart", "event_data": {"mdn": "+12135551234"}}, headers=V2)
    assert r.status_code == 202 and r.json()["event_id"]
    again = {"event_id": r.json()["event_id"], "event_type": "cart", "event_data": {"mdn": "+12135551234"}}
    second = client.post(E, json=again, headers=V2)
    assert second.status_code == 409
    assert len(received(client)) == 1
    (only,) = received(client)
    assert only["person_key"] is None  # nobody has that number: still accepted


@pytest.mark.parametrize(
    ("body", "headers", "words"),
    [
        ({"event_data": {"mdn": "+12135551234"}}, V2, ["event_type is required"]),
        ({"event_type": "a b", "event_data": {"mdn": "+12135551234"}}, V2, ["event_type"]),
        ({"event_type": "cart"}, V2, ["event_data is required"]),
        ({"event_type": "cart", "event_data": {"sku": "1"}}, V2, ["event_data needs one of"]),
        ({"event_type": "cart", "event_data": {"mdn": "+12135551234"}}, {}, ["X-API-Version 1"]),
        ({"event_type": "cart", "event_data": {"mdn": "2135551234"}}, V2, ["E.164"]),
        ({"event_type": "cart", "event_data": [], "colour": 1}, V2, ["colour", "event_data must be an object"]),
    ],
)
def test_bad_events_are_422_listing_every_problem_and_store_nothing(
    client: TestClient, body: dict[str, Any], headers: dict[str, str], words: list[str]
) -> None:
    r = client.post(E, json=body, headers=headers)
    assert r.status_code == 422, r.text
    text = " ".join(e["message"] for e in r.json()["errors"])
    assert all(w in text for w in words), text
    assert received(client) == []


def test_a_version_1_national_mdn_names_the_person(client: TestClient) -> None:
    person = client.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": "2135551234"}}).json()
    assert client.post(E, json={"event_type": "x", "event_data": {"mdn": "2135551234"}}).status_code == 202
    assert received(client)[0]["person_key"] == person["person_key"]

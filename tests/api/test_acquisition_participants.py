"""POST .../campaigns/acquisition/{id}/participants: mobile sign-up (fact sheet §5.3, §5.5)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import V2
from starlette.testclient import TestClient

A = "/companies/demo/campaigns/acquisition"
P = "/companies/demo/mobiledb/persons"
SIM = "/_sim/companies/demo"
ADA = {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}}


def join(client: TestClient, campaign: str, body: dict[str, Any], headers: Any = None) -> Any:
    return client.post(f"{A}/{campaign}/participants", json=body, headers=headers)


def event_types(client: TestClient) -> list[str]:
    return [e["type"] for e in client.get(f"{SIM}/events").json()]


def state(client: TestClient) -> dict[str, Any]:
    dump: dict[str, Any] = client.get(f"{SIM}/state").json()
    dump.pop("now")
    return dump


def lists_of(client: TestClient, key: str) -> list[str]:
    return [s["subscription_list"]["id"] for s in client.get(f"{P}/{key}/subscriptions").json()]


def test_single_opt_in_subscribes_at_once(client: TestClient) -> None:
    r = join(client, "DemoSOI1", {**ADA, "custom_fields": {"first_name": "Ada"}})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "SUBSCRIBED"  # fact sheet §5.3
    assert set(body) == {"person", "participation_date", "expire_date", "status"}
    key = body["person"]["person_key"]
    assert body["person"]["url"] == f"{P}/{key}" and body["person"]["external_person_id"] == "CRM-1"
    assert lists_of(client, key) == ["1001"]
    assert client.get(f"{P}/{key}").json()["custom_fields"] == {"first_name": "Ada"}
    assert event_types(client) == ["person_added", "ack_participant_added", "subscription_added"]


def test_double_opt_in_leaves_a_pending_participant(client: TestClient) -> None:
    r = join(client, "DemoDOI1", ADA)
    assert (r.status_code, r.json()["status"]) == (201, "PENDING")
    key = r.json()["person"]["person_key"]
    assert lists_of(client, key) == []
    assert event_types(client) == ["person_added", "ack_participant_added"]


def test_already_pending_is_200_with_the_same_participation(client: TestClient) -> None:
    first = join(client, "DemoDOI1", ADA).json()
    r = join(client, "DemoDOI1", {"mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 200  # already pending (OAS, fact sheet §5.3)
    assert r.json() == first
    assert len(state(client)["participants"]) == 1


def test_confirmed_then_added_again_is_409(client: TestClient) -> None:
    join(client, "DemoDOI1", ADA)
    assert client.post(f"{SIM}/sms/reply", json={"mdn": "2135551234", "text": "Y"}).status_code == 200
    r = join(client, "DemoDOI1", ADA)
    assert r.status_code == 409  # already subscribed to the list (fact sheet §5.3)
    assert r.json()["errors"][0]["code"] == 32


def test_single_opt_in_twice_is_409(client: TestClient) -> None:
    join(client, "DemoSOI1", ADA)
    before = state(client)
    assert join(client, "DemoSOI1", ADA).status_code == 409
    assert state(client) == before


def test_decline_blocks_later_api_adds(client: TestClient) -> None:
    join(client, "DemoDOI1", ADA)
    client.post(f"{SIM}/sms/reply", json={"mdn": "2135551234", "text": "N"})
    r = join(client, "DemoDOI1", ADA)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["code"] == 50 and err["message"].startswith("MDNHASCONFIRMATIONBLOCK")  # §5.3
    assert join(client, "DemoDOI2", ADA).status_code == 201  # the block is per campaign


def test_keyword_after_a_decline_still_works(client: TestClient) -> None:
    join(client, "DemoDOI1", ADA)
    client.post(f"{SIM}/sms/reply", json={"mdn": "2135551234", "text": "N"})
    r = client.post(f"{SIM}/sms/keyword", json={"mdn": "2135551234", "keyword": "PROMO"})
    assert r.json()["action"] == "pending"  # texting the keyword still works (fact sheet §5.3)


@pytest.mark.parametrize(
    "body",
    [
        {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135550000"}},  # ext id names Ada, MDN not
        {"external_person_id": "CRM-2", "mobile_phone": {"mdn": "2135551234"}},  # MDN names Ada, ext id not
    ],
)
def test_external_person_id_mismatch_is_422(client: TestClient, body: dict[str, Any]) -> None:
    client.post(P, json=ADA)
    client.post(P, json={"mobile_phone": {"mdn": "2135550000"}})
    before = state(client)
    r = join(client, "DemoDOI1", body)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["code"] == 51 and err["message"].startswith("EXTERNALPERSONIDMISMATCH")  # §5.3
    assert state(client) == before


@pytest.mark.parametrize(("mdn", "headers"), [("2135550199", None), ("+12135550199", V2)])
def test_landline_is_422(client: TestClient, mdn: str, headers: Any) -> None:
    r = join(client, "DemoSOI1", {"mobile_phone": {"mdn": mdn}}, headers)
    assert r.status_code == 422  # MDN not on a provisioned mobile carrier (fact sheet §5.3)
    assert r.json()["errors"][0]["code"] == 52
    assert state(client)["persons"] == []


@pytest.mark.parametrize(("mdn", "headers"), [("12345", None), ("+12135551234", None), ("2135551234", V2)])
def test_bad_mdn_is_400(client: TestClient, mdn: str, headers: Any) -> None:
    r = join(client, "DemoSOI1", {"mobile_phone": {"mdn": mdn}}, headers)
    assert r.status_code == 400  # fact sheet §5.3
    assert r.json()["errors"][0]["code"] == 40


def test_campaign_not_active_is_422(client: TestClient) -> None:
    r = join(client, "DemoPast", ADA)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == 54
    assert state(client)["persons"] == []


def test_unknown_campaign_is_404(client: TestClient) -> None:
    assert join(client, "Nope", ADA).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 1),
        ({**ADA, "custom_fields": {"shoe_size": "9"}}, 53),  # unknown custom fields are listed (§5.3)
        ({**ADA, "nickname": "x"}, 3),
        ({"external_person_id": "CRM-9"}, 55),  # a new person with no number to confirm
        ({"person_key": "nobody"}, 20),
        ({"person_id": 99999999999999999999999}, 20),
        ({"person_id": "12a"}, 20),
        ({"mobile_phone": {"mdn": 2135551234}}, 2),
    ],
)
def test_unprocessable_bodies_are_422(client: TestClient, body: dict[str, Any], code: int) -> None:
    r = join(client, "DemoSOI1", body)
    assert r.status_code == 422, r.text
    assert code in [e["code"] for e in r.json()["errors"]]
    assert state(client)["persons"] == []


@pytest.mark.parametrize("by", ["person_key", "person_id"])
def test_an_existing_person_named_by_id(client: TestClient, by: str) -> None:
    person = client.post(P, json=ADA).json()
    r = join(client, "DemoSOI1", {by: person[by]})
    assert r.status_code == 201
    assert r.json()["person"]["person_key"] == person["person_key"]
    assert event_types(client) == [
        "person_added",
        "person_updated",
        "ack_participant_added",
        "subscription_added",
    ]


def test_existing_person_is_merged_not_duplicated(client: TestClient) -> None:
    person = client.post(P, json={"mobile_phone": {"mdn": "2135551234"}, "custom_fields": {"zip_code": "1"}}).json()
    r = join(client, "DemoSOI1", {**ADA, "custom_fields": {"first_name": "Ada"}})
    assert r.json()["person"]["person_key"] == person["person_key"]
    merged = client.get(f"{P}/{person['person_key']}").json()
    assert merged["external_person_id"] == "CRM-1"
    assert merged["custom_fields"] == {"zip_code": "1", "first_name": "Ada"}


def test_v2_body_takes_e164(client: TestClient) -> None:
    r = join(client, "DemoSOI1", {"mobile_phone": {"mdn": "+447700900123"}}, V2)
    assert r.status_code == 201
    key = r.json()["person"]["person_key"]
    assert client.get(f"{P}/{key}", headers=V2).json()["mobile_phone"]["mdn"] == "+447700900123"

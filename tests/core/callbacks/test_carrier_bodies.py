"""Person callbacks carry the carrier the API shows: the CRM's, else the looked-up one (fact sheet §7.2)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.carriers import looked_up
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import AUTH, V2

CB = "/companies/demo/config/callbacks"
P = "/companies/demo/mobiledb/persons"
MDN = "+12135551234"


def register(client: TestClient, rx: CallbackInbox, type_: str, version: int, path: str) -> None:
    body: dict[str, Any] = {"callback_type": type_, "destination": {"url": rx.url_for(path)}}
    if type_.startswith("subscription_"):
        body[type_] = {"list_id": "1001"}
    r = client.post(CB, json=body, headers={**AUTH, "X-API-Version": str(version)})
    assert r.status_code == 201, r.text


def phone_of(rx: CallbackInbox, path: str, count: int = 1) -> list[dict[str, Any]]:
    return [r.json["person"]["mobile_phone"] for r in rx.wait_requests(count, path)]


def test_person_callbacks_carry_the_looked_up_code_under_both_versions(
    client: TestClient, receiver: CallbackInbox
) -> None:
    register(client, receiver, "person_added", 2, "/v2")
    register(client, receiver, "person_added", 1, "/v1")
    register(client, receiver, "person_updated", 2, "/updated")
    answer = client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()
    assert phone_of(receiver, "/v2") == [{"mdn": MDN, "carrier_code": looked_up(MDN)}] == [answer["mobile_phone"]]
    assert phone_of(receiver, "/v1") == [{"mdn": MDN[2:], "carrier_code": looked_up(MDN)}]
    # The CRM then sends the real code: same person, and the update shows the CRM's code.
    again = client.post(P, json={"mobile_phone": {"mdn": MDN, "carrier_code": "383"}}, headers=V2).json()
    assert again["person_key"] == answer["person_key"]
    assert phone_of(receiver, "/updated") == [{"mdn": MDN, "carrier_code": "383"}]


def test_a_non_plus_1_number_gets_its_countrys_code(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "person_added", 2, "/v2")
    for mdn in ("+447700900123", "+4915112345678", "+919876543210"):
        assert client.post(P, json={"mobile_phone": {"mdn": mdn}}, headers=V2).status_code == 201
    assert [p["carrier_code"] for p in phone_of(receiver, "/v2", 3)] == ["544", "549", "591"]


def test_subscription_callbacks_keep_the_documented_person_block(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_added", 2, "/sub")
    assert client.post("/_sim/companies/demo/opt-in", json={"mdn": MDN, "list_id": "1001"}).status_code == 200
    (got,) = receiver.wait_requests(1, "/sub")
    assert got.json["subscription"]["person"]["mobile_phone"] == {"mdn": MDN}  # §7.3 shows no carrier there


def test_the_test_callback_carries_a_carrier(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "person_added", 2, "/test")
    r = client.post("/companies/demo/config/callback_events/test", json={"callback_type": "person_added"})
    assert r.status_code == 200, r.text
    (sample,) = phone_of(receiver, "/test")
    assert sample["carrier_code"] == looked_up(sample["mdn"])
    sent = {"callback_type": "person_added", "person": {"mobile": {"mdn": MDN, "carrier_code": "383"}}}
    assert client.post("/companies/demo/config/callback_events/test", json=sent).status_code == 200
    assert phone_of(receiver, "/test", 2)[1] == {"mdn": MDN, "carrier_code": "383"}  # the caller's data wins
    # A number given without a carrier shows the lookup's code for that number, not the sample's.
    sent = {"callback_type": "person_added", "person": {"mobile": {"mdn": "+447700900123"}}}
    assert client.post("/companies/demo/config/callback_events/test", json=sent).status_code == 200
    assert phone_of(receiver, "/test", 3)[2] == {"mdn": "+447700900123", "carrier_code": "544"}


def test_with_the_switch_off_callbacks_carry_only_a_sent_carrier(receiver: CallbackInbox) -> None:
    settings = Settings(random_seed=1234, carrier_lookup="off")
    with TestClient(create_app(settings), headers=AUTH) as client:
        register(client, receiver, "person_added", 2, "/v2")
        assert client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).status_code == 201
        assert client.post(P, json={"mobile_phone": {"mdn": "+19175550123", "carrier_code": "77"}},
                           headers=V2).status_code == 201  # fmt: skip
        assert phone_of(receiver, "/v2", 2) == [{"mdn": MDN}, {"mdn": "+19175550123", "carrier_code": "77"}]

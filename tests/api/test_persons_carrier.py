"""The Person API reports a carrier_code for every number, and a looked-up code never decides who is who.

Vibes shows ``mobile_phone.carrier_code`` in every person it answers with (fact sheet §2.2); the
simulator looks one up when the CRM sent none (core/carriers.py). Same MDN and same carrier is one
person (§2.3): only a carrier the CRM sent takes part in that rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.carriers import looked_up
from catapult_sim.settings import Settings
from tests.conftest import AUTH, V2

P = "/companies/demo/mobiledb/persons"
SIM = "/_sim/companies/demo"
MDN = "+12135551234"
SHOWN = looked_up(MDN)  # "102"
OTHER = "383" if SHOWN != "383" else "104"  # a real code the CRM learned elsewhere


def phone(body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = body["mobile_phone"]
    return found


def stored_carrier(client: TestClient, key: str) -> Any:
    return client.get(f"{SIM}/person", params={"person_key": key}).json()["person"]["carrier_code"]


def test_post_reports_the_looked_up_code_under_both_versions(client: TestClient) -> None:
    r2 = client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2)
    assert r2.status_code == 201 and phone(r2.json()) == {"mdn": MDN, "carrier_code": SHOWN}
    key = r2.json()["person_key"]
    r1 = client.get(f"{P}/{key}")  # version 1: the national number, the same code
    assert phone(r1.json()) == {"mdn": MDN[2:], "carrier_code": SHOWN}
    assert stored_carrier(client, key) is None  # stored as sent: none


def test_every_read_shows_the_same_code(client: TestClient) -> None:
    body = {"external_person_id": "CRM-1", "mobile_phone": {"mdn": MDN}}
    key = client.post(P, json=body, headers=V2).json()["person_key"]
    assert client.post(f"{SIM}/opt-in", json={"person_key": key, "list_id": "1001"}).status_code == 200
    reads = [
        client.get(f"{P}/{key}", headers=V2).json(),
        client.get(f"{P}/external/CRM-1", headers=V2).json(),
        client.get(P, params={"mdn": MDN}, headers=V2).json(),
        client.get(
            "/companies/demo/mobiledb/subscription_lists/1001/subscribers", params={"mdn": MDN}, headers=V2
        ).json(),
    ]
    assert [phone(b)["carrier_code"] for b in reads] == [SHOWN] * 4


def test_a_sent_carrier_is_shown_as_sent(client: TestClient) -> None:
    r = client.post(P, json={"mobile_phone": {"mdn": MDN, "carrier_code": OTHER}}, headers=V2)
    assert phone(r.json())["carrier_code"] == OTHER
    assert stored_carrier(client, r.json()["person_key"]) == OTHER


def test_put_external_creating_a_person_reports_the_code(client: TestClient) -> None:
    r = client.put(f"{P}/external/CRM-9", json={"mobile_phone": {"mdn": "+447700900123"}}, headers=V2)
    assert r.status_code == 201 and phone(r.json()) == {"mdn": "+447700900123", "carrier_code": "544"}


def test_put_adding_a_number_reports_the_code_and_removing_it_removes_the_code(client: TestClient) -> None:
    key = client.post(P, json={"external_person_id": "CRM-2"}, headers=V2).json()["person_key"]
    assert "mobile_phone" not in client.get(f"{P}/{key}", headers=V2).json()  # no number, no carrier
    r = client.put(f"{P}/{key}", json={"mobile_phone": {"mdn": "+4915112345678"}}, headers=V2)
    assert phone(r.json()) == {"mdn": "+4915112345678", "carrier_code": "549"}
    r = client.put(f"{P}/{key}", json={"mobile_phone": None}, headers=V2)
    assert "mobile_phone" not in r.json()


def test_the_real_code_the_crm_learned_elsewhere_finds_the_same_person(client: TestClient) -> None:
    key = client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()["person_key"]
    again = client.post(P, json={"mobile_phone": {"mdn": MDN, "carrier_code": OTHER}}, headers=V2)
    assert again.status_code == 200 and again.json()["person_key"] == key  # merged, not split
    assert phone(again.json())["carrier_code"] == OTHER  # the CRM's code wins over the looked-up one
    upsert = client.put(f"{P}/external/CRM-3", json={"mobile_phone": {"mdn": "+19175550123", "carrier_code": "77"}},
                        headers=V2)  # fmt: skip
    assert upsert.status_code == 201
    first = upsert.json()["person_key"]
    assert client.post(P, json={"mobile_phone": {"mdn": "+19175550123"}}, headers=V2).json()["person_key"] == first


def test_sending_back_the_code_it_was_shown_is_the_same_person(client: TestClient) -> None:
    key = client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()["person_key"]
    shown = phone(client.get(f"{P}/{key}", headers=V2).json())["carrier_code"]
    r = client.post(P, json={"mobile_phone": {"mdn": MDN, "carrier_code": shown}}, headers=V2)
    assert r.status_code == 200 and r.json()["person_key"] == key
    ext = client.put(f"{P}/external/CRM-4", json={"mobile_phone": {"mdn": MDN, "carrier_code": shown}}, headers=V2)
    assert ext.json()["person_key"] == key  # the upsert finds it by MDN and carrier, too


def test_a_looked_up_code_never_merges_persons_the_crm_told_apart(client: TestClient) -> None:
    # Two persons on one number with the carriers the CRM sent (numbers get ported, §2.3).
    a = client.post(P, json={"mobile_phone": {"mdn": MDN, "carrier_code": OTHER}}, headers=V2).json()["person_key"]
    b = client.post(P, json={"mobile_phone": {"mdn": MDN, "carrier_code": "999"}}, headers=V2).json()["person_key"]
    assert a != b
    # The code the lookup would find for the number names neither of them: a third person.
    c = client.post(P, json={"mobile_phone": {"mdn": MDN, "carrier_code": SHOWN}}, headers=V2)
    assert c.status_code == 201 and c.json()["person_key"] not in (a, b)
    found = client.get(P, params={"mdn": MDN}, headers=V2)
    assert found.status_code == 200


def test_two_requests_without_a_carrier_are_one_person(client: TestClient) -> None:
    first = client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()
    second = client.post(P, json={"mobile_phone": {"mdn": MDN}, "custom_fields": {"first_name": "Ada"}}, headers=V2)
    assert second.status_code == 200 and second.json()["person_key"] == first["person_key"]
    assert stored_carrier(client, first["person_key"]) is None


@pytest.mark.parametrize("how", ["settings", "environment"])
def test_the_switch_off_shows_only_what_the_crm_sent(how: str) -> None:
    if how == "settings":
        settings = Settings(random_seed=1234, carrier_lookup="off")
    else:
        settings = Settings.from_env({"CATAPULT_SIM_CARRIER_LOOKUP": "off"}, random_seed=1234)
    with TestClient(create_app(settings), headers=AUTH) as client:
        r = client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2)
        assert phone(r.json()) == {"mdn": MDN}
        sent = client.post(P, json={"mobile_phone": {"mdn": "+19175550123", "carrier_code": "77"}}, headers=V2)
        assert phone(sent.json()) == {"mdn": "+19175550123", "carrier_code": "77"}
        assert client.get(f"{SIM}/person", params={"mdn": MDN}).json()["carrier_lookup"] is None

"""GET/PUT a person by person_key, deprecated person_id and external id (fact sheet §2.1, §2.5)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

P = "/companies/demo/mobiledb/persons"
E = P + "/external"


def add(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(P, json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def persons(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/_sim/companies/demo/state").json()["persons"]
    return found


@pytest.fixture
def ada(client: TestClient) -> dict[str, Any]:
    body = {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234", "carrier_code": "104"}}
    return add(client, {**body, "custom_fields": {"first_name": "Ada", "last_name": "Lovelace"}})


def test_get_by_person_key(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.get(f"{P}/{ada['person_key']}")
    assert r.status_code == 200
    assert r.json() == ada


def test_get_by_deprecated_person_id(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.get(f"{P}/{ada['person_id']}")  # person_id resolves in the {person_key} slot (W-pmeth)
    assert r.status_code == 200
    assert r.json()["person_key"] == ada["person_key"]


@pytest.mark.parametrize("key", ["nobody", "12345", "99999999999999999999999", "%C2%B2", "%ZZ"])
def test_get_unknown_person_is_404(client: TestClient, ada: dict[str, Any], key: str) -> None:
    r = client.get(f"{P}/{key}")
    assert r.status_code == 404
    assert r.json()["errors"][0]["code"] == 20


def test_put_is_a_partial_update(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{P}/{ada['person_key']}", json={"custom_fields": {"first_name": "Augusta"}})
    assert r.status_code == 200  # OAS: 200 for an update (docs/fidelity.md)
    body = r.json()
    assert body["custom_fields"] == {"first_name": "Augusta", "last_name": "Lovelace"}
    assert body["mobile_phone"] == ada["mobile_phone"]
    assert body["external_person_id"] == "CRM-1"
    updated = client.get("/_sim/companies/demo/events", params={"type": "person_updated"}).json()
    assert len(updated) == 1


def test_put_by_person_id_updates_the_same_person(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{P}/{ada['person_id']}", json={"timezone": "US/Central"})
    assert r.status_code == 200
    assert r.json()["person_key"] == ada["person_key"]
    assert (r.json()["timezone"], r.json()["timezone_source"]) == ("US/Central", "api")


def test_null_removes_fields(client: TestClient, ada: dict[str, Any]) -> None:
    body = {"external_person_id": None, "mobile_phone": None, "custom_fields": {"last_name": None}}
    r = client.put(f"{P}/{ada['person_key']}", json=body)  # null removes a field (fact sheet §2.5)
    assert r.status_code == 200
    out = r.json()
    assert "external_person_id" not in out and "mobile_phone" not in out
    assert out["custom_fields"] == {"first_name": "Ada"}
    assert client.get(f"{E}/CRM-1").status_code == 404
    assert client.get(P, params={"mdn": "2135551234"}).status_code == 404


def test_null_custom_fields_removes_them_all(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{P}/{ada['person_key']}", json={"custom_fields": None})
    assert r.json()["custom_fields"] == {}


def test_cpr_nullification(client: TestClient, ada: dict[str, Any]) -> None:
    body = {
        "mobile_phone": {"mdn": None, "carrier_code": None},
        "external_person_id": None,
        "custom_fields": {"first_name": None, "last_name": None},
    }
    r = client.put(f"{P}/{ada['person_key']}", json=body)  # fact sheet §2.5 [P-cpr]
    assert r.status_code == 200
    assert "mobile_phone" not in r.json() and r.json()["custom_fields"] == {}


def test_changing_the_mdn_is_409(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{P}/{ada['person_key']}", json={"mobile_phone": {"mdn": "2135550000"}})
    assert r.status_code == 409  # fact sheet §2.5 [P-putk-old]
    assert client.get(f"{P}/{ada['person_key']}").json() == ada


def test_resending_the_same_mdn_is_not_a_change(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{P}/{ada['person_key']}", json={"mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 200


def test_adding_an_mdn_to_a_person_without_one(client: TestClient) -> None:
    bob = add(client, {"external_person_id": "CRM-2"})
    r = client.put(f"{P}/{bob['person_key']}", json={"mobile_phone": {"mdn": "2135550000"}})
    assert r.status_code == 200  # not documented; allowed (docs/fidelity.md)
    assert client.get(P, params={"mdn": "2135550000"}).json()["person_key"] == bob["person_key"]


def test_adding_another_persons_mdn_is_409(client: TestClient, ada: dict[str, Any]) -> None:
    bob = add(client, {"external_person_id": "CRM-2"})
    r = client.put(f"{P}/{bob['person_key']}", json={"mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 409


def test_taking_another_persons_external_id_is_409(client: TestClient, ada: dict[str, Any]) -> None:
    bob = add(client, {"external_person_id": "CRM-2"})
    r = client.put(f"{P}/{bob['person_key']}", json={"external_person_id": "CRM-1"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["code"] == 31


def test_changing_the_carrier_onto_another_persons_number_is_409(client: TestClient, ada: dict[str, Any]) -> None:
    body = {"external_person_id": "CRM-2", "mobile_phone": {"mdn": "2135551234", "carrier_code": "105"}}
    bob = add(client, body)
    for carrier in ("104", None):  # either would make both records the same person (fact sheet §2.3)
        phone = {"mobile_phone": {"carrier_code": carrier}}
        assert client.put(f"{P}/{bob['person_key']}", json=phone).status_code == 409
        assert client.post(P, json={"external_person_id": "CRM-2", **phone}).status_code == 409
    assert client.get(f"{P}/{bob['person_key']}").json() == bob


def test_put_unknown_person_is_404(client: TestClient) -> None:
    assert client.put(f"{P}/nobody", json={"timezone": "UTC"}).status_code == 404


def test_put_unprocessable_body_is_422(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{P}/{ada['person_key']}", json={"custom_fields": {"shoe_size": "9"}, "x": 1})
    assert r.status_code == 422
    assert sorted(e["code"] for e in r.json()["errors"]) == [3, 53]  # unknown field, undefined custom field
    assert client.get(f"{P}/{ada['person_key']}").json() == ada


# -- by external id --------------------------------------------------------------------------------


def test_get_by_external_id(client: TestClient, ada: dict[str, Any]) -> None:
    assert client.get(f"{E}/CRM-1").json() == ada
    assert client.get(f"{E}/CRM-404").status_code == 404


def test_put_external_creates_with_201(client: TestClient) -> None:
    r = client.put(f"{E}/CRM-9", json={"mobile_phone": {"mdn": "2135559999"}})
    assert r.status_code == 201  # the external-id PUT is an upsert (fact sheet §2.5 [P-pute])
    assert r.json()["external_person_id"] == "CRM-9"
    added = client.get("/_sim/companies/demo/events", params={"type": "person_added"}).json()
    assert [e["data"]["person"]["external_person_id"] for e in added] == ["CRM-9"]


def test_put_external_updates_with_200(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{E}/CRM-1", json={"custom_fields": {"email": "ada@example.com"}})
    assert r.status_code == 200
    assert r.json()["person_key"] == ada["person_key"]
    assert r.json()["custom_fields"]["first_name"] == "Ada"


def test_put_external_merges_into_the_owner_of_the_mdn(client: TestClient) -> None:
    anon = add(client, {"mobile_phone": {"mdn": "2135559999"}})
    r = client.put(f"{E}/CRM-9", json={"mobile_phone": {"mdn": "2135559999"}})
    assert r.status_code == 200  # same mobile_phone exists: merged (fact sheet §2.5 [P-pute-old])
    assert (r.json()["person_key"], r.json()["external_person_id"]) == (anon["person_key"], "CRM-9")


def test_put_external_with_an_mdn_of_another_external_id_is_409(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{E}/CRM-9", json={"mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 409
    assert client.get(f"{E}/CRM-9").status_code == 404


def test_put_external_renames_through_the_body(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.put(f"{E}/CRM-1", json={"external_person_id": "CRM-1b"})
    assert r.status_code == 200  # the body's id replaces the one in the URL (fact sheet §2.5)
    assert r.json()["person_key"] == ada["person_key"]
    assert client.get(f"{E}/CRM-1").status_code == 404
    assert client.get(f"{E}/CRM-1b").json()["person_key"] == ada["person_key"]


def test_put_external_rename_onto_a_taken_id_is_409(client: TestClient, ada: dict[str, Any]) -> None:
    add(client, {"external_person_id": "CRM-2"})
    r = client.put(f"{E}/CRM-2", json={"external_person_id": "CRM-1"})
    assert r.status_code == 409
    assert len(persons(client)) == 2


def test_overlong_external_id_in_the_path_is_400(client: TestClient) -> None:
    r = client.put(f"{E}/{'x' * 300}", json={"timezone": "UTC"})
    assert r.status_code == 400
    assert persons(client) == []


def test_put_external_with_a_129_character_id_in_the_path_is_422(client: TestClient) -> None:
    r = client.put(f"{E}/{'x' * 129}", json={"timezone": "UTC"})
    assert r.status_code == 422  # external_person_id is at most 128 characters (fact sheet §2.2)
    assert persons(client) == []

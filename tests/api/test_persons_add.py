"""POST /companies/{ck}/mobiledb/persons: create, merge, conflicts, unprocessable bodies (§2.4)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

P = "/companies/demo/mobiledb/persons"


def add(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post(P, json=body)


def events(client: TestClient, type_: str) -> list[dict[str, Any]]:
    return client.get("/_sim/companies/demo/events", params={"type": type_}).json()


def codes(resp: Any) -> list[int]:
    return [e["code"] for e in resp.json()["errors"]]


def test_create_answers_201_with_the_new_person(client: TestClient) -> None:
    r = add(client, {"mobile_phone": {"mdn": "2135551234"}, "custom_fields": {"first_name": "Ada"}})
    assert r.status_code == 201
    body = r.json()
    # The platform looks the carrier up from the number (fact sheet §2.2; tests/core/test_carriers.py).
    assert body["mobile_phone"] == {"mdn": "2135551234", "carrier_code": "102"}
    assert body["custom_fields"] == {"first_name": "Ada"}
    assert body["person_id"].isdigit()  # deprecated id, written as a string (fact sheet §2.2)
    assert body["url"] == f"{P}/{body['person_key']}"  # relative url (fact sheet §1.1)
    assert body["created_at"].endswith("Z") and body["updated_at"] == body["created_at"]
    assert [e["data"]["person"]["person_key"] for e in events(client, "person_added")] == [body["person_key"]]


def test_create_by_external_id_only(client: TestClient) -> None:
    r = add(client, {"external_person_id": "CRM-1"})
    assert r.status_code == 201
    assert r.json()["external_person_id"] == "CRM-1"
    assert "mobile_phone" not in r.json()


def test_same_mdn_merges_with_200_and_keeps_unspecified_fields(client: TestClient) -> None:
    first = add(client, {"mobile_phone": {"mdn": "2135551234"}, "custom_fields": {"first_name": "Ada"}}).json()
    r = add(client, {"mobile_phone": {"mdn": "2135551234"}, "custom_fields": {"last_name": "Lovelace"}})
    assert r.status_code == 200  # merged into the existing person (fact sheet §2.4)
    body = r.json()
    assert body["person_key"] == first["person_key"]
    assert body["custom_fields"] == {"first_name": "Ada", "last_name": "Lovelace"}
    updated = events(client, "person_updated")
    assert [e["data"]["person"]["person_key"] for e in updated] == [first["person_key"]]
    assert len(events(client, "person_added")) == 1  # a merge is person_updated, not added (W-personcb)


def test_same_external_id_merges_and_adds_the_mdn(client: TestClient) -> None:
    first = add(client, {"external_person_id": "CRM-1"}).json()
    r = add(client, {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 200
    assert r.json()["person_key"] == first["person_key"]
    assert r.json()["mobile_phone"]["mdn"] == "2135551234"


def test_mdn_of_a_person_with_another_external_id_is_409(client: TestClient) -> None:
    add(client, {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}})
    r = add(client, {"external_person_id": "CRM-2", "mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 409  # the MDN belongs to another record (fact sheet §2.4)
    assert codes(r) == [30]
    assert len(client.get("/_sim/companies/demo/state").json()["persons"]) == 1


def test_mdn_and_external_id_naming_two_records_is_409(client: TestClient) -> None:
    add(client, {"external_person_id": "CRM-1"})
    add(client, {"mobile_phone": {"mdn": "2135551234"}})
    r = add(client, {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 409


def test_custom_field_kinds_are_stored_and_shown(client: TestClient) -> None:
    body = {
        "external_person_id": "CRM-1",
        "custom_fields": {
            "first_name": "Ada",
            "birthdate": "1990-04-01",
            "gender": "female",
            "favorite_stores": ["airport", {"option_key": "online"}],
            "zip_code": None,
        },
    }
    r = add(client, body)
    assert r.status_code == 201, r.text
    fields = r.json()["custom_fields"]
    assert fields["first_name"] == "Ada"
    assert fields["birthdate"] == "1990-04-01T00:00:00Z"
    assert fields["gender"]["option_key"] == "female"
    assert set(fields["gender"]) == {"id", "name", "option_key", "active"}  # fact sheet §2.2
    assert [o["option_key"] for o in fields["favorite_stores"]] == ["airport", "online"]
    assert "zip_code" not in fields


def test_null_custom_field_removes_it_on_merge(client: TestClient) -> None:
    add(client, {"external_person_id": "CRM-1", "custom_fields": {"first_name": "Ada", "email": "a@x"}})
    r = add(client, {"external_person_id": "CRM-1", "custom_fields": {"email": None}})
    assert r.json()["custom_fields"] == {"first_name": "Ada"}


def test_system_owned_fields_are_ignored(client: TestClient) -> None:
    body = {"external_person_id": "CRM-1", "person_id": "999", "person_key": "mine", "created_at": "x"}
    r = add(client, body)
    assert r.status_code == 201
    assert r.json()["person_key"] != "mine" and r.json()["person_id"] != "999"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 1),
        ({"custom_fields": {"first_name": "Ada"}}, 1),
        ({"external_person_id": "CRM-1", "nickname": "x"}, 3),
        ({"external_person_id": 12}, 2),
        ({"mobile_phone": "2135551234"}, 2),
        ({"mobile_phone": {"mdn": "2135551234", "extra": 1}}, 3),
        ({"external_person_id": "x" * 129}, 2),
        ({"external_person_id": ""}, 2),
        ({"external_person_id": "CRM-1", "custom_fields": {"shoe_size": "9"}}, 53),
        ({"external_person_id": "CRM-1", "custom_fields": {"gender": "robot"}}, 2),
        ({"external_person_id": "CRM-1", "custom_fields": {"favorite_stores": ["moon"]}}, 2),
        ({"external_person_id": "CRM-1", "custom_fields": {"birthdate": "not a date"}}, 2),
        ({"external_person_id": "CRM-1", "custom_fields": {"first_name": True}}, 2),
        ({"external_person_id": "CRM-1", "custom_fields": "Ada"}, 2),
        ({"mobile_phone": {"mdn": "12345"}}, 40),
        ({"mobile_phone": {"mdn": "+12135551234"}}, 40),  # E.164 under version 1 (fact sheet §1.3)
        ({"timezone": 5, "external_person_id": "CRM-1"}, 2),
    ],
)
def test_unprocessable_bodies_are_422_and_write_nothing(client: TestClient, body: dict[str, Any], code: int) -> None:
    r = add(client, body)
    assert r.status_code == 422, r.text
    assert code in codes(r)
    assert client.get("/_sim/companies/demo/state").json()["persons"] == []
    assert client.get("/_sim/companies/demo/events").json() == []


def test_every_problem_is_listed_at_once(client: TestClient) -> None:
    body = {"external_person_id": 5, "nickname": "x", "mobile_phone": {"mdn": 7}}
    r = add(client, body)
    assert r.status_code == 422
    assert len(r.json()["errors"]) == 3  # fact sheet §1.5: all problems in one envelope
    assert sorted(codes(r)) == [2, 2, 3]


def test_schema_problems_do_not_hide_the_others(client: TestClient) -> None:
    """An unknown field, an E.164 MDN under version 1 and an undefined custom field: all three."""
    body = {
        "surprise": 1,
        "mobile_phone": {"mdn": "+12135551234"},
        "custom_fields": {"nope": "x", "first_name": {}},
    }
    r = add(client, body)
    assert r.status_code == 422
    messages = [e["message"] for e in r.json()["errors"]]
    assert len(messages) == 4, messages
    assert any(m.startswith("surprise") for m in messages)
    assert any(m.startswith("custom_fields.first_name") for m in messages)
    assert any(m.startswith("mobile_phone.mdn") and "X-API-Version" in m for m in messages)
    assert any("nope" in m for m in messages)
    assert client.get("/_sim/companies/demo/state").json()["persons"] == []


def test_a_field_the_schema_named_is_not_named_twice(client: TestClient) -> None:
    r = add(client, {"surprise": 1, "mobile_phone": {"mdn": 2135551234}})
    assert sorted(codes(r)) == [2, 3], r.text


def test_128_character_external_id_is_accepted(client: TestClient) -> None:
    r = add(client, {"external_person_id": "x" * 128})
    assert r.status_code == 201  # max 128 characters (fact sheet §2.2)

"""Person API: add, merge, conflict, update, upsert and lookups (fact sheet §2)."""

from __future__ import annotations

from typing import Any

import pytest

from catapult_sim.testing.client import CatapultClient
from catapult_sim.testing.contract._checks import WIRE_TIME, error, national, ok

pytestmark = pytest.mark.destructive
PERSONS = "/mobiledb/persons"


def add(api: CatapultClient, **body: object) -> dict[str, Any]:
    return ok(api.post(PERSONS, json=body), 201, schema="person-response")


def test_add_person_creates_with_relative_url_and_times(api: CatapultClient, mdn: str, ext_id: str) -> None:
    person = add(api, mobile_phone={"mdn": mdn}, external_person_id=ext_id)
    assert person["mobile_phone"]["mdn"] == mdn
    assert person["external_person_id"] == ext_id
    assert person["url"].startswith(f"/companies/{api.company}/mobiledb/persons/")
    assert WIRE_TIME.match(person["created_at"]) and WIRE_TIME.match(person["updated_at"])


def test_add_same_mdn_merges_and_keeps_unspecified_fields(api: CatapultClient, mdn: str, ext_id: str) -> None:
    first = add(api, mobile_phone={"mdn": mdn}, external_person_id=ext_id)
    merged = ok(api.post(PERSONS, json={"mobile_phone": {"mdn": mdn}}), 200, schema="person-response")
    assert merged["person_key"] == first["person_key"]
    assert merged["external_person_id"] == ext_id


def test_add_with_mdn_of_another_record_conflicts(api: CatapultClient, mdn: str, ext_id: str) -> None:
    add(api, mobile_phone={"mdn": mdn}, external_person_id=ext_id)
    other = add(api, external_person_id=ext_id + "-b")
    assert other["external_person_id"] == ext_id + "-b"
    error(api.post(PERSONS, json={"mobile_phone": {"mdn": mdn}, "external_person_id": ext_id + "-b"}), 409)


def test_add_without_identifier_is_unprocessable(api: CatapultClient) -> None:
    error(api.post(PERSONS, json={"custom_fields": {}}), 422)


def test_get_by_key_and_by_external_id(api: CatapultClient, mdn: str, ext_id: str) -> None:
    person = add(api, mobile_phone={"mdn": mdn}, external_person_id=ext_id)
    by_key = ok(api.get(f"{PERSONS}/{person['person_key']}"), 200, schema="person-response")
    by_ext = ok(api.get(f"{PERSONS}/external/{ext_id}"), 200, schema="person-response")
    assert by_key["person_key"] == by_ext["person_key"] == person["person_key"]


def test_unknown_person_is_404(api: CatapultClient) -> None:
    error(api.get(f"{PERSONS}/no-such-person-key"), 404)
    error(api.get(f"{PERSONS}/external/no-such-external-id"), 404)


def test_update_is_partial_and_null_removes(api: CatapultClient, mdn: str, ext_id: str) -> None:
    person = add(api, mobile_phone={"mdn": mdn}, external_person_id=ext_id)
    url = f"{PERSONS}/{person['person_key']}"
    updated = ok(api.put(url, json={"external_person_id": None}), 200, 201, schema="person-response")
    assert "external_person_id" not in updated or updated["external_person_id"] is None
    assert updated["mobile_phone"]["mdn"] == mdn


def test_changing_an_existing_mdn_conflicts(api: CatapultClient, mdn: str) -> None:
    person = add(api, mobile_phone={"mdn": mdn})
    other = mdn[:-4] + ("0000" if mdn[-4:] != "0000" else "0001")
    error(api.put(f"{PERSONS}/{person['person_key']}", json={"mobile_phone": {"mdn": other}}), 409)


def test_put_by_external_id_upserts(api: CatapultClient, mdn: str, ext_id: str) -> None:
    url = f"{PERSONS}/external/{ext_id}"
    created = ok(api.put(url, json={"mobile_phone": {"mdn": mdn}}), 201, schema="person-response")
    updated = ok(api.put(url, json={"timezone": "US/Central"}), 200, 201, schema="person-response")
    assert created["person_key"] == updated["person_key"]


def test_find_by_mdn_needs_percent_encoded_plus(api: CatapultClient, mdn: str) -> None:
    person = add(api, mobile_phone={"mdn": mdn})
    found = api.get(PERSONS, params={"mdn": mdn})  # httpx encodes + as %2B
    body = ok(found, 200)
    first = body[0] if isinstance(body, list) else body
    assert first["person_key"] == person["person_key"]
    raw_plus = api.http.get(f"/companies/{api.company}{PERSONS}?mdn={mdn}")  # + decodes to a space
    error(raw_plus, 400)


def test_find_by_mdn_missing_or_unknown_is_404(api: CatapultClient, mdn: str) -> None:
    error(api.get(PERSONS), 404)
    error(api.get(PERSONS, params={"mdn": mdn}), 404)


def test_version_1_shows_national_numbers(api: CatapultClient, api_v1: CatapultClient, mdn: str) -> None:
    person = add(api, mobile_phone={"mdn": mdn})
    got = ok(api_v1.get(f"{PERSONS}/{person['person_key']}"), 200, schema="person-response")
    assert got["mobile_phone"]["mdn"] == national(mdn)
    found = ok(api_v1.get(PERSONS, params={"mdn": national(mdn)}), 200)
    assert (found[0] if isinstance(found, list) else found)["person_key"] == person["person_key"]


def test_version_1_rejects_e164_and_version_2_rejects_national(
    api: CatapultClient, api_v1: CatapultClient, mdn: str
) -> None:
    assert api_v1.post(PERSONS, json={"mobile_phone": {"mdn": mdn}}).status_code in (400, 422)
    assert api.post(PERSONS, json={"mobile_phone": {"mdn": national(mdn)}}).status_code in (400, 422)

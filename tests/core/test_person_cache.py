"""Persons read by key are kept in memory (Persons.get): a read never shows a stale person, whatever
changed it (an update, a merge, a failed write, a rollback, a reset, a bulk load)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.core import persons as persons_module
from catapult_sim.errors import Conflict
from tests.conftest import AUTH

P = "/companies/demo/mobiledb/persons"


def _add(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(P, json=body, headers=AUTH)
    assert r.status_code in (200, 201), r.text
    answer: dict[str, Any] = r.json()
    return answer


def _get(client: TestClient, key: str) -> dict[str, Any]:
    r = client.get(f"{P}/{key}", headers=AUTH)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_an_update_and_a_merge_show_at_once(client: TestClient) -> None:
    key = _add(client, {"mobile_phone": {"mdn": "2135550101"}, "custom_fields": {"first_name": "Ada"}})["person_key"]
    assert _get(client, key)["custom_fields"] == {"first_name": "Ada"}
    assert client.put(f"{P}/{key}", json={"custom_fields": {"first_name": "Grace"}}, headers=AUTH).status_code == 200
    assert _get(client, key)["custom_fields"] == {"first_name": "Grace"}
    _add(client, {"mobile_phone": {"mdn": "2135550101"}, "external_person_id": "CRM-9"})  # merges (200)
    assert _get(client, key)["external_person_id"] == "CRM-9"
    by_id = client.get(f"{P}/{_get(client, key)['person_id']}", headers=AUTH).json()  # the numeric id form
    assert by_id == _get(client, key)


def test_a_refused_update_leaves_the_person_as_it_was(client: TestClient) -> None:
    key = _add(client, {"mobile_phone": {"mdn": "2135550102"}, "custom_fields": {"first_name": "Ada"}})["person_key"]
    _add(client, {"mobile_phone": {"mdn": "2135550103"}, "external_person_id": "TAKEN"})
    before = _get(client, key)
    r = client.put(
        f"{P}/{key}", json={"external_person_id": "TAKEN", "custom_fields": {"first_name": "X"}}, headers=AUTH
    )
    assert r.status_code == 409
    assert _get(client, key) == before


def test_a_rolled_back_change_is_not_shown(client: TestClient) -> None:
    key = _add(client, {"mobile_phone": {"mdn": "2135550104"}, "custom_fields": {"first_name": "Ada"}})["person_key"]
    before = _get(client, key)
    sim = client.app.simulator  # type: ignore[attr-defined]
    db = sim.db
    with pytest.raises(Conflict), sim.store.transaction() as tx:
        person = db.persons.get(tx, "demo", key)
        patch = persons_module.parse_patch(db.env, "demo", {"custom_fields": {"first_name": "Gone"}}, 1)
        db.persons.update(tx, person, patch)
        assert db.persons.get(tx, "demo", key).custom_fields == {"first_name": "Gone"}  # inside, it shows
        raise Conflict("something later in the same transaction failed")
    assert _get(client, key) == before


def test_a_reset_and_a_bulk_load_are_seen(client: TestClient) -> None:
    key = _add(client, {"mobile_phone": {"mdn": "2135550105"}})["person_key"]
    _get(client, key)
    assert client.post("/_sim/companies/demo/reset", json={}).status_code == 200
    assert client.get(f"{P}/{key}", headers=AUTH).status_code == 404
    loaded = client.post(
        "/_sim/companies/demo/persons/import?format=jsonl", content=b'{"mobile_phone": {"mdn": "2135550106"}}\n'
    )
    assert loaded.status_code == 200, loaded.text
    found = client.get(f"{P}?mdn=2135550106", headers=AUTH).json()
    assert _get(client, found["person_key"]) == found


def test_past_its_bound_it_starts_again_and_reads_stay_right(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persons_module, "CACHED_PERSONS", 3)
    keys = [_add(client, {"mobile_phone": {"mdn": f"21355502{n:02d}"}})["person_key"] for n in range(6)]
    for key in keys:
        _get(client, key)
    kept = client.app.simulator.db.persons._by_key  # type: ignore[attr-defined]
    assert [k for _, k in kept] == keys[-3:]
    assert client.put(f"{P}/{keys[0]}", json={"timezone": "UTC"}, headers=AUTH).status_code == 200
    assert _get(client, keys[0])["timezone"] == "UTC"

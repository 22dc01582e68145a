"""Ids are never handed out twice by one store, and a new row never replaces another."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.dbfile import DatabaseUnavailable
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator

P = "/companies/demo/mobiledb/persons"


def _add(client: TestClient, ext: str) -> dict[str, str]:
    r = client.post(P, json={"external_person_id": ext})
    assert r.status_code == 201, r.text
    person: dict[str, str] = r.json()
    return person


def test_a_fresh_store_is_reproducible_and_a_reopened_one_continues(tmp_path: Path) -> None:
    def first_keys(db: str, tag: str = "E") -> list[str]:
        app = create_app(Settings(random_seed=7, db=db))
        try:
            with TestClient(app, headers=AUTH) as c:
                return [_add(c, f"{tag}{i}")["person_key"] for i in range(3)]
        finally:
            app.state.sim.close()

    a, b = first_keys(str(tmp_path / "a.db")), first_keys(str(tmp_path / "b.db"))
    assert a == b  # the same seed on a fresh store: the same ids
    again = first_keys(str(tmp_path / "a.db"), "F")
    assert not set(again) & set(a)  # the same seed on a store that has ids: new ones


def test_person_ids_go_on_past_a_reset(client: TestClient) -> None:
    first = _add(client, "A")["person_id"]
    assert client.post("/_sim/reset", json={}).status_code == 200
    assert int(_add(client, "B")["person_id"]) > int(first)
    assert client.post("/_sim/companies/demo/reset", json={}).status_code == 200
    assert int(_add(client, "C")["person_id"]) > int(first) + 1


def test_a_colliding_key_is_refused_and_the_saved_person_kept(client: TestClient, sim: Simulator) -> None:
    saved = _add(client, "SAVED")
    sim.ids.person_key = lambda: saved["person_key"]  # type: ignore[method-assign]
    r = client.post(P, json={"external_person_id": "NEW"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == 63
    kept = client.get(f"{P}/{saved['person_key']}").json()
    assert kept["external_person_id"] == "SAVED" and kept["person_id"] == saved["person_id"]
    assert client.get(f"{P}/external/NEW").status_code == 404  # nothing of the refused one was written


def test_one_process_cannot_open_a_db_twice(tmp_path: Path) -> None:
    db = str(tmp_path / "one.db")
    first = Simulator(Settings(db=db))
    try:
        with pytest.raises(DatabaseUnavailable, match="in use"):
            Simulator(Settings(db=db))
    finally:
        first.close()
    Simulator(Settings(db=db)).close()  # released on close

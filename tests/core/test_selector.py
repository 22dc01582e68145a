"""The one person-selector rule (catapult_sim/core/selector.py), in core and through every endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from catapult_sim.core.models import Person
from catapult_sim.core.persons import parse_patch
from catapult_sim.core.selector import ORDER, select
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    s = Simulator(Settings(random_seed=5))
    yield s
    s.close()


def add(sim: Simulator, mdn: str, ext: str) -> Person:
    with sim.store.transaction() as tx:
        body = {"mobile_phone": {"mdn": mdn}, "external_person_id": ext}
        return sim.db.persons.add(tx, "demo", parse_patch(sim.db.env, "demo", body, 1))[1]


def test_every_identifier_names_the_same_person(sim: Simulator) -> None:
    ann = add(sim, "2135550101", "A-1")
    ids = {"person_key": ann.person_key, "person_id": str(ann.person_id), "external_person_id": "A-1"}
    with sim.store.read() as tx:
        sel = select(tx, "demo", {**ids, "mdn": "+12135550101"})
    assert sel.exact == ann and sel.person == ann and not sel.mismatch and not sel.unknown
    assert list(sel.given) == list(ORDER)


def test_identifiers_naming_different_persons_are_a_mismatch(sim: Simulator) -> None:
    ann, bob = add(sim, "2135550101", "A-1"), add(sim, "2135550102", "B-1")
    with sim.store.read() as tx:
        sel = select(tx, "demo", {"mdn": "+12135550101", "external_person_id": bob.external_person_id})
    assert sel.mismatch and sel.person is None and sel.exact is None
    assert {p.person_key for p in sel.found.values()} == {ann.person_key, bob.person_key}


def test_the_first_unknown_identifier_in_order_is_reported(sim: Simulator) -> None:
    ann = add(sim, "2135550101", "A-1")
    with sim.store.read() as tx:
        sel = select(tx, "demo", {"mdn": "+12135550199", "person_key": "nobody", "external_person_id": "A-1"})
    assert sel.unknown == ["person_key", "mdn"]
    assert sel.person == ann and sel.exact is None  # the known one still names ann; not every one does


def test_person_key_also_takes_the_numeric_person_id(sim: Simulator) -> None:
    ann = add(sim, "2135550101", "A-1")
    with sim.store.read() as tx:
        assert select(tx, "demo", {"person_key": str(ann.person_id)}).exact == ann
        assert select(tx, "demo", {}).given == {}


# -- the endpoints keep their own status codes, and now agree on who is named ----------------------


def _person(client: TestClient, mdn: str, ext: str) -> dict[str, str]:
    body = {"mobile_phone": {"mdn": mdn}, "external_person_id": ext}
    r = client.post("/companies/demo/mobiledb/persons", json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_control_refuses_identifiers_naming_different_persons(client: TestClient) -> None:
    _person(client, "2135550101", "A-1")
    _person(client, "2135550102", "B-1")
    r = client.post("/_sim/companies/demo/disconnect", json={"mdn": "2135550101", "external_person_id": "B-1"})
    assert r.status_code == 404 and "different persons" in r.text
    r = client.post("/_sim/companies/demo/disconnect", json={"mdn": "2135550101", "external_person_id": "A-1"})
    assert r.status_code == 200, r.text


def test_subscriber_search_and_control_agree(client: TestClient) -> None:
    ann = _person(client, "2135550101", "A-1")
    client.post("/_sim/companies/demo/opt-in", json={"person_key": ann["person_key"], "list_id": "1001"})
    url = "/companies/demo/mobiledb/subscription_lists/1001/subscribers"
    assert client.get(url, params={"person_key": str(ann["person_id"])}).status_code == 200
    state = client.get("/_sim/companies/demo/person", params={"person_key": str(ann["person_id"])})
    assert state.status_code == 200 and state.json()["person"]["person_key"] == ann["person_key"]


def test_pending_participants_list_nothing_for_disagreeing_identifiers(client: TestClient) -> None:
    url = "/companies/demo/campaigns/acquisition/DemoDOI1/participants"
    added = client.post(url, json={"mobile_phone": {"mdn": "2135550101"}, "external_person_id": "A-1"})
    assert added.status_code == 201, added.text
    _person(client, "2135550102", "B-1")
    assert len(client.get(url, params={"mdn": "2135550101"}).json()) == 1
    assert client.get(url, params={"mdn": "2135550101", "external_person_id": "B-1"}).json() == []

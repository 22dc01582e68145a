"""/_sim inspection and test control: health, reset, companies, state, events, person, clock."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.core.clock import parse_iso
from catapult_sim.settings import Settings

S = "/_sim"
SC = "/_sim/companies/demo"
P = "/companies/demo/mobiledb/persons"


def add(client: TestClient, company: str = "demo", **body: Any) -> dict[str, Any]:
    r = client.post(f"/companies/{company}/mobiledb/persons", json=body or {"external_person_id": "CRM-1"})
    assert r.status_code == 201, r.text
    person: dict[str, Any] = r.json()
    return person


def persons(client: TestClient, company: str = "demo") -> list[str]:
    return [p["person_key"] for p in client.get(f"{S}/companies/{company}/state").json()["persons"]]


def test_health(client: TestClient) -> None:
    r = client.get(f"{S}/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["clock"] == "system"


def test_reset_all(client: TestClient) -> None:
    add(client)
    add(client, "job-a")
    r = client.post(f"{S}/reset", json={})
    assert r.status_code == 200 and r.json()["reset"] == ["demo"]
    assert persons(client) == []
    assert [c["key"] for c in client.get(f"{S}/companies").json()] == ["demo"]  # provisioned ones go
    assert len(client.get("/companies/demo/mobiledb/subscription_lists").json()) == 3  # seed is back


@pytest.mark.parametrize("how", ["body", "path"])
def test_reset_one_company(client: TestClient, how: str) -> None:
    add(client)
    kept = add(client, "job-a")
    r = client.post(f"{S}/reset", json={"company": "demo"}) if how == "body" else client.post(f"{SC}/reset", json={})
    assert r.json()["reset"] == ["demo"]
    assert persons(client) == [] and persons(client, "job-a") == [kept["person_key"]]
    assert client.get(f"{SC}/events").json() == []


def test_reset_clears_archives_and_blocks(client: TestClient) -> None:
    client.post(f"{SC}/lists/1003/archive", json={})
    client.post(f"{SC}/reset", json={})
    assert client.get("/companies/demo/mobiledb/subscription_lists/1003").status_code == 200


def test_reset_with_a_seed_makes_ids_reproducible(settings: Settings) -> None:
    def run() -> list[str]:
        with TestClient(create_app(settings), headers=AUTH) as client:
            keys = []
            for _ in range(2):
                client.post(f"{S}/reset", json={"seed": 42})
                keys.append(add(client)["person_key"])
            return keys

    first, again = run(), run()
    assert first == again  # the same calls on a fresh simulator: the same ids
    assert first[0] != first[1]  # but one store never hands out an id twice, whatever the seed


def test_state_dump(client: TestClient) -> None:
    body = {"mobile_phone": {"mdn": "2135551234"}, "external_person_id": "CRM-1"}
    client.post("/companies/demo/campaigns/acquisition/DemoDOI1/participants", json=body)
    dump = client.get(f"{SC}/state").json()
    assert dump["company"] == "demo"
    [person] = dump["persons"]
    assert person["mobile_phone"]["mdn"] == "+12135551234"  # state shows E.164
    assert [p["status"] for p in dump["participants"]] == ["PENDING"]
    assert [x["id"] for x in dump["subscription_lists"]] == ["1001", "1002", "1003"]
    campaigns = {c["acquisition_id"]: c for c in dump["acquisition_campaigns"]}
    assert campaigns["DemoDOI2"]["confirm_hours"] == 1 and campaigns["DemoSOI1"]["double_opt_in"] is False


def test_events_filters(client: TestClient) -> None:
    add(client)
    client.post(P, json={"external_person_id": "CRM-1", "timezone": "UTC"})
    every = client.get(f"{SC}/events").json()
    assert [e["type"] for e in every] == ["person_added", "person_updated"]
    assert every[1]["data"]["person"]["timezone"] == "UTC"
    after = client.get(f"{SC}/events", params={"after": every[0]["id"]}).json()
    assert after == every[1:]
    typed = client.get(f"{SC}/events", params={"type": "person_added"}).json()
    assert typed == every[:1]


def test_person_endpoint(client: TestClient) -> None:
    ada = add(client, mobile_phone={"mdn": "2135551234"}, external_person_id="CRM-1")
    for params in (
        {"mdn": "+12135551234"},
        {"person_key": ada["person_key"]},
        {"external_person_id": "CRM-1"},
    ):
        r = client.get(f"{SC}/person", params=params)
        assert r.status_code == 200 and r.json()["person"]["person_key"] == ada["person_key"]
    assert client.get(f"{SC}/person", params={"mdn": "2135559999"}).status_code == 404
    assert client.get(f"{SC}/person").status_code == 400


def test_clock_manual_set_and_advance(client: TestClient) -> None:
    r = client.post(f"{S}/clock", json={"mode": "manual", "now": "2030-01-01T00:00:00Z"})
    assert r.json() == {"mode": "manual", "now": "2030-01-01T00:00:00Z"}
    assert client.post(f"{S}/clock/advance", json={"by": "90m"}).json()["now"] == "2030-01-01T01:30:00Z"
    assert client.post(f"{S}/clock/advance", json={"seconds": 30}).json()["now"] == "2030-01-01T01:30:30Z"
    assert client.post(f"{S}/clock", json={"now": "2030-02-01T00:00:00Z"}).json()["now"] == "2030-02-01T00:00:00Z"
    assert add(client)["created_at"] == "2030-02-01T00:00:00Z"  # records follow the clock
    assert client.get(f"{S}/health").json()["clock"] == "manual"
    system = client.post(f"{S}/clock", json={"mode": "system"}).json()
    assert system["mode"] == "system" and parse_iso(system["now"]).year < 2030


@pytest.mark.parametrize(("by", "seconds"), [("250ms", 0.25), ("15s", 15), ("2h", 7200), ("1d", 86400), ("7", 7)])
def test_clock_durations(client: TestClient, by: str, seconds: float) -> None:
    start = parse_iso(client.post(f"{S}/clock", json={"mode": "manual", "now": "2030-01-01T00:00:00Z"}).json()["now"])
    client.post(f"{S}/clock/advance", json={"by": by})
    sim = client.app.state.sim  # type: ignore[attr-defined]
    assert (sim.clock.now() - start).total_seconds() == seconds


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", f"{S}/reset", [], 400),
        ("POST", f"{S}/reset", {"company": "nope"}, 400),
        ("POST", f"{S}/reset", {"company": 5}, 422),
        ("POST", f"{S}/reset", {"seed": "x"}, 422),
        ("POST", f"{S}/reset", {"seed": True}, 422),
        ("POST", f"{S}/reset", {"everything": True}, 422),
        ("GET", f"{SC}/events?after=-1", None, 400),
        ("GET", f"{SC}/events?after=x", None, 400),
        ("GET", f"{SC}/events?after=99999999999999999999999", None, 400),
        ("GET", f"{SC}/events?after=%C2%B2", None, 400),
        ("POST", f"{S}/clock", None, 400),
        ("POST", f"{S}/clock", {"mode": "sundial"}, 422),
        ("POST", f"{S}/clock", {"now": "yesterday"}, 422),
        ("POST", f"{S}/clock", {"now": 5}, 422),
        ("POST", f"{S}/clock", {"mode": "manual", "now": "1999-01-01T00:00:00Z"}, 400),
        ("POST", f"{S}/clock", {"tick": 1}, 422),
        ("POST", f"{S}/clock/advance", {"by": "soon"}, 422),
        ("POST", f"{S}/clock/advance", {"by": ""}, 422),
        ("POST", f"{S}/clock/advance", {"seconds": -5}, 422),
        ("POST", f"{S}/clock/advance", {"seconds": True}, 422),
        ("POST", f"{S}/clock/advance", {"seconds": 1e12}, 422),
        ("POST", f"{S}/clock/advance", {}, 422),
        ("POST", f"{S}/clock/advance", None, 400),
    ],
)
def test_bad_input_is_a_4xx_envelope_and_changes_nothing(
    client: TestClient, method: str, path: str, body: Any, status: int
) -> None:
    client.post(f"{S}/clock", json={"mode": "manual", "now": "2030-01-01T00:00:00Z"})
    add(client)
    before = client.get(f"{SC}/state").json(), client.get(f"{SC}/events").json()
    r = client.request(method, path, json=body) if body is not None else client.request(method, path)
    assert r.status_code == status, r.text
    assert schemas.is_valid("error-envelope", r.json())
    assert (client.get(f"{SC}/state").json(), client.get(f"{SC}/events").json()) == before


def test_advancing_a_system_clock_is_400(client: TestClient) -> None:
    r = client.post(f"{S}/clock/advance", json={"by": "1h"})
    assert r.status_code == 400
    assert client.get(f"{S}/clock").json()["mode"] == "system"

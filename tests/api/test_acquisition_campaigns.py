"""Acquisition campaigns and pending participants (fact sheet §5.1, §5.2, §5.4), on a manual clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AUTH, V2
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.clock import parse_iso
from catapult_sim.settings import Settings

A = "/companies/demo/campaigns/acquisition"
START = "2030-01-01T12:00:00Z"


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=5, clock="manual", start_time=START)


def join(client: TestClient, campaign: str, body: dict[str, Any], headers: Any = None) -> Any:
    return client.post(f"{A}/{campaign}/participants", json=body, headers=headers)


def pending(client: TestClient, campaign: str, **params: str) -> Any:
    return client.get(f"{A}/{campaign}/participants", params=params)


def test_list_campaigns_answers_the_active_ones(client: TestClient) -> None:
    r = client.get(A)
    assert r.status_code == 200
    by_id = {c["acquisition_id"]: c for c in r.json()}
    assert sorted(by_id) == ["DemoDOI1", "DemoDOI2", "DemoSOI1"]  # not DemoPast (W-acqmeth)
    first = by_id["DemoSOI1"]
    assert first["campaign_type"] == {"code": "ACQUISITION"}  # fact sheet §5.2
    assert first["status"] == "active"
    assert first["acquisition_campaign"] == {"keywords": ["JOIN", "NEWS"]}
    assert first["url"] == f"{A}/DemoSOI1"


def test_get_campaign_answers_any_status(client: TestClient) -> None:
    assert client.get(f"{A}/DemoDOI1").json()["status"] == "active"
    assert client.get(f"{A}/DemoPast").json()["status"] == "past"
    assert client.get(f"{A}/Nope").status_code == 404


def test_no_active_campaign_is_404(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"companies": [{"key": "demo", "campaigns": []}]}))
    with TestClient(create_app(Settings(seed_file=str(seed))), headers=AUTH) as c:
        assert c.get(A).status_code == 404  # OAS: 404 "no campaigns"


def test_campaign_dates_follow_the_clock(tmp_path: Path) -> None:
    spec = {"acquisition_id": "Later", "list_id": "1001", "start_date": "2030-01-02T00:00:00Z"}
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"companies": [{"key": "demo", "campaigns": [spec]}]}))
    settings = Settings(seed_file=str(seed), clock="manual", start_time=START)
    with TestClient(create_app(settings), headers=AUTH) as c:
        assert c.get(f"{A}/Later").json()["status"] == "scheduled"
        assert join(c, "Later", {"mobile_phone": {"mdn": "2135551234"}}).status_code == 422
        c.post("/_sim/clock/advance", json={"by": "1d"})
        assert c.get(f"{A}/Later").json()["status"] == "active"
        assert join(c, "Later", {"mobile_phone": {"mdn": "2135551234"}}).status_code == 201


# -- pending participants --------------------------------------------------------------------------


@pytest.fixture
def ada(client: TestClient) -> dict[str, Any]:
    """A person with a PENDING participation in the double opt-in campaign DemoDOI1."""
    body = {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}}
    r = join(client, "DemoDOI1", body)
    assert r.status_code == 201 and r.json()["status"] == "PENDING", r.text
    person: dict[str, Any] = r.json()["person"]
    return person


@pytest.mark.parametrize("by", ["mdn", "person_id", "external_person_id", "person_key"])
def test_pending_participants_by_each_parameter(client: TestClient, ada: dict[str, Any], by: str) -> None:
    value = {"mdn": "2135551234", "external_person_id": "CRM-1"}.get(by) or ada[by]
    r = pending(client, "DemoDOI1", **{by: value})
    assert r.status_code == 200
    [item] = r.json()
    assert item["status"] == "PENDING" and item["person"]["person_key"] == ada["person_key"]


def test_pending_participants_under_v2(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.get(f"{A}/DemoDOI1/participants?mdn=%2B12135551234", headers=V2)
    assert [p["person"]["person_key"] for p in r.json()] == [ada["person_key"]]


@pytest.mark.parametrize(
    "params",
    [{"mdn": "2135559999"}, {"person_id": "777"}, {"person_id": "abc"}, {"external_person_id": "CRM-404"}],
)
def test_pending_participants_empty_when_none(client: TestClient, ada: dict[str, Any], params: dict[str, str]) -> None:
    r = pending(client, "DemoDOI1", **params)
    assert r.status_code == 200 and r.json() == []  # OAS: empty array when nothing is pending


def test_pending_participants_of_another_campaign_are_not_listed(client: TestClient, ada: dict[str, Any]) -> None:
    assert pending(client, "DemoDOI2", mdn="2135551234").json() == []


def test_pending_participants_errors(client: TestClient, ada: dict[str, Any]) -> None:
    assert pending(client, "DemoDOI1").status_code == 400  # no parameter (docs/fidelity.md)
    assert pending(client, "DemoDOI1", mdn="+12135551234").status_code == 400  # OAS: bad MDN
    assert pending(client, "Nope", mdn="2135551234").status_code == 404


def test_pending_participation_expires_with_the_clock(client: TestClient) -> None:
    r = join(client, "DemoDOI2", {"mobile_phone": {"mdn": "2135551234"}})
    part = r.json()
    window = parse_iso(part["expire_date"]) - parse_iso(part["participation_date"])
    assert window.total_seconds() == 3600  # DemoDOI2 gives one hour to confirm
    client.post("/_sim/clock/advance", json={"by": "59m"})
    assert len(pending(client, "DemoDOI2", mdn="2135551234").json()) == 1
    client.post("/_sim/clock/advance", json={"by": "1m"})
    assert pending(client, "DemoDOI2", mdn="2135551234").json() == []
    statuses = [p["status"] for p in client.get("/_sim/companies/demo/state").json()["participants"]]
    assert statuses == ["EXPIRED"]
    changed = client.get("/_sim/companies/demo/events", params={"type": "ack_participant_changed"}).json()
    assert changed == []  # no callback on expiry (fact sheet §5.5)
    again = join(client, "DemoDOI2", {"mobile_phone": {"mdn": "2135551234"}})
    assert (again.status_code, again.json()["status"]) == (201, "PENDING")


def test_default_window_is_24_hours(client: TestClient, ada: dict[str, Any]) -> None:
    [part] = pending(client, "DemoDOI1", mdn="2135551234").json()
    assert part["participation_date"] == START
    assert part["expire_date"] == "2030-01-02T12:00:00Z"  # examples show 24 h (fact sheet §5.5)

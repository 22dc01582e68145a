"""The Callback API (fact sheet §6): register, list, get, replace, cancel, test events; bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import AUTH, V2, pinned
from tests.conftest import PINNED_START as NOW

CB = "/companies/demo/config/callbacks"


@pytest.fixture
def settings() -> Settings:
    return pinned()


def body(type_: str = "subscription_added", url: str = "https://crm.example.com/hook", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"callback_type": type_, "destination": {"url": url}}
    if type_.startswith("subscription_"):
        out[type_] = {"list_id": "1001"}
    if type_.startswith("ack_participant_"):
        out[type_] = {"campaign_id": "DemoDOI1"}
    return {**out, **extra}


def registrations(client: TestClient) -> list[dict[str, Any]]:
    r = client.get(CB)
    assert r.status_code == 200
    result: list[dict[str, Any]] = r.json()
    return result


def messages(resp: Any) -> list[str]:
    return [e["message"] for e in resp.json()["errors"]]


def test_register_answers_201_with_the_documented_resource(client: TestClient) -> None:
    r = client.post(CB, json=body(), headers=V2)
    assert r.status_code == 201, r.text
    reg = r.json()
    assert schemas.problems("callback-registration", reg) == []
    assert re.fullmatch(r"[A-Za-z0-9]{8}", reg["callback_id"])
    assert reg["callback_type"] == reg["event_type"] == "subscription_added"
    assert reg["subscription_added"] == {"list_id": "1001"}
    assert reg["destination"] == {
        "url": "https://crm.example.com/hook",
        "method": "POST",
        "content_type": "application/json",
    }
    assert reg["start_date"] == reg["created_at"] == reg["updated_at"] == NOW
    assert "end_date" not in reg
    assert reg["url"] == f"{CB}/{reg['callback_id']}"
    assert client.get(reg["url"]).json() == reg
    assert registrations(client) == [reg]


def test_the_deprecated_event_type_registers_too(client: TestClient) -> None:
    r = client.post(CB, json={"event_type": "person_added", "destination": {"url": "http://crm.test/h"}})
    assert r.status_code == 201, r.text
    assert r.json()["callback_type"] == "person_added"


def test_system_fields_are_ignored_on_write(client: TestClient) -> None:
    sent = {**body(), "callback_id": "MINE", "url": "/elsewhere", "created_at": "1999-01-01T00:00:00Z"}
    reg = client.post(CB, json=sent).json()
    assert reg["callback_id"] != "MINE" and reg["url"].endswith(reg["callback_id"]) and reg["created_at"] == NOW


def test_put_replaces_and_keeps_the_start_date_delete_cancels(client: TestClient) -> None:
    reg = client.post(CB, json=body(start_date="2024-01-01T00:00:00Z")).json()
    client.post("/_sim/clock/advance", json={"by": "1h"})
    changed = body("subscription_removed", "http://crm.test/other")
    changed["destination"].update(method="PUT", content_type="text/json")
    r = client.put(reg["url"], json=changed, headers=V2)
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["callback_type"] == "subscription_removed" and new["subscription_removed"] == {"list_id": "1001"}
    assert new["destination"] == {
        "url": "http://crm.test/other",
        "method": "PUT",
        "content_type": "text/json",
    }
    assert new["start_date"] == NOW and new["updated_at"] == "2024-01-01T01:00:00Z"
    gone = client.delete(reg["url"])
    assert gone.status_code == 200 and gone.json()["end_date"] == "2024-01-01T01:00:00Z"
    assert registrations(client) == []
    assert client.delete(reg["url"]).status_code == 404
    assert client.put(reg["url"], json=body()).status_code == 404
    assert client.get(CB + "/nope").status_code == 404


def test_future_dated_registrations_are_listed_and_ended_ones_are_not(client: TestClient) -> None:
    future = client.post(CB, json=body(start_date="2024-02-01")).json()
    assert future["start_date"] == "2024-02-01T00:00:00Z"
    client.post(CB, json=body("person_added", end_date="2024-01-01T00:30:00Z"))
    assert len(registrations(client)) == 2
    client.post("/_sim/clock/advance", json={"by": "1h"})
    assert [r["callback_id"] for r in registrations(client)] == [future["callback_id"]]


def test_an_invalid_registration_lists_every_problem_and_stores_nothing(client: TestClient) -> None:
    r = client.post(CB, json={"destination": {"url": "ftp://crm.test", "method": "GET"}, "color": "red"})
    assert r.status_code == 422
    text = " | ".join(messages(r))
    for field in ("callback_type", "destination.url", "destination.method", "color"):
        assert field in text, text
    assert registrations(client) == []


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        (body(end_date="2023-12-31"), "end_date"),
        (body(subscription_added={"list_id": "9999"}), "list_id"),
        (body("ack_participant_added", ack_participant_added={"campaign_id": "Nope"}), "campaign_id"),
        (body("person_added", subscription_added={"list_id": "1001"}), "subscription_added"),
        ({"callback_type": "subscription_added", "destination": {"url": "http://c"}}, "subscription_added"),
        (body(url="http://crm.test/" + "x" * 1020), "destination.url"),
        (body(url="http://"), "destination.url"),
        (body(start_date="yesterday"), "start_date"),
        ({"callback_type": "person_added", "event_type": "person_updated", "destination": {"url": "http://a.test"}},
         "event_type"),
        (body("event_processed"), "callback_type"),
    ],
)  # fmt: skip
def test_invalid_registrations_get_a_422_naming_the_field(client: TestClient, sent: Any, field: str) -> None:
    r = client.post(CB, json=sent)
    assert r.status_code == 422, r.text
    assert any(field in m for m in messages(r)), messages(r)
    assert registrations(client) == []


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_400(client: TestClient, raw: bytes) -> None:
    r = client.post(CB, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] in (4,)
    assert registrations(client) == []


def test_credentials_are_required(client: TestClient) -> None:
    assert client.get(CB, headers={"Authorization": ""}).status_code == 401


def test_at_most_50_registrations_per_company(client: TestClient) -> None:
    for n in range(50):
        assert client.post(CB, json=body("person_added", f"http://crm.test/{n}")).status_code == 201
    r = client.post(CB, json=body("person_added", "http://crm.test/one-more"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == 61
    assert len(registrations(client)) == 50


def test_the_same_type_selector_and_url_with_overlapping_dates_is_a_409(client: TestClient) -> None:
    first = client.post(CB, json=body(end_date="2024-03-01")).json()
    r = client.post(CB, json=body())
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == 62
    assert first["callback_id"] in r.json()["errors"][0]["message"]
    assert client.post(CB, json=body(url="https://crm.example.com/fan-out")).status_code == 201  # another URL
    assert client.post(CB, json=body(subscription_added={"list_id": "1002"})).status_code == 201  # another list
    assert client.post(CB, json=body(start_date="2024-03-01")).status_code == 201  # after the first ends
    assert len(registrations(client)) == 4


def test_test_event_without_a_registration_is_a_404(client: TestClient) -> None:
    r = client.post("/companies/demo/config/callback_events/test", json={"callback_type": "person_added"})
    assert r.status_code == 404


def test_test_event_rejects_unknown_fields(client: TestClient) -> None:
    client.post(CB, json=body("person_added"))
    r = client.post("/companies/demo/config/callback_events/test", json={"callback_type": "person_added", "x": 1})
    assert r.status_code == 422


def test_test_event_delivers_a_sample_with_the_overrides_and_the_event_id(
    client: TestClient, receiver: CallbackInbox
) -> None:
    client.post(CB, json=body("person_added", receiver.url), headers=V2)
    sent = {
        "callback_type": "person_added",
        "person": {"external_person_id": "CRM-1", "mobile": {"mdn": "+15550001111"}},
    }
    r = client.post("/companies/demo/config/callback_events/test", json=sent)
    assert r.status_code == 200, r.text
    assert schemas.problems("test-callback-response", r.json()) == []
    got = receiver.wait_requests(1)[0]
    payload = got.json
    assert payload["event_id"] == r.json()["event_id"] and payload["callback_type"] == "person_added"
    assert payload["person"]["external_person_id"] == "CRM-1"
    assert payload["person"]["mobile_phone"]["mdn"] == "+15550001111"
    assert schemas.problems("callback-person_added", payload) == []
    assert got.headers["X-Catapult-Sim-Test"] == "true"
    assert client.get("/_sim/companies/demo/state").json()["persons"] == []  # no account data touched


def test_test_event_for_a_list_goes_only_to_that_lists_registration(
    client: TestClient, receiver: CallbackInbox
) -> None:
    client.post(CB, json=body(url=receiver.url_for("/a")))
    client.post(CB, json=body(url=receiver.url_for("/b"), subscription_added={"list_id": "1002"}))
    sent = {"callback_type": "subscription_added", "subscription": {"subscription_list": {"id": "1002"}}}
    assert client.post("/companies/demo/config/callback_events/test", json=sent).status_code == 200
    got = receiver.wait_requests(1, "/b")[0].json
    assert got["subscription"]["subscription_list"] == {
        "id": "1002",
        "url": "/companies/demo/mobiledb/subscription_lists/1002",
    }
    sent["subscription"]["subscription_list"]["id"] = "1003"
    assert client.post("/companies/demo/config/callback_events/test", json=sent).status_code == 404
    assert receiver.requests("/a") == []


def test_the_shortcut_registers_every_type_once(client: TestClient) -> None:
    r = client.post("/_sim/companies/demo/callbacks", json={"url": "http://crm.test/hook"})
    assert r.status_code == 201
    made = r.json()["registered"]
    types = {reg["callback_type"] for reg in made}
    assert types == {"person_added", "person_updated", "subscription_added", "subscription_removed",
                     "ack_participant_added", "ack_participant_changed", "subscription_list_added",
                     "subscription_list_updated"}  # fmt: skip
    assert len(made) == 2 + 2 * 3 + 2 * 4 + 2  # one per list (3) and per campaign (4); list types: one each
    again = client.post("/_sim/companies/demo/callbacks", json={"url": "http://crm.test/hook"})
    assert again.json()["count"] == 0 and len(registrations(client)) == len(made)
    bad = client.post("/_sim/companies/demo/callbacks", json={"url": "nope", "types": ["x"], "api_version": 3})
    assert bad.status_code == 422


def test_callback_url_registrations_come_back_after_a_reset() -> None:
    settings = Settings(random_seed=1, callback_url="http://crm.test/hook")
    with TestClient(create_app(settings), headers=AUTH) as client:
        before = registrations(client)
        assert len(before) == 18 and {r["destination"]["url"] for r in before} == {"http://crm.test/hook"}
        client.delete(before[0]["url"])
        assert len(registrations(client)) == 17
        assert client.post("/_sim/reset", json={}).status_code == 200
        assert len(registrations(client)) == 18


def test_matching_follows_every_change_to_the_registrations(client: TestClient, sim: Any) -> None:
    """The registrations an event feeds are cached per company; each change must show at once."""
    from catapult_sim.core.store import DomainEvent

    def targets() -> list[str]:
        event = DomainEvent("person_added", "demo", "2024-01-01T00:00:01.000000Z", {"person": {}})
        with sim.store.read() as tx:
            return [r.url for _, regs in sim.callbacks.registrations.matching(tx, event) for r in regs]

    assert targets() == []
    made = client.post(CB, json=body("person_added", url="https://crm.example.com/a"))
    assert made.status_code == 201
    assert targets() == ["https://crm.example.com/a"]
    cid = made.json()["callback_id"]
    assert client.put(f"{CB}/{cid}", json=body("person_added", url="https://crm.example.com/b")).status_code == 200
    assert targets() == ["https://crm.example.com/b"]
    assert client.delete(f"{CB}/{cid}").status_code == 200
    assert targets() == []
    assert client.post(CB, json=body("person_added", url="https://crm.example.com/c")).status_code == 201
    assert targets() == ["https://crm.example.com/c"]
    assert client.post("/_sim/companies/demo/reset", json={}).status_code == 200
    assert targets() == []
    # A registration written inside a transaction that rolls back never shows.
    with pytest.raises(RuntimeError), sim.store.transaction() as tx:
        tx.run(
            "INSERT INTO callbacks (company, callback_id, callback_type, url, method, content_type,"
            " start_date, api_version, created_at, updated_at)"
            " VALUES ('demo','zz','person_added','https://crm.example.com/x','POST','application/json',"
            " '2020-01-01T00:00:00Z',1,'2020-01-01T00:00:00Z','2020-01-01T00:00:00Z')"
        )
        sim.store.touch()
        assert targets() == ["https://crm.example.com/x"]
        raise RuntimeError("roll back")
    assert targets() == []

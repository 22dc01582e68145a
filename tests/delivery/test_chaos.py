"""Chaos for receivers: duplicates, latency with jitter, reordering, drop-then-retry; seeded."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.delivery.chaos import Chaos
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import AUTH

NOW = "2024-01-01T00:00:00Z"


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=11, clock="manual", start_time=NOW)


def hook(client: TestClient, url: str, type_: str = "person_added", **selector: str) -> None:
    body: dict[str, Any] = {"callback_type": type_, "destination": {"url": url}}
    if selector:
        body[type_] = selector
    assert client.post("/companies/demo/config/callbacks", json=body).status_code == 201


def chaos(client: TestClient, **rule: Any) -> dict[str, Any]:
    r = client.post("/_sim/chaos", json=rule)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def persons(client: TestClient, count: int) -> None:
    for n in range(count):
        assert client.post("/companies/demo/mobiledb/persons", json={"external_person_id": f"P{n}"}).status_code == 201


def log(client: TestClient, delivery_id: int) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/_sim/deliveries/{delivery_id}").json()
    return found


def wait_for_log(client: TestClient, delivery_id: int, entries: int) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while len((d := log(client, delivery_id))["attempt_log"]) < entries:
        assert time.monotonic() < deadline, d
        time.sleep(0.01)
    return d


def test_duplicates_repeat_the_identical_request(client: TestClient, receiver: CallbackInbox) -> None:
    hook(client, receiver.url)
    chaos(client, duplicate_probability=1)
    persons(client, 2)
    got = receiver.wait_requests(4)
    by_event: dict[str, list[Any]] = {}
    for r in got:
        by_event.setdefault(r.json["event_id"], []).append(r.json)
    assert len(by_event) == 2 and all(a == b for a, b in by_event.values())
    d = wait_for_log(client, 1, 2)
    assert [a["kind"] for a in d["attempt_log"]] == ["attempt", "duplicate"]
    assert d["state"] == "delivered" and d["attempts"] == 1 and d["attempt_log"][0]["chaos"] == {"duplicate": True}


def test_a_dropped_request_never_arrives_and_is_retried(client: TestClient, receiver: CallbackInbox) -> None:
    hook(client, receiver.url)
    chaos(client, destination=receiver.url, drop_probability=1)
    persons(client, 1)
    d = wait_for_log(client, 1, 1)
    assert d["state"] == "retrying" and "dropped by chaos" in d["last_error"]
    assert d["attempt_log"][0]["chaos"] == {"drop": "request"}
    assert receiver.requests() == []
    client.delete("/_sim/chaos")
    client.post("/_sim/clock/advance", json={"by": "5m"})
    assert receiver.wait_requests(1)[0].json["delivery_attempt"] == "2"


def test_a_dropped_answer_makes_the_retry_a_duplicate_for_the_receiver(
    client: TestClient, receiver: CallbackInbox
) -> None:
    hook(client, receiver.url)
    chaos(client, drop_probability=1, drop_mode="response")
    persons(client, 1)
    d = wait_for_log(client, 1, 1)
    assert d["state"] == "retrying" and "answer (200) was lost" in d["last_error"]
    chaos(client, drop_probability=0)
    client.post("/_sim/clock/advance", json={"by": "5m"})
    first, second = (r.json for r in receiver.wait_requests(2))
    assert first["event_id"] == second["event_id"]
    assert (first["delivery_attempt"], second["delivery_attempt"]) == ("1", "2")


def test_latency_with_jitter_is_added_and_recorded(client: TestClient, receiver: CallbackInbox) -> None:
    hook(client, receiver.url)
    chaos(client, latency_ms=20, jitter_ms=30)
    persons(client, 3)
    for n in (1, 2, 3):
        added = wait_for_log(client, n, 1)["attempt_log"][0]["chaos"]["latency_ms"]
        assert 20 <= added <= 50


def test_reordering_shuffles_a_window_in_a_seeded_order(client: TestClient, receiver: CallbackInbox) -> None:
    for n in range(5):
        client.post("/_sim/companies/demo/opt-in", json={"mdn": f"+1213555000{n}", "list_id": "1001"})
    hook(client, receiver.url, "subscription_removed", list_id="1001")
    state = chaos(client, reorder_window=5)
    client.post("/_sim/companies/demo/lists/1001/archive", json={})  # five removals in one transaction
    got = receiver.wait_requests(5)
    arrived = [int(r.headers["X-Catapult-Sim-Delivery-Id"]) for r in got]
    expected = Chaos(state["seed"]).reorder(receiver.url, [1, 2, 3, 4, 5])
    assert arrived == expected and arrived != sorted(arrived)


def test_a_destination_rule_leaves_other_destinations_alone(client: TestClient, receiver: CallbackInbox) -> None:
    hook(client, receiver.url_for("/a"))
    hook(client, receiver.url_for("/b"))
    chaos(client, destination=receiver.url_for("/a"), duplicate_probability=1)
    persons(client, 1)
    assert len(receiver.wait_requests(2, "/a")) == 2
    mine = [d for d in client.get("/_sim/deliveries").json() if d["destination"] == receiver.url_for("/b")]
    assert wait_for_log(client, mine[0]["id"], 1)["attempt_log"][0]["chaos"] is None
    assert len(receiver.requests("/b")) == 1


def _run(receiver: CallbackInbox, seed: int, path: str) -> list[Any]:
    """One fresh simulator, the same events, chaos with ``seed``; what chaos did to each delivery."""
    rule = {"duplicate_probability": 0.5, "drop_probability": 0.5, "latency_ms": 1, "jitter_ms": 4}
    with TestClient(
        create_app(Settings(random_seed=3, clock="manual", start_time=NOW, downed_after=100)), headers=AUTH
    ) as client:
        hook(client, receiver.url_for(path))
        chaos(client, seed=seed, **rule)
        persons(client, 12)
        plans = Chaos(seed)
        plans.set(rule)
        out = []
        for n in range(1, 13):
            plan = plans.plan(receiver.url_for(path), n, 1)
            assert plan is not None
            entries = 2 if plan.duplicate and not plan.drop else 1
            d = wait_for_log(client, n, entries)
            out.append((d["event_id"], d["state"], [(a["kind"], a["chaos"]) for a in d["attempt_log"]]))
        return out


def test_the_same_seed_reproduces_the_chaos_and_another_seed_does_not(receiver: CallbackInbox) -> None:
    first, second = _run(receiver, 42, "/one"), _run(receiver, 42, "/two")
    assert first == second
    assert {state for _, state, _ in first} == {"delivered", "retrying"}
    assert any(kind == "duplicate" for *_, entries in first for kind, _ in entries)
    assert _run(receiver, 43, "/three") != first


def test_chaos_settings_are_validated_listed_and_cleared(client: TestClient) -> None:
    bad = client.post("/_sim/chaos", json={"duplicate_probability": 2, "latency_ms": -1, "drop_mode": "x",
                                           "reorder_window": 1.5, "seed": "s"})  # fmt: skip
    assert bad.status_code == 422 and len(bad.json()["errors"]) == 5
    assert client.post("/_sim/chaos", json={"wobble": 1}).status_code == 422
    assert client.get("/_sim/chaos").json()["global"] is None
    chaos(client, seed=5, latency_ms=10)
    chaos(client, destination="http://a.test/h", duplicate_probability=0.25)
    state = client.get("/_sim/chaos").json()
    assert state["seed"] == 5 and state["global"]["latency_ms"] == 10
    assert state["destinations"]["http://a.test/h"]["duplicate_probability"] == 0.25
    after = client.delete("/_sim/chaos", params={"destination": "http://a.test/h"}).json()
    assert after["destinations"] == {} and after["global"] is not None
    assert client.delete("/_sim/chaos").json()["global"] is None

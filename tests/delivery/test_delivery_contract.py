"""The delivery contract as simulated (fact sheet §7.7): status classes, retries on the clock,
timeouts, downed destinations, bad destinations, replay, the log and its cap."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.receiver import Answer
from tests.conftest import AUTH

NOW = "2024-01-01T00:00:00Z"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        random_seed=7,
        clock="manual",
        start_time=NOW,
        delivery_timeout="0.5s",
        downed_after=3,
        downed_cooldown="10m",
    )


def hook(client: TestClient, url: str) -> str:
    body = {"callback_type": "person_added", "destination": {"url": url}}
    r = client.post("/companies/demo/config/callbacks", json=body)
    assert r.status_code == 201, r.text
    callback_id: str = r.json()["callback_id"]
    return callback_id


def person(client: TestClient, ext: str = "P1") -> None:
    assert client.post("/companies/demo/mobiledb/persons", json={"external_person_id": ext}).status_code == 201


def advance(client: TestClient, by: str) -> None:
    assert client.post("/_sim/clock/advance", json={"by": by}).status_code == 200


def deliveries(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/_sim/deliveries", params=params)
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result


def wait(client: TestClient, check: Callable[[dict[str, Any]], bool], delivery_id: int = 1) -> dict[str, Any]:
    """Poll one delivery until ``check`` holds (the dispatcher works in the background)."""
    deadline = time.monotonic() + 15
    while True:
        d: dict[str, Any] = client.get(f"/_sim/deliveries/{delivery_id}").json()
        if check(d):
            return d
        assert time.monotonic() < deadline, d
        time.sleep(0.01)


def attempts(n: int) -> Callable[[dict[str, Any]], bool]:
    return lambda d: len([a for a in d.get("attempt_log", []) if a["kind"] == "attempt"]) >= n


def test_a_2xx_is_delivered_once(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.set_default(204)
    hook(client, receiver.url)
    person(client)
    d = wait(client, lambda d: d["state"] == "delivered")
    assert d["attempts"] == 1 and d["last_status"] == 204 and d["next_attempt_at"] is None
    (only,) = d["attempt_log"]
    assert only["outcome"] == "delivered" and only["response"]["status"] == 204 and only["latency_ms"] >= 0
    assert only["request"]["headers"]["X-Catapult-Sim-Attempt"] == "1"
    assert only["request"]["body"] == receiver.requests()[0].json


@pytest.mark.parametrize("status", [400, 401, 404, 409, 410, 422, 429])
def test_a_4xx_is_a_permanent_failure_and_never_retried(
    client: TestClient, receiver: CallbackInbox, status: int
) -> None:
    receiver.set_default(Answer(status, "no thanks"))
    hook(client, receiver.url)
    person(client)
    d = wait(client, lambda d: d["state"] == "failed")
    assert d["attempts"] == 1 and d["next_attempt_at"] is None and d["last_status"] == status
    assert d["attempt_log"][0]["response"]["body_excerpt"] == "no thanks"
    advance(client, "1d")
    person(client, "P2")  # a later delivery to the same URL shows the dispatcher moved on
    wait(client, lambda d: d["state"] == "failed", delivery_id=2)
    assert len(receiver.requests()) == 2
    assert wait(client, lambda d: True)["attempts"] == 1


@pytest.mark.parametrize("status", [301, 302, 307, 500, 502, 503, 504])
def test_3xx_and_5xx_are_retried_on_the_schedule(client: TestClient, receiver: CallbackInbox, status: int) -> None:
    receiver.script("/hook", Answer(status, headers=(("Location", "/elsewhere"),)))
    hook(client, receiver.url)
    person(client)
    d = wait(client, lambda d: d["state"] == "retrying")
    assert d["attempts"] == 1 and d["last_status"] == status
    assert d["next_attempt_at"] == "2024-01-01T00:05:00.000000Z"  # vibes preset: 5 minutes (assumption)
    advance(client, "299s")
    assert wait(client, lambda d: True)["attempts"] == 1
    advance(client, "1s")
    d = wait(client, lambda d: d["state"] == "delivered")
    first, second = (r.json for r in receiver.wait_requests(2))
    assert (first["delivery_attempt"], second["delivery_attempt"]) == ("1", "2")
    assert first["event_id"] == second["event_id"]
    assert receiver.requests()[1].path == "/hook"  # the redirect was not followed


def test_503_twice_then_the_third_attempt_says_3(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.script("/hook", 503, 503)
    hook(client, receiver.url)
    person(client)
    wait(client, attempts(1))
    advance(client, "5m")
    wait(client, attempts(2))
    advance(client, "5m")
    d = wait(client, lambda d: d["state"] == "delivered")
    got = receiver.wait_requests(3)
    assert [r.json["delivery_attempt"] for r in got] == ["1", "2", "3"]
    assert [r.headers["X-Catapult-Sim-Attempt"] for r in got] == ["1", "2", "3"]
    assert [a["outcome"] for a in d["attempt_log"]] == ["retry", "retry", "delivered"]
    assert d["attempt_log"][0]["next_attempt_at"] == "2024-01-01T00:05:00.000000Z"


def test_the_vibes_schedule_gives_up_after_six_attempts(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.set_default(500)
    hook(client, receiver.url)
    person(client)
    for n in range(1, 6):
        wait(client, attempts(n))
        advance(client, "10m")  # the retry delay, or the downed cool-down from the third failure on
    d = wait(client, lambda d: d["state"] == "failed")
    assert d["attempts"] == 6 and d["attempt_log"][-1]["outcome"] == "failed"
    advance(client, "1d")
    assert len(receiver.requests()) == 6


def test_a_timeout_is_recorded_and_retried(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.script("/hook", Answer(hang=True))
    hook(client, receiver.url)
    person(client)
    d = wait(client, lambda d: d["state"] == "retrying")
    assert "timeout" in d["last_error"] and d["last_status"] is None
    receiver.release()
    advance(client, "5m")
    assert wait(client, lambda d: d["state"] == "delivered")["attempts"] == 2


def test_a_refused_connection_is_recorded_and_retried(client: TestClient) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook(client, f"http://127.0.0.1:{port}/hook")
    person(client)
    d = wait(client, lambda d: d["state"] == "retrying")
    assert d["last_error"] and d["attempt_log"][0]["response"]["status"] is None


class _Garbage(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.recv(65536)
        self.request.sendall(b"this is not HTTP at all\r\n\r\n")


@pytest.fixture
def garbage_url() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_huge_garbage_and_redirecting_answers_are_recorded_not_fatal(
    client: TestClient, receiver: CallbackInbox, garbage_url: str
) -> None:
    receiver.script("/huge", Answer(200, "x" * (5 << 20)))
    receiver.script("/moved", Answer(302, headers=(("Location", "http://example.invalid/"),)))
    for url in (receiver.url_for("/huge"), receiver.url_for("/moved"), garbage_url):
        hook(client, url)
    person(client)
    by_url = {d["destination"]: d for d in (wait(client, attempts(1), n) for n in (1, 2, 3))}
    huge = by_url[receiver.url_for("/huge")]
    assert huge["state"] == "delivered" and len(huge["attempt_log"][0]["response"]["body_excerpt"]) == 2048
    assert by_url[receiver.url_for("/moved")]["state"] == "retrying"
    assert by_url[receiver.url_for("/moved")]["last_status"] == 302
    assert by_url[garbage_url]["state"] == "retrying" and by_url[garbage_url]["last_error"]
    person(client, "P2")  # and the dispatcher carries on
    (latest, *_) = deliveries(client, destination=receiver.url_for("/huge"))
    assert wait(client, lambda d: d["state"] == "delivered", latest["id"])["id"] > 3


def test_a_failing_destination_goes_downed_pauses_and_recovers(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.set_default(503)
    hook(client, receiver.url)
    for n in range(1, 4):
        person(client, f"P{n}")
        wait(client, attempts(1), n)
    dest = client.get("/_sim/destinations").json()["destinations"][receiver.url]
    assert dest["downed"] and dest["consecutive_failures"] == 3 and dest["times_downed"] == 1
    assert dest["downed_until"] == "2024-01-01T00:10:00.000000Z"
    person(client, "P4")  # queued behind the downed URL, not attempted
    advance(client, "5m")  # the retries are due, but the URL is paused
    assert wait(client, lambda d: True, 4)["attempts"] == 0
    assert len(receiver.requests()) == 3
    receiver.set_default(200)
    advance(client, "5m")  # the cool-down ends: one probe, then everything
    for n in range(1, 5):
        assert wait(client, lambda d: d["state"] == "delivered", n)["state"] == "delivered"
    dest = client.get("/_sim/destinations").json()["destinations"][receiver.url]
    assert not dest["downed"] and dest["consecutive_failures"] == 0


def test_a_reset_clears_registrations_deliveries_and_url_health(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.set_default(503)
    hook(client, receiver.url)
    for n in range(1, 4):
        person(client, f"P{n}")
        wait(client, attempts(1), n)
    assert client.get("/_sim/destinations").json()["destinations"][receiver.url]["downed"]
    assert client.post("/_sim/reset", json={}).status_code == 200
    assert deliveries(client) == [] and client.get("/companies/demo/config/callbacks").json() == []
    health = client.get("/_sim/destinations").json()["destinations"].get(receiver.url, {})
    assert not health.get("downed") and not health.get("consecutive_failures")
    receiver.set_default(200)
    hook(client, receiver.url)
    person(client, "P9")
    (fresh,) = deliveries(client)
    assert wait(client, lambda d: d["state"] == "delivered", fresh["id"])["attempts"] == 1


def test_replay_one_sends_the_same_body_as_a_new_delivery(client: TestClient, receiver: CallbackInbox) -> None:
    hook(client, receiver.url)
    person(client)
    original = wait(client, lambda d: d["state"] == "delivered")
    r = client.post("/_sim/deliveries/1/replay", json={})
    assert r.status_code == 201
    assert r.json()["replay_of"] == 1 and r.json()["event_id"] == original["event_id"]
    again = wait(client, lambda d: d["state"] == "delivered", r.json()["id"])
    first, second = receiver.wait_requests(2)
    assert first.json == second.json  # same event_id, delivery_attempt "1" again
    assert second.headers["X-Catapult-Sim-Replay-Of"] == "1"
    assert again["attempts"] == 1
    assert client.post("/_sim/deliveries/999/replay", json={}).status_code == 404
    assert client.get("/_sim/deliveries/abc").status_code == 404


def test_replay_failed_since_a_time(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.set_default(400)
    hook(client, receiver.url)
    person(client, "P1")
    wait(client, lambda d: d["state"] == "failed", 1)
    advance(client, "1h")
    person(client, "P2")
    wait(client, lambda d: d["state"] == "failed", 2)
    receiver.set_default(200)
    r = client.post("/_sim/deliveries/replay-failed", json={"since": "2024-01-01T00:30:00Z"})
    assert r.status_code == 200 and r.json() == {"replayed": [3], "count": 1}
    assert wait(client, lambda d: d["state"] == "delivered", 3)["replay_of"] == 2
    assert client.post("/_sim/deliveries/replay-failed", json={"since": "soon"}).status_code == 422
    assert client.post("/_sim/deliveries/replay-failed", json={"status": "failed"}).status_code == 422


def test_listing_filters_and_the_attempt_feed(client: TestClient, receiver: CallbackInbox) -> None:
    receiver.script("/bad", 400)
    hook(client, receiver.url_for("/good"))
    hook(client, receiver.url_for("/bad"))
    person(client)
    wait(client, attempts(1), 1)
    wait(client, attempts(1), 2)
    assert [d["destination"] for d in deliveries(client, status="failed")] == [receiver.url_for("/bad")]
    assert len(deliveries(client, type="person_added", company="demo")) == 2
    assert deliveries(client, type="person_updated") == []
    assert len(deliveries(client, destination=receiver.url_for("/good"), limit=5)) == 1
    assert deliveries(client, since="2024-01-02T00:00:00Z") == []
    for bad in ({"status": "lost"}, {"type": "nope"}, {"since": "x"}, {"limit": "0"}, {"before": "-1"}):
        assert client.get("/_sim/deliveries", params=bad).status_code == 400
    feed = client.get("/_sim/deliveries/attempts", params={"after": 0}).json()
    assert len(feed) == 2 and {a["destination"] for a in feed} == {
        receiver.url_for("/good"),
        receiver.url_for("/bad"),
    }
    assert client.get("/_sim/deliveries/attempts", params={"after": feed[-1]["id"]}).json() == []


def test_the_log_keeps_at_most_the_cap(receiver: CallbackInbox) -> None:
    settings = Settings(random_seed=7, clock="manual", start_time=NOW, delivery_log_cap=3)
    with TestClient(create_app(settings), headers=AUTH) as client:
        hook(client, receiver.url)
        for n in range(1, 7):
            person(client, f"P{n}")
            wait(client, lambda d: d["state"] == "delivered", n)
        assert [d["id"] for d in deliveries(client)] == [6, 5, 4]
        assert client.get("/_sim/deliveries/1").status_code == 404
        assert [a["delivery_id"] for a in client.get("/_sim/deliveries/attempts").json()] == [4, 5, 6]


def test_one_dead_destination_never_delays_another(receiver: CallbackInbox) -> None:
    settings = Settings(random_seed=7, clock="manual", start_time=NOW, delivery_timeout="60s",
                        delivery_concurrency=4)  # fmt: skip
    receiver.script("/dead", *[Answer(hang=True)] * 20)
    with TestClient(create_app(settings), headers=AUTH) as client:
        hook(client, receiver.url_for("/dead"))
        hook(client, receiver.url_for("/live"))
        for n in range(10):
            person(client, f"P{n}")
        assert len(receiver.wait_requests(10, "/live")) == 10
        # Every live callback arrived while the dead URL still holds its first attempts unanswered.
        assert len(receiver.requests("/dead")) <= 4  # its own concurrency limit, nothing more
        dead = deliveries(client, destination=receiver.url_for("/dead"))
        assert all(d["attempts"] == 0 for d in dead) and len(dead) == 10
        receiver.release()
        for d in dead:
            wait(client, lambda d: d["state"] == "delivered", d["id"])

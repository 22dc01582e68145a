"""The callback destination policy: refused at registration (422 naming the rule) and, after name
resolution, at sending (a failed attempt with the reason, never a request)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.callbacks.destinations import Denied, DestinationPolicy
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.receiver import Answer
from catapult_sim.testing.server import serve_in_thread

CB = "/companies/demo/config/callbacks"


def register(http: Any, url: str) -> Any:
    return http.post(CB, json={"callback_type": "person_added", "destination": {"url": url}})


def first_delivery(http: Any, until: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        rows = http.get("/_sim/deliveries").json()
        if rows and rows[0]["attempts"] >= 1:
            detail: dict[str, Any] = http.get(f"/_sim/deliveries/{rows[0]['id']}").json()
            return detail
        time.sleep(0.05)
    raise AssertionError("no attempt was made")


# -- registration ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://100.100.100.200/", "metadata"),
        ("http://0.0.0.0:8080/hook", "unspecified"),
        ("http://8.8.8.8/hook", "not allowed"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
    ],
)
def test_registration_names_the_rule_it_breaks(client: TestClient, url: str, rule: str) -> None:
    r = register(client, url)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == 64 and rule in r.text
    assert client.get(CB).json() == []


def test_loopback_and_private_destinations_are_allowed_by_default(client: TestClient) -> None:
    for url in ("http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://192.168.1.5/hook", "http://localhost:9/"):
        assert register(client, url).status_code == 201, url


def test_the_control_api_shortcut_is_checked_too(client: TestClient) -> None:
    r = client.post(
        "/_sim/companies/demo/callbacks", json={"url": "http://169.254.169.254/", "types": ["person_added"]}
    )
    assert r.status_code == 422 and "link-local" in r.text


def test_allow_and_deny_adjust_the_default() -> None:
    settings = Settings(callback_allow="any", callback_deny="10.0.0.0/8,crm.internal")
    with TestClient(create_app(settings), headers=AUTH) as client:
        assert register(client, "http://8.8.8.8/hook").status_code == 201
        assert "--callback-deny" in register(client, "http://10.9.9.9/hook").text
        assert "--callback-deny" in register(client, "http://crm.internal/hook").text
        assert "link-local" in register(client, "http://169.254.169.254/").text  # never, even with any


def test_beyond_loopback_only_what_is_allowed() -> None:
    policy = DestinationPolicy.build("0.0.0.0")
    with pytest.raises(Denied, match="nothing unless --callback-allow"):
        policy.check_url("http://10.0.0.5/hook")
    allowed = DestinationPolicy.build("0.0.0.0", ["crm.example.com", "203.0.113.0/24"])
    allowed.check_url("http://crm.example.com/hook")
    allowed.check_url("http://203.0.113.7/hook")
    with pytest.raises(Denied):
        allowed.check_url("http://127.0.0.1:9/hook")


def test_bad_allow_entries_are_refused_naming_the_flag() -> None:
    with pytest.raises(ValueError, match="--callback-allow"):
        DestinationPolicy.build("127.0.0.1", ["not a host"])


# -- over real sockets ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_registration_to_the_simulators_own_port_is_refused() -> None:
    with serve_in_thread(create_app(Settings(random_seed=3))) as server, _http(server.url) as http:
        http.get("/_sim/health")  # the simulator now knows where it listens
        for url in (f"{server.url}/_sim/companies/other/reset", f"http://localhost:{server.port}/_sim/faults"):
            r = register(http, url)
            assert r.status_code == 422 and "own address" in r.text, url


@pytest.mark.slow
def test_a_name_resolving_to_a_denied_address_is_a_failed_attempt_and_no_request(receiver: CallbackInbox) -> None:
    settings = Settings(random_seed=3, callback_allow="10.0.0.0/8", retry_schedule="1h", delivery_timeout="2s")
    with serve_in_thread(create_app(settings)) as server, _http(server.url) as http:
        url = f"http://localhost:{receiver.port}/hook"  # localhost resolves to loopback, denied here
        assert register(http, url).status_code == 201  # a name: decided when it is resolved
        assert http.post("/companies/demo/mobiledb/persons", json={"external_person_id": "D1"}).status_code == 201
        attempt = first_delivery(http)["attempt_log"][0]
        assert attempt["response"]["status"] is None and "destination denied" in attempt["error"], attempt
        assert "127.0.0.1" in attempt["error"] or "::1" in attempt["error"]
    assert receiver.received == []


@pytest.mark.slow
def test_a_redirect_to_a_denied_address_is_not_followed(receiver: CallbackInbox) -> None:
    settings = Settings(random_seed=3, retry_schedule="1h", delivery_timeout="2s")
    with serve_in_thread(create_app(settings)) as server:
        target = f"{server.url}/companies/demo/mobiledb/persons"  # the simulator itself: denied
        receiver.script("/hook", Answer(302, headers=(("Location", target),)))
        with httpx.Client(base_url=server.url, auth=AUTH_PAIR, timeout=10) as http:
            assert register(http, receiver.url).status_code == 201
            http.post("/companies/demo/mobiledb/persons", json={"external_person_id": "R1"})
            attempt = first_delivery(http)["attempt_log"][0]
            assert attempt["response"]["status"] == 302  # recorded as the answer; nothing followed it
            journal = http.get("/_sim/journal").json()["requests"]
            assert [e["method"] for e in journal] == ["POST", "POST"]  # registration, sign-up; no followed GET


AUTH_PAIR = ("VibesUser", "Password123")


def _http(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, auth=AUTH_PAIR, timeout=10)


def test_a_verdict_at_sending_follows_where_the_simulator_listens() -> None:
    """Verdicts on address literals are remembered per URL, and forgotten when the policy learns
    another address of the simulator's own."""
    from catapult_sim.delivery import guard

    policy = DestinationPolicy.build("127.0.0.1")
    url = "http://127.0.0.1:8123/hook"
    assert guard.refusal(policy, url) is None
    assert guard.refusal(policy, url) is None  # remembered
    policy.listening("127.0.0.1", 8123)
    refused = guard.refusal(policy, url)
    assert refused is not None and "own address" in refused
    assert guard.refusal(policy, "http://169.254.169.254/") is not None
    assert guard.refusal(None, url) is None

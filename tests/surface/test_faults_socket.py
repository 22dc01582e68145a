"""Every fault kind and the rate limit, seen by a real HTTP client over a socket (uvicorn, 127.0.0.1:0).

Also the CLI end to end: the scenario "the next two POSTs to /mobiledb/persons for company acme fail
with 503; the CRM retries; exactly three such POSTs with the right body were received".
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from conftest import AUTH

from catapult_sim.app import create_app
from catapult_sim.cli.main import main
from catapult_sim.settings import Settings
from catapult_sim.testing.server import start_in_thread

pytestmark = pytest.mark.slow

ACME = "/companies/acme/mobiledb/persons"
BODY = {"external_person_id": "CRM-77", "mobile_phone": {"mdn": "2135557777"}}


def serve(settings: Settings) -> tuple[str, Callable[[], None]]:
    """Start the simulator under uvicorn in a thread; returns its URL and a stop function."""
    running = start_in_thread(create_app(settings))
    return running.url, running.stop


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    base, stop = serve(Settings(random_seed=42))
    yield base
    stop()


@pytest.fixture(autouse=True)
def clean(url: str) -> None:
    httpx.delete(url + "/_sim/faults")
    httpx.delete(url + "/_sim/journal")
    httpx.post(url + "/_sim/reset", json={})


def fresh(url: str, timeout: float | httpx.Timeout = 10.0) -> httpx.Client:
    """A client with no kept-alive connections, so one broken connection cannot affect the next call."""
    return httpx.Client(base_url=url, headers=AUTH, timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0))


def fault(url: str, **rule: Any) -> None:
    assert httpx.post(url + "/_sim/faults", json=rule).status_code == 201


def journal(url: str, **params: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = httpx.get(url + "/_sim/journal", params=params).json()["requests"]
    return result


def crm_add_person(client: httpx.Client, attempts: int = 5) -> tuple[int, list[int]]:
    """What a CRM does: retry a 5xx answer a few times."""
    seen = []
    for _ in range(attempts):
        r = client.post(ACME, json=BODY)
        seen.append(r.status_code)
        if r.status_code < 500:
            break
    return len(seen), seen


def test_two_503s_a_retrying_crm_and_verification_over_http(url: str) -> None:
    fault(url, company="acme", method="POST", path="/mobiledb/persons", status=503, count=2)
    with fresh(url) as client:
        calls, statuses = crm_add_person(client)
    assert statuses == [503, 503, 201]
    pattern = {"method": "POST", "path": "/mobiledb/persons", "company": "acme", "body": BODY}
    result = httpx.post(url + "/_sim/journal/verify", json={**pattern, "times": 3}).json()
    assert result["ok"] is True and result["count"] == calls == 3
    assert [r["fault"] is not None for r in result["requests"]] == [True, True, False]
    wrong = httpx.post(url + "/_sim/journal/verify", json={**pattern, "times": 2}).json()
    assert wrong["ok"] is False and wrong["near_misses"] == []  # every POST matched; too many of them


def test_the_same_scenario_through_the_cli(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    rule = ["--company", "acme", "--method", "POST", "--path", "/mobiledb/persons", "--status", "503"]
    assert main(["faults", "add", "--url", url, *rule, "--count", "2"]) == 0
    assert '"remaining": 2' in capsys.readouterr().out
    with fresh(url) as client:
        assert crm_add_person(client)[1] == [503, 503, 201]
    verify = [
        "journal",
        "verify",
        "--url",
        url,
        "--method",
        "POST",
        "--path",
        "/mobiledb/persons",
        "-c",
        "acme",
    ]
    assert main([*verify, "--body", '{"external_person_id": "CRM-77"}', "--times", "3"]) == 0
    assert main([*verify, "--body", '{"external_person_id": "CRM-78"}', "--times", "3"]) == 1
    assert 'expected \\"CRM-78\\", got \\"CRM-77\\"' in capsys.readouterr().out
    assert main(["journal", "count", "--url", url, "--status", "5xx"]) == 0
    assert '"count": 2' in capsys.readouterr().out
    assert main(["journal", "list", "--url", url, "--limit", "1"]) == 0
    assert '"status": 201' in capsys.readouterr().out
    assert main(["faults", "list", "--url", url, "-c", "acme"]) == 0
    assert '"fired": 2' in capsys.readouterr().out
    assert main(["faults", "clear", "--url", url]) == 0 and main(["journal", "clear", "--url", url]) == 0
    assert httpx.get(url + "/_sim/faults").json() == {"faults": []} and journal(url) == []
    assert main(["faults", "add", "--url", url, "--probability", "2", "--status", "503"]) == 1


def test_latency_makes_a_client_time_out(url: str) -> None:
    fault(url, company="acme", latency_ms=1000, count=1)
    with fresh(url, timeout=httpx.Timeout(10.0, read=0.2)) as client, pytest.raises(httpx.ReadTimeout):
        client.get(ACME + "/external/CRM-77")
    with fresh(url) as client:
        assert client.get(ACME + "/external/CRM-77").status_code == 404  # the next call is on time
    deadline = time.monotonic() + 10
    while len(journal(url)) < 2 and time.monotonic() < deadline:  # the slow call is logged when it ends
        time.sleep(0.05)
    marked = [e["fault"] for e in journal(url) if e["fault"]]
    assert marked == [{"rule": marked[0]["rule"], "kind": "latency", "latency_ms": 1000.0}]


def test_a_reset_connection_gets_no_answer_and_changes_nothing(url: str) -> None:
    fault(url, company="acme", method="POST", fault="reset", count=1)
    with fresh(url) as client:
        with pytest.raises(httpx.ReadError, match="reset"):  # a TCP RST, not a polite close
            client.post(ACME, json=BODY)
        assert client.get(ACME + "/external/CRM-77").status_code == 404
    (entry,) = journal(url, method="POST")
    assert entry["status"] is None and entry["fault"]["kind"] == "reset" and entry["body"] == BODY


def test_an_empty_answer(url: str) -> None:
    fault(url, company="acme", fault="empty", count=1)
    with fresh(url) as client:
        r = client.post(ACME, json=BODY)
        assert (r.status_code, r.content) == (200, b"")
        with pytest.raises(ValueError):
            r.json()
    assert journal(url)[0]["fault"]["kind"] == "empty"


def test_a_truncated_answer_after_the_change_was_made(url: str) -> None:
    fault(url, company="acme", method="POST", fault="truncated", count=1)
    with fresh(url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(ACME, json=BODY)
        assert client.get(ACME + "/external/CRM-77").status_code == 200  # the platform did the work
    entry = journal(url, method="POST")[0]
    assert entry["status"] == 201 and entry["fault"]["kind"] == "truncated"
    assert isinstance(entry["response"], str)  # half a JSON document


def test_a_burst_over_the_rate_limit() -> None:
    base, stop = serve(Settings(rate_limit=10, clock="manual", start_time="2024-06-01T12:00:00Z"))
    try:
        with httpx.Client(base_url=base, headers=AUTH) as client:
            counts = Counter(client.get("/companies/acme/mobiledb/subscription_lists").status_code for _ in range(15))
            assert counts == Counter({200: 10, 429: 5})
            client.post("/_sim/rate-limits", json={"limit": 10, "retry_after": True})
            r = client.get("/companies/acme/mobiledb/subscription_lists")
            assert r.status_code == 429 and r.headers["retry-after"] == "1"
            assert r.json()["errors"][0]["code"] == 60
    finally:
        stop()


def test_rate_limits_through_the_cli(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    httpx.post(url + "/_sim/clock", json={"mode": "manual"})  # a burst on a frozen clock is exact
    try:
        assert main(["rate-limit", "set", "2", "--url", url, "-c", "cli-co"]) == 0
        with fresh(url) as client:
            lists = "/companies/cli-co/mobiledb/subscription_lists"
            assert Counter(client.get(lists).status_code for _ in range(4)) == Counter({200: 2, 429: 2})
        capsys.readouterr()
        assert main(["rate-limit", "show", "--url", url]) == 0
        assert '"cli-co": 2' in capsys.readouterr().out
        assert main(["rate-limit", "set", "default", "--url", url, "-c", "cli-co"]) == 0
        assert main(["rate-limit", "set", "fast", "--url", url]) == 2
    finally:
        httpx.post(url + "/_sim/clock", json={"mode": "system"})

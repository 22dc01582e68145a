"""The control subcommands of ``catapult-sim`` against a real simulator on 127.0.0.1 (port 0)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from catapult_sim.app import create_app
from catapult_sim.cli.main import main
from catapult_sim.settings import Settings
from catapult_sim.testing.server import RunningServer, start_in_thread

pytestmark = pytest.mark.slow
MDN = "+12135551234"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = start_in_thread(create_app(Settings(random_seed=11)))
    yield running
    running.stop()


@pytest.fixture
def run(server: RunningServer, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Run one CLI command against the server; returns (exit code, parsed JSON output)."""
    httpx.post(server.url + "/_sim/reset", json={})
    httpx.post(server.url + "/_sim/clock", json={"mode": "system"})

    def invoke(*argv: str) -> tuple[int, Any]:
        code = main([*argv, "--url", server.url])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else None

    yield invoke


def state(server: RunningServer) -> dict[str, Any]:
    dump: dict[str, Any] = httpx.get(server.url + "/_sim/companies/demo/state").json()
    return dump


def test_health(run: Any) -> None:
    code, out = run("health")
    assert code == 0 and out["status"] == "ok"


def test_keyword_reply_and_state(run: Any, server: RunningServer) -> None:
    assert run("simulate", "keyword", MDN, "PROMO")[1]["action"] == "pending"
    code, out = run("simulate", "reply", MDN, "Y")
    assert code == 0 and out["action"] == "confirmed"
    code, dump = run("state")
    assert [s["subscription_list"]["id"] for s in dump["subscriptions"]] == ["1002"]
    code, events = run("events", "--type", "subscription_added")
    assert [e["type"] for e in events] == ["subscription_added"]
    code, later = run("events", "--after", str(events[0]["id"]))
    assert code == 0 and all(e["id"] > events[0]["id"] for e in later)


def test_stop_opt_in_opt_out_disconnect(run: Any, server: RunningServer) -> None:
    assert run("simulate", "opt-in", "--mdn", MDN, "--list", "1001")[1]["action"] == "subscribed"
    assert run("simulate", "opt-in", "--mdn", MDN, "--list", "1003")[0] == 0
    code, out = run("simulate", "opt-out", "--mdn", MDN, "--list", "1003", "--reason", "keyword_opt_out")
    assert (code, out["reason"]) == (0, "keyword_opt_out")
    assert run("simulate", "stop", MDN)[1]["lists"] == ["1001"]
    run("simulate", "opt-in", "--mdn", MDN, "--list", "1002")
    assert run("simulate", "disconnect", MDN)[1]["action"] == "disconnected"
    reasons = sorted(s["opt_out_reason"] for s in state(server)["subscriptions"])
    assert reasons == ["disconnect", "keyword_opt_out", "user_opt_out"]


def test_archive_list(run: Any, server: RunningServer) -> None:
    run("simulate", "opt-in", "--mdn", MDN, "--list", "1003")
    code, out = run("simulate", "archive-list", "1003")
    assert (code, out["opted_out"]) == (0, 1)


@pytest.mark.parametrize(
    ("action", "status"), [("confirm", "CONFIRMED"), ("decline", "REJECTED"), ("expire", "EXPIRED")]
)
def test_participant_actions(run: Any, action: str, status: str) -> None:
    run("simulate", "keyword", MDN, "ALERTS")
    code, out = run("simulate", action, "DemoDOI2", MDN)
    assert (code, out["status"]) == (0, status)


def test_reset_one_company_and_with_a_seed(run: Any, server: RunningServer) -> None:
    run("simulate", "opt-in", "--mdn", MDN, "--list", "1001")
    code, out = run("reset", "--company", "demo", "--seed", "3")
    assert (code, out["reset"]) == (0, ["demo"])
    assert state(server)["persons"] == []


def test_clock(run: Any) -> None:
    code, out = run("clock", "manual", "--at", "2030-01-01T00:00:00Z")
    assert (code, out["now"]) == (0, "2030-01-01T00:00:00Z")
    assert run("clock", "advance", "2h")[1]["now"] == "2030-01-01T02:00:00Z"
    assert run("clock", "show")[1] == {"mode": "manual", "now": "2030-01-01T02:00:00Z"}
    assert run("clock", "system")[1]["mode"] == "system"


def test_an_error_answer_exits_1_and_prints_the_envelope(run: Any) -> None:
    code, out = run("simulate", "reply", MDN, "maybe")
    assert code == 1
    assert out["errors"][0]["code"] == 20  # nobody has this MDN yet
    code, out = run("clock", "advance", "soon")
    assert code == 1 and "errors" in out


def test_unreachable_simulator_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health", "--url", "http://127.0.0.1:9"]) == 2
    assert "cannot reach" in capsys.readouterr().err

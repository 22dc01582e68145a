"""End to end with the real ``catapult-sim serve`` process: the CLI walkthrough, and deliveries that
survive ``kill -9`` with ``--db``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from catapult_sim.cli import main as cli
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.process import serve_process
from catapult_sim.testing.receiver import Answer

pytestmark = pytest.mark.slow
AUTH = ("VibesUser", "Password123")
serve = serve_process


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """Run a CLI command in this process; its JSON output (or text)."""
    capsys.readouterr()
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    assert code == 0, out
    try:
        return json.loads(out)
    except ValueError:
        return out


def until(fetch: Any, check: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not check(value := fetch()):
        assert time.monotonic() < deadline, value
        time.sleep(0.05)
    return value


def test_the_walkthrough_opt_in_stop_retries_and_the_log(
    capsys: pytest.CaptureFixture[str], receiver: CallbackInbox
) -> None:
    with serve("--callback-url", receiver.url, "--retry-preset", "fast", "--seed", "3") as (_, url):
        run(capsys, "simulate", "keyword", "+12135551234", "JOIN", "--url", url)
        run(capsys, "simulate", "stop", "+12135551234", "--url", url)
        got = receiver.wait_requests(4, "/hook")
        # Up to 16 deliveries per URL are in flight at once, so arrival order is not promised
        # (docs/fidelity.md); the event dates are.
        by_type = {r.json["callback_type"]: r.json for r in got}
        assert sorted(by_type) == [
            "ack_participant_added", "person_added", "subscription_added", "subscription_removed"
        ]  # fmt: skip
        assert by_type["subscription_removed"]["subscription"]["opt_out_reason"] == "user_opt_out"
        assert by_type["subscription_added"]["event_date"] <= by_type["subscription_removed"]["event_date"]
        receiver.script("/flaky", 503, 503)
        receiver.script("/reject", 400)
        for path in ("/flaky", "/reject"):
            run(capsys, "callbacks", "register", receiver.url_for(path), "--type", "person_updated", "--url", url)
        key = by_type["person_added"]["person"]["person_key"]
        change = {"custom_fields": {"first_name": "Ada"}}
        httpx.put(f"{url}/companies/demo/mobiledb/persons/{key}", json=change, auth=AUTH).raise_for_status()
        third = receiver.wait_requests(3, "/flaky")[2]
        assert third.json["delivery_attempt"] == "3" and third.json["callback_type"] == "person_updated"
        listed = until(
            lambda: run(capsys, "deliveries", "list", "--type", "person_updated", "--json", "--url", url),
            lambda rows: {r["state"] for r in rows if r["destination"] != receiver.url} == {"delivered", "failed"},
        )
        by_url = {r["destination"]: r for r in listed}
        assert by_url[receiver.url_for("/flaky")]["attempts"] == 3
        assert (
            by_url[receiver.url_for("/reject")]["attempts"] == 1
            and by_url[receiver.url_for("/reject")]["last_status"] == 400
        )
        assert len(receiver.requests("/reject")) == 1
        table = run(capsys, "deliveries", "list", "--url", url)
        assert "failed" in table and "delivered" in table and receiver.url_for("/flaky") in table
        shown = run(capsys, "deliveries", "show", str(by_url[receiver.url_for("/flaky")]["id"]), "--url", url)
        assert [a["response"]["status"] for a in shown["attempt_log"]] == [503, 503, 200]
        replayed = run(capsys, "deliveries", "replay", str(by_url[receiver.url_for("/reject")]["id"]), "--url", url)
        assert receiver.wait_requests(2, "/reject")[1].headers["X-Catapult-Sim-Replay-Of"] == str(replayed["replay_of"])
        tail = subprocess.Popen(
            [sys.executable, "-m", "catapult_sim", "deliveries", "tail", "--all", "--url", url],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert tail.stdout is not None
            first_line = tail.stdout.readline()
            assert "attempt 1" in first_line and any(t in first_line for t in by_type), first_line
        finally:
            tail.kill()
            tail.wait(10)
            assert tail.stdout is not None
            tail.stdout.close()


def test_chaos_and_callback_shortcuts(capsys: pytest.CaptureFixture[str], receiver: CallbackInbox) -> None:
    with serve("--seed", "4") as (_, url):
        made = run(capsys, "callbacks", "register", receiver.url, "--type", "person_added", "--url", url)
        assert made["count"] == 1
        assert len(run(capsys, "callbacks", "list", "--url", url)) == 1
        shown = run(capsys, "chaos", "set", "--duplicate", "1", "--seed", "9", "--url", url)
        assert shown["seed"] == 9 and shown["global"]["duplicate_probability"] == 1
        sent = run(capsys, "callbacks", "test", "person_added", "--url", url)
        twice = receiver.wait_requests(2)
        assert twice[0].json == twice[1].json and twice[0].json["event_id"] == sent["event_id"]
        assert run(capsys, "chaos", "clear", "--url", url)["global"] is None
        assert "retry" in run(capsys, "deliveries", "destinations", "--url", url)


def _deliveries(url: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{url}/_sim/deliveries").json()
    return rows


def test_an_in_flight_delivery_survives_kill_9(tmp_path: Path, receiver: CallbackInbox) -> None:
    db = str(tmp_path / "sim.db")
    receiver.script("/hook", Answer(hang=True))
    args = ("--db", db, "--callback-url", receiver.url, "--seed", "5")
    with serve(*args) as (proc, url):
        registered = len(httpx.get(f"{url}/_sim/companies/demo/callbacks").json())
        httpx.post(f"{url}/companies/demo/mobiledb/persons", json={"external_person_id": "K9"},
                   auth=AUTH).raise_for_status()  # fmt: skip
        first = receiver.wait_requests(1)[0]  # the attempt is on the wire, unanswered
        proc.kill()
        proc.wait(10)
    receiver.release()
    with serve(*args) as (_, url):
        again = receiver.wait_requests(2)[1]
        assert again.json == first.json  # the same callback, sent again: at least once, never lost
        (d,) = until(lambda: _deliveries(url), lambda rows: rows and rows[0]["state"] == "delivered")
        assert d["attempts"] == 1 and d["event_id"] == first.json["event_id"]
        assert len(httpx.get(f"{url}/_sim/companies/demo/callbacks").json()) == registered  # not doubled


def test_a_retrying_delivery_survives_kill_9(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], receiver: CallbackInbox
) -> None:
    db = str(tmp_path / "sim.db")
    receiver.script("/hook", 503)
    base = ("--db", db, "--callback-url", receiver.url, "--retry-schedule", "1h")
    with serve(*base) as (proc, url):
        httpx.post(f"{url}/companies/demo/mobiledb/persons", json={"external_person_id": "R1"},
                   auth=AUTH).raise_for_status()  # fmt: skip
        until(lambda: _deliveries(url), lambda rows: rows and rows[0]["state"] == "retrying")
        proc.kill()
        proc.wait(10)
    with serve(*base, "--clock", "manual") as (_, url):
        assert _deliveries(url)[0]["state"] == "retrying"
        run(capsys, "clock", "advance", "2h", "--url", url)
        second = receiver.wait_requests(2)[1]
        assert second.json["delivery_attempt"] == "2"
        until(lambda: _deliveries(url), lambda rows: rows[0]["state"] == "delivered")


@pytest.mark.parametrize(
    "flags",
    [("--callback-url", "ftp://crm.test/hook"), ("--retry-schedule", "10s,soon"), ("--retry-preset", "slow"),
     ("--delivery-timeout", "0s"), ("--downed-after", "0")],
)  # fmt: skip
def test_bad_callback_flags_stop_serve_with_a_message(
    capsys: pytest.CaptureFixture[str], flags: tuple[str, ...]
) -> None:
    try:
        code = cli.main(["serve", "--port", "0", *flags])
    except SystemExit as exc:  # refused by the flag's own parser
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and flags[0] in err

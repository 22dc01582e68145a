"""The receiver suite: its pieces in-process, then proof that it catches each bug in tests/broken_receivers.

Every broken receiver must fail exactly the checks its bug belongs to and pass the others; the
correct receiver passes everything. Then the CLI (exit codes, reports) and the pytest entry point.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import broken_receivers as br
import pytest
from starlette.applications import Starlette

from catapult_sim.cli.main import main
from catapult_sim.delivery import sender
from catapult_sim.testing.receiver_suite import (
    DEFAULT_BUDGET,
    FAIL,
    NAMES,
    PASS,
    CheckResult,
    Exchange,
    Options,
    OptionsError,
    Report,
    from_env,
    run_suite,
)
from catapult_sim.testing.receiver_suite import bodies as b
from catapult_sim.testing.receiver_suite.config import parse_header, selected
from catapult_sim.testing.receiver_suite.results import consequence, percentile, problem
from catapult_sim.testing.receiver_suite.transport import Request, Transport

ROOT = Path(__file__).resolve().parents[2]
# Small runs: a handful of generated bodies per type and version, a short fast burst.
FAST: dict[str, Any] = {"examples": 5, "burst": 10, "rate": 200.0}


def run(application: Starlette, only: tuple[str, ...] = (), **options: Any) -> Report:
    with br.serve(application) as url:
        return run_suite(Options(url, **{**FAST, **options}), only)


def failed(report: Report) -> set[str]:
    return {r.name for r in report.results if r.status == FAIL}


def result(report: Report, name: str) -> CheckResult:
    return next(r for r in report.results if r.name == name)


# -- options and bodies (no sockets) ----------------------------------------------------------------


def test_the_default_budget_is_the_simulators_per_attempt_timeout() -> None:
    from catapult_sim.delivery.policy import RetryPolicy

    assert DEFAULT_BUDGET == RetryPolicy().timeout == 2.0


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"url": "ftp://example.com/hook"}, "http"),
        ({"budget": 0}, "--budget"),
        ({"examples": 0}, "--examples"),
        ({"api_versions": (3,)}, "API versions"),
        ({"callback_types": ("list_added",)}, "list_added"),
        ({"headers": (("Content-Type", "x"),)}, "Content-Type"),
    ],
)
def test_bad_options_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(OptionsError, match=words):
        Options(**{"url": "http://127.0.0.1:9/hook", **changes})


def test_options_from_the_environment() -> None:
    env = {"CATAPULT_RECEIVER_BUDGET": "0.5", "CATAPULT_RECEIVER_EXAMPLES": "7",
           "CATAPULT_RECEIVER_API_VERSION": "2", "CATAPULT_RECEIVER_TYPES": "person_added, person_updated",
           "CATAPULT_RECEIVER_HEADERS": "X-A: 1\nX-B:two"}  # fmt: skip
    o = from_env("http://127.0.0.1:9/hook", env)
    assert (o.budget, o.examples, o.api_versions) == (0.5, 7, (2,))
    assert o.callback_types == ("person_added", "person_updated")
    assert o.headers == (("X-A", "1"), ("X-B", "two"))
    with pytest.raises(OptionsError):
        from_env("http://127.0.0.1:9/hook", {"CATAPULT_RECEIVER_EXAMPLES": "many"})


def test_check_selection_keeps_suite_order() -> None:
    assert selected(NAMES, ["burst", "methods"], []) == ("methods", "burst")
    assert "unicode" not in selected(NAMES, [], ["unicode"])
    with pytest.raises(OptionsError, match="nope"):
        selected(NAMES, ["nope"], [])
    with pytest.raises(OptionsError):
        parse_header("no colon")


def test_body_changes() -> None:
    base = b.Bodies(0, ("subscription_added",)).one("subscription_added", 2)
    top = b.with_unknown_fields(base, nested=False)
    assert set(top) - set(base) == {"future_field"}
    nested = b.with_unknown_fields(base, nested=True)
    assert "future_field" not in nested
    assert nested["subscription"]["person"]["future_field"] == b.UNKNOWN_NESTED[1]
    assert nested["subscription"]["person"]["mobile_phone"]["future_field"] == b.UNKNOWN_NESTED[1]
    assert b.with_mdn(base, b.NATIONAL)["subscription"]["person"]["mobile_phone"]["mdn"] == b.NATIONAL
    fresh = b.fresh(base)
    assert fresh["event_id"] != base["event_id"] and re.fullmatch("[A-Z0-9]{12}", fresh["event_id"])


def test_unicode_bodies_carry_the_sample_where_the_body_has_text() -> None:
    person = b.Bodies(0, ("person_updated",)).one("person_updated", 2)
    changed = b.with_unicode(person, b.UNICODE_SAMPLES[1])
    assert changed["person"]["custom_fields"]["first_name"] == "Zoë 🎉"
    assert changed["person"]["external_person_id"] == "CRM-🎉-0042"
    assert "external_id" not in changed["person"]  # no field the resource does not have
    sign_up = b.with_unicode(b.Bodies(0, ()).one("ack_participant_added", 2), b.UNICODE_SAMPLES[2])
    assert sign_up["participant"]["acquisition_campaign"]["description"] == "東京店のお知らせ"


def _exchange(status: int | None, latency_ms: float = 5.0, error: str | None = None) -> Exchange:
    return Exchange("c", "label", "POST", "http://x/", {}, "{}", status, "", latency_ms, error)


def test_answers_are_judged_by_the_delivery_contract() -> None:
    assert problem(_exchange(204), 2.0) is None
    assert problem(_exchange(404), 2.0) == "answered 404"
    assert "budget" in (problem(_exchange(200, latency_ms=2500), 2.0) or "")
    assert "budget" in (problem(_exchange(None, 2000, "timeout: no answer within 2s"), 2.0) or "")
    assert "permanent" in consequence(_exchange(400), 2.0)
    assert "transient" in consequence(_exchange(503), 2.0)
    assert "Redirects" in consequence(_exchange(302), 2.0)
    assert "timeout" in consequence(_exchange(None, 2000, "timeout"), 2.0)
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([float(n) for n in range(1, 101)], 99) == 99.0


def test_requests_carry_the_dispatchers_headers() -> None:
    body = b.Bodies(0, ("person_added",)).one("person_added", 2) | {"delivery_attempt": "3"}
    with Transport("http://127.0.0.1:9/hook", 1.0, [("X-Env", "staging")]) as transport:
        out = transport.outgoing("methods", Request("PUT", body, method="PUT", content_type="text/json"))
    assert out.method == "PUT" and json.loads(out.body) == body
    assert out.headers["User-Agent"] == sender.USER_AGENT
    assert out.headers["Content-Type"] == "text/json"
    assert out.headers[sender.H_EVENT] == body["event_id"]
    assert out.headers[sender.H_ATTEMPT] == "3"
    assert out.headers[sender.H_TYPE] == "person_added"
    assert out.headers[sender.H_CALLBACK] == body["callback_id"]
    assert out.headers["X-Catapult-Sim-Check"] == "methods"
    assert out.headers["X-Env"] == "staging"
    assert sender.H_TEST not in out.headers  # suite traffic must take the receiver's real path


def _report(*results: CheckResult) -> Report:
    return Report(Options("http://127.0.0.1:9/hook"), list(results), 1.5)


def test_junit_report_structure() -> None:
    bad = CheckResult("methods", FAIL, "PUT answered 405", _exchange(405), requests=2)
    rep = _report(CheckResult("valid_bodies", PASS, "fine"), bad, CheckResult("burst", "SKIP", "--burst 0"))
    root = ET.fromstring(rep.junit())
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failure = cases["methods"].find("failure")
    assert failure is not None and failure.get("message") == "PUT answered 405"
    assert "Response: 405" in (failure.text or "")
    assert cases["valid_bodies"].find("failure") is None
    assert cases["burst"].find("skipped") is not None


# -- against real receivers ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_correct_receiver_passes_every_check() -> None:
    report = run(br.correct())
    assert [(r.name, r.status) for r in report.results] == [(n, PASS) for n in NAMES]
    assert report.passed
    burst = result(report, "burst")
    assert burst.requests == FAST["burst"] and burst.stats["p50_ms"] <= burst.stats["p99_ms"]
    assert result(report, "valid_bodies").requests > len(NAMES)


BUGS: list[tuple[str, Callable[[], Starlette], dict[str, Any], set[str]]] = [
    ("500 on a duplicate", br.dies_on_duplicates, {}, {"duplicate_event_id"}),
    ("400 on unknown fields", br.rejects_unknown_fields, {}, {"unknown_fields"}),
    ("405 on PUT", br.post_only, {}, {"methods"}),
    ("400 on text/json", br.json_content_type_only, {}, {"content_types"}),
    # Generated bodies carry non-ASCII names and ids too, so valid_bodies fails with unicode.
    ("500 on non-ASCII", br.ascii_only, {}, {"unicode", "valid_bodies"}),
    # Version 1 bodies are national: valid_bodies fails on them (and only them), as does mdn_forms.
    ("422 on national MDNs", br.e164_only, {}, {"mdn_forms", "valid_bodies"}),
    # Generated subscription_removed bodies use both date forms, so valid_bodies fails too.
    ("422 on +0000 dates", br.z_dates_only, {}, {"date_forms", "valid_bodies"}),
    # Generated persons may lack an external id, so valid_bodies fails too.
    ("500 without an external id", br.needs_external_id, {}, {"optional_fields", "valid_bodies"}),
    # 80 ms each, one at a time: 10 times inside the budget one by one, but with 16 in flight (as the
    # simulator sends) the last of them waits 16 x 80 ms, beyond the 0.8 s budget.
    ("falls behind", lambda: br.one_at_a_time(0.08), {"budget": 0.8, "burst": 24, "rate": 100.0,
     "examples": 2, "callback_types": ("subscription_added", "person_updated")}, {"burst"}),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("bug", "factory", "options", "expected"), BUGS, ids=[b[0] for b in BUGS])
def test_each_bug_fails_exactly_its_checks(
    bug: str, factory: Callable[[], Starlette], options: dict[str, Any], expected: set[str]
) -> None:
    report = run(factory(), **options)
    assert failed(report) == expected, report.text()
    assert not report.passed


@pytest.mark.slow
def test_an_emoji_bug_fails_unicode() -> None:
    """utf8mb3 storage: only 4-byte characters break it (generated bodies may hold some too)."""
    report = run(br.no_emoji())
    assert "unicode" in failed(report) <= {"unicode", "valid_bodies"}
    assert result(report, "unicode").reason.startswith("emoji answered 500")


@pytest.mark.slow
def test_national_mdn_bug_is_pinned_to_api_version_1() -> None:
    report = run(br.e164_only())
    assert result(report, "mdn_forms").reason.startswith("2135550143 (v1) answered 422")
    notes = " ".join(result(report, "valid_bodies").notes)
    assert "(API v1)" in notes and "(API v2)" not in notes
    assert "Minimal failing payload of subscription_added (API v1), shrunk by" in report.text()


@pytest.mark.slow
def test_a_slow_receiver_fails_every_check_on_the_budget() -> None:
    report = run(br.too_slow(0.8), budget=0.2, examples=2, burst=5, rate=50.0, api_versions=(2,),
                 callback_types=("subscription_removed",), shrink_time=0.0)  # fmt: skip
    assert failed(report) == set(NAMES)
    for r in report.results:
        assert r.exchange is not None and r.exchange.status is None, r.name
        assert "0.2 s budget" in r.reason or "timeout" in r.reason, r.reason


@pytest.mark.slow
def test_the_failure_block_shows_payload_and_answer() -> None:
    report = run(br.dies_on_duplicates())
    text = report.text()
    assert "FAIL  duplicate_event_id  exact re-send of subscription_added event" in text
    block = text.split("--- FAIL duplicate_event_id")[1]
    assert "at least once" in block and "A 500 is a transient failure" in block
    assert '"callback_type": "subscription_added"' in block  # the payload, pretty
    assert "Response: 500 after" in block and "UNIQUE constraint failed" in block
    assert text.rstrip().endswith("requests)") and "9 passed, 1 failed" in text


@pytest.mark.slow
def test_shrinking_reports_a_minimal_payload() -> None:
    """The receiver breaks when a custom field value is over 5 characters; Hypothesis shrinks the body
    to one such field on a person with nothing optional."""
    report = run(br.short_custom_fields(), ("valid_bodies",), examples=20, api_versions=(2,),
                 callback_types=("person_added", "person_updated"))  # fmt: skip
    assert failed(report) == {"valid_bodies"}
    ex = result(report, "valid_bodies").exchange
    assert ex is not None and ex.status == 500
    person = ex.payload["person"]
    assert len(person["custom_fields"]) == 1
    assert all(len(v) > 5 for v in person["custom_fields"].values())
    assert not {"external_person_id", "mobile_phone", "timezone"} & set(person)


@pytest.mark.slow
def test_the_receiver_sees_realistic_traffic() -> None:
    application, seen = br.recorder()
    with br.serve(application) as url:
        opts = Options(url, headers=(("X-Env", "ci"),), **FAST)
        report = run_suite(opts, only=["content_types", "methods", "duplicate_event_id", "unicode"])
    assert report.passed
    assert {m for m, _, _ in seen} == {"POST", "PUT"}
    assert {h["content-type"] for _, h, _ in seen} == {"application/json", "text/json"}
    for _, headers, raw in seen:
        body = json.loads(raw)
        assert headers["user-agent"] == sender.USER_AGENT and headers["x-env"] == "ci"
        assert headers["x-catapult-sim-event-id"] == body["event_id"]
        assert headers["x-catapult-sim-attempt"] == body["delivery_attempt"]
    events = [json.loads(raw)["event_id"] for _, _, raw in seen]
    assert len(set(events)) < len(events)  # only duplicate_event_id repeats an event id
    names = [json.loads(raw).get("person", {}).get("custom_fields", {}).get("first_name") for _, _, raw in seen]
    assert "Zoë 🎉" in names and "Zoë" in names
    assert any("🎉".encode() in raw for _, _, raw in seen)  # raw UTF-8, as the simulator sends


# -- the CLI ---------------------------------------------------------------------------------------

CLI_FAST = ["--examples", "3", "--burst", "5", "--rate", "200"]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check-receiver", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_cli_exit_codes_and_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    with br.serve(br.correct()) as url:
        code, out, _ = cli(capsys, url, *CLI_FAST)
    assert code == 0
    assert out.startswith(f"Receiver suite: {url}") and "10 checks: 10 passed, 0 failed" in out
    with br.serve(br.post_only()) as url:
        code, out, _ = cli(capsys, url, *CLI_FAST, "--check", "methods", "--check", "content_types")
    assert code == 1
    assert [line.split()[:2] for line in out.splitlines() if line[:4] in ("PASS", "FAIL")] == [
        ["PASS", "content_types"],
        ["FAIL", "methods"],
    ]
    assert "Response: 405" in out


@pytest.mark.slow
def test_cli_junit_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "receiver.xml"
    with br.serve(br.rejects_unknown_fields()) as url:
        code, out, _ = cli(capsys, url, *CLI_FAST, "--skip", "burst", "--report", "junit",
                           "--report-file", str(path))  # fmt: skip
        assert code == 1 and "FAIL  unknown_fields" in out  # the text report still prints
        suite = ET.parse(path).getroot().find("testsuite")
        assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("9", "1")
        failures = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
        assert failures == ["unknown_fields"]
        code, out, _ = cli(capsys, url, *CLI_FAST, "--check", "methods", "--report", "junit")
    assert code == 0 and ET.fromstring(out).get("tests") == "1"


def test_cli_lists_checks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--list-checks")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == list(NAMES)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_unreachable_receiver_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    code, out, err = cli(capsys, url)
    assert code == 2 and out == ""
    assert err.startswith(f"catapult-sim check-receiver: cannot reach {url}: connection to")
    assert "refused" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], "give the receiver URL"),
        (["http://127.0.0.1:9/", "--check", "nope"], "unknown check nope"),
        (["http://127.0.0.1:9/", "--header", "broken"], "NAME:VALUE"),
        (["http://127.0.0.1:9/", "--examples", "0"], "--examples"),
        (["http://127.0.0.1:9/", "--type", "list_added"], "list_added"),
    ],
)
def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, _, err = cli(capsys, *argv)
    assert code == 2 and words in err


# -- the pytest entry point -----------------------------------------------------------------------


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_RECEIVER")}
    env |= {
        "CATAPULT_RECEIVER_EXAMPLES": "3",
        "CATAPULT_RECEIVER_BURST": "5",
        "CATAPULT_RECEIVER_RATE": "200",
    }
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "catapult_sim.testing.contract.receiver",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    return subprocess.run([*argv, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_pytest_entry_point_runs_one_test_per_check() -> None:
    with br.serve(br.post_only()) as url:
        proc = _pytest("--catapult-receiver", url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 9 passed" in proc.stdout
    assert "test_receiver[methods]" in proc.stdout and "Response: 405" in proc.stdout


@pytest.mark.slow
def test_pytest_entry_point_skips_without_a_receiver() -> None:
    proc = _pytest()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "10 skipped" in proc.stdout and "--catapult-receiver URL" in proc.stdout

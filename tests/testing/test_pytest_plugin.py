"""The pytest plugin, as a team uses it: inner test files run by pytester in a subprocess, so the
plugin is loaded from its ``pytest11`` entry point exactly as after ``pip install catapult-sim``.
Then the pieces on their own: JSON matching and the callback inbox."""

from __future__ import annotations

import pathlib
import textwrap
from collections.abc import Iterator

import httpx
import pytest

from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.matching import describe_mismatch, differences, distance, is_subset
from catapult_sim.testing.receiver import Headers

pytest_plugins = ["pytester"]
slow = pytest.mark.slow  # the tests that run an inner pytest in a subprocess

# What the inner runs share: warnings are errors, as in this project.
INNER_INI = """
[pytest]
addopts = --strict-markers -p no:cacheprovider
filterwarnings = error
"""

SIGN_UP = """
from catapult_sim.testing.handle import Catapult
from catapult_sim.testing.inbox import CallbackInbox


def test_sign_up_reaches_the_receiver(catapult: Catapult, callback_inbox: CallbackInbox) -> None:
    catapult.connect(callback_inbox)
    catapult.sign_up("+12135551234", campaign="DemoSOI1")
    callback_inbox.assert_delivered(
        "subscription_added",
        subscription={
            "subscription_list": {"id": "1001"},
            "person": {"mobile_phone": {"mdn": "+12135551234"}},
        },
    )


def test_double_opt_in_and_stop(catapult: Catapult, callback_inbox: CallbackInbox) -> None:
    types = ["ack_participant_changed", "subscription_added", "subscription_removed"]
    catapult.connect(callback_inbox, types=types)
    assert catapult.sign_up("2135550100", campaign="DemoDOI1")["status"] == "PENDING"
    catapult.confirm("2135550100", campaign="DemoDOI1")
    callback_inbox.assert_delivered("ack_participant_changed", count=1)
    callback_inbox.assert_delivered("subscription_added", subscription={"subscription_list": {"id": "1002"}})
    catapult.stop("2135550100")
    callback_inbox.assert_delivered("subscription_removed", subscription={"opt_out_reason": "user_opt_out"})


def test_a_failed_delivery_is_retried_when_the_clock_moves(
    catapult: Catapult, callback_inbox: CallbackInbox
) -> None:
    catapult.freeze()
    catapult.connect(callback_inbox, types=["subscription_added"])
    callback_inbox.fail_next(503)
    catapult.opt_in("2135550101", list_id="1003")
    catapult.settle()  # the first attempt was made, answered 503, and its retry scheduled
    catapult.advance("5m")
    first, second = callback_inbox.assert_delivered("subscription_added", count=2)
    assert first.json["event_id"] == second.json["event_id"]
    assert [r.status for r in (first, second)] == [503, 200]


def test_the_clock_is_back_to_system_time(catapult: Catapult) -> None:
    assert catapult.sim.clock()["mode"] == "system"


def test_assert_requested_passes_for_what_was_sent(catapult: Catapult) -> None:
    catapult.add_person("2135550102", external_person_id="CRM-42")
    catapult.add_person("2135550102", external_person_id="CRM-42")
    body = {"external_person_id": "CRM-42"}
    sent = catapult.assert_requested("POST", "/mobiledb/persons", body=body, times=2)
    assert [r["status"] for r in sent] == [201, 200]
    catapult.assert_requested("GET", "/mobiledb/persons/{person_key}", times=0)
"""

FAILING = """
def test_wrong_list(catapult, callback_inbox):
    catapult.connect(callback_inbox)
    catapult.sign_up("+12135551234", campaign="DemoSOI1")
    callback_inbox.wait_for(count=3)  # all of them, so the report below lists all three
    callback_inbox.assert_delivered(
        "subscription_added", timeout=0.5, subscription={"subscription_list": {"id": "1002"}}
    )


def test_wrong_body_sent(catapult):
    catapult.add_person("2135550102", external_person_id="CRM-42")
    catapult.assert_requested("POST", "/mobiledb/persons", body={"external_person_id": "CRM-43"})
"""

ISOLATION = """
import os
import pathlib

import pytest


@pytest.mark.parametrize("n", range(8))
def test_each_test_has_a_company_of_its_own(catapult, n):
    assert catapult.state()["persons"] == []
    # The same number in every test: a shared company would answer 409 from the second one on.
    assert catapult.sign_up("+12135551234")["status"] == "SUBSCRIBED"
    assert len(catapult.requests()) == 1
    worker = os.environ.get("PYTEST_XDIST_WORKER", "none")
    seen = pathlib.Path(__file__).parent / "seen"
    seen.mkdir(exist_ok=True)
    (seen / catapult.company).write_text(f"{worker} {catapult.url}")
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INNER_INI)
    return pytester


@slow
def test_a_team_can_sign_up_a_person_and_assert_the_callback(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_crm=SIGN_UP)
    result = inner.runpytest_subprocess("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=5)


@slow
def test_failures_show_what_arrived_and_what_differs(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_crm=FAILING)
    result = inner.runpytest_subprocess("-q")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E * expected at least one subscription_added callback(s) containing *; 0 matched (waited 0.5s)",
            "E * received 3 request(s):",
            "E * closest subscription_added is #?; it differs in:",
            'E *   subscription.subscription_list.id: expected "1002", got "1001"',
        ]
    )
    text = result.stdout.str()
    for kind in ("person_added", "ack_participant_added", "subscription_added"):
        assert f"{kind}  event_id=" in text
    result.stdout.fnmatch_lines(
        [
            "E * expected at least 1 request(s) POST /mobiledb/persons for company t-* with a body *",
            "E * near miss #*: POST /companies/t-*/mobiledb/persons -> 201",
            'E *     body.external_person_id: expected "CRM-43", got "CRM-42"',
        ]
    )


@slow
def test_xdist_workers_each_get_a_simulator_and_unique_companies(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_isolation=ISOLATION)
    result = inner.runpytest_subprocess("-n", "2", "-q")
    result.assert_outcomes(passed=8)
    seen = {p.name: p.read_text().split() for p in (inner.path / "seen").iterdir()}
    assert len(seen) == 8  # eight distinct company keys
    by_worker: dict[str, set[str]] = {}
    for worker, url in seen.values():
        by_worker.setdefault(worker, set()).add(url)
    assert sorted(by_worker) == ["gw0", "gw1"]
    assert all(len(urls) == 1 for urls in by_worker.values())  # one server per worker ...
    assert by_worker["gw0"] != by_worker["gw1"]  # ... of its own


SEEDED = """
def test_companies_come_from_the_seed_template(catapult, callback_inbox):
    assert (catapult.username, catapult.password) == ("ci-user", "ci-secret")
    catapult.connect(callback_inbox, types=["subscription_added"])
    assert catapult.sign_up("+12135551234", campaign="CISignup")["status"] == "SUBSCRIBED"
    callback_inbox.assert_delivered("subscription_added", subscription={"subscription_list": {"id": "2001"}})


def test_the_retry_preset_is_the_ini_one(catapult):
    assert catapult.sim.http.get("/_sim/destinations").json()["retry"]["preset"] == "vibes"
"""


@slow
def test_seed_file_and_retry_preset_come_from_the_ini(inner: pytest.Pytester) -> None:
    seed = pathlib.Path(__file__).parents[2] / "docs" / "examples" / "seed.json"
    inner.makefile(".json", seed=seed.read_text(encoding="utf-8"))
    inner.makeini(INNER_INI + "catapult_seed_file = seed.json\ncatapult_retry_preset = vibes\n")
    inner.makepyfile(test_seeded=SEEDED)
    inner.runpytest_subprocess("-q").assert_outcomes(passed=2)


@slow
def test_importing_the_plugin_loads_nothing_of_the_simulator(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_light=textwrap.dedent(
            """
            import sys

            def test_light():
                assert "catapult_sim.testing.pytest_plugin" in sys.modules
                loaded = [m for m in ("catapult_sim.app", "catapult_sim.testing.handle", "catapult_sim.testing.inbox")
                          if m in sys.modules]
                assert loaded == []
            """
        )
    )
    inner.runpytest_subprocess("-q").assert_outcomes(passed=1)


# -- the pieces on their own -------------------------------------------------------------------


def test_differences_name_every_field_by_its_path() -> None:
    expected = {"a": {"b": 1, "c": "x"}, "l": [1, 2], "gone": 3}
    actual = {"a": {"b": 2, "c": "x", "more": 1}, "l": [1]}
    assert differences(expected, actual) == [
        "a.b: expected 1, got 2",
        "l: expected [1, 2], got [1]",
        "gone: missing (expected 3)",
    ]
    assert differences({"a": 1}, [1]) == ["body: expected an object, got [1]"]
    assert distance(expected, actual) == pytest.approx(4 / 5)


def test_subset_uses_json_equality() -> None:
    assert is_subset({"n": 1}, {"n": 1.0, "other": True})
    assert not is_subset({"n": 1}, {"n": True})
    assert not is_subset({"n": "1"}, {"n": 1})
    assert is_subset({"l": [{"a": 1}]}, {"l": [{"a": 1, "b": 2}]})


def test_describe_mismatch_picks_the_closest() -> None:
    text = describe_mismatch({"a": 1, "b": 2}, [{"a": 0, "b": 0}, {"a": 1, "b": 3}])
    assert text.splitlines() == ["closest is #2 of 2; it differs in:", "  b: expected 2, got 3"]


def test_headers_ignore_case_and_join_repeats() -> None:
    headers = Headers([("X-Catapult-Sim-Attempt", "1"), ("Accept", "a"), ("accept", "b")])
    assert headers["x-catapult-sim-attempt"] == headers["X-CATAPULT-SIM-ATTEMPT"] == "1"
    assert headers["Accept"] == "a, b" and list(headers) == ["X-Catapult-Sim-Attempt", "Accept"]


@pytest.fixture
def inbox() -> Iterator[CallbackInbox]:
    with CallbackInbox() as box:
        yield box


def _send(inbox: CallbackInbox, event_id: str, callback_type: str = "person_added") -> int:
    body = {"event_id": event_id, "callback_type": callback_type, "person": {"id": event_id}}
    return httpx.post(inbox.url, json=body, headers={"X-Test": "1"}).status_code


def test_inbox_answers_as_told_and_records_the_answer(inbox: CallbackInbox) -> None:
    inbox.fail_next(503, times=2)
    inbox.fail_next(400)
    statuses = [_send(inbox, f"E{i}") for i in range(4)]
    assert statuses == [503, 503, 400, 200]
    assert [r.status for r in inbox.received] == statuses
    assert inbox.received[0].headers["x-test"] == "1" and inbox.received[0].callback_type == "person_added"
    inbox.respond(202)
    assert _send(inbox, "E4") == 202
    inbox.reset()
    assert len(inbox) == 0 and _send(inbox, "E5") == 200


def test_assert_delivered_with_a_count_reports_the_extra_ones(inbox: CallbackInbox) -> None:
    _send(inbox, "E1")
    _send(inbox, "E2")
    assert [r.json["event_id"] for r in inbox.assert_delivered("person_added", count=2)] == ["E1", "E2"]
    with pytest.raises(AssertionError) as caught:
        inbox.assert_delivered("person_added", count=1, timeout=0.1)
    assert "expected exactly 1 person_added callback(s); 2 matched" in str(caught.value)
    assert "matching: #1, #2" in str(caught.value)
    with pytest.raises(AssertionError) as caught:
        inbox.assert_delivered("subscription_added", timeout=0.1)
    assert "no subscription_added callback arrived" in str(caught.value)
    assert "#2 person_added  event_id=E2 -> 200" in str(caught.value)


DISPATCHER_BUG = """
import time


def test_a_bug_in_the_dispatcher_fails_this_test(catapult, callback_inbox, catapult_server):
    dispatcher = catapult_server.app.state.sim.callbacks.dispatcher

    async def broken(delivery):
        raise RuntimeError("a bug in the dispatcher")

    dispatcher.attempt = broken  # the next delivery of any company hits it
    catapult.connect(callback_inbox, types=["subscription_added"])
    catapult.sign_up("+12135551234", campaign="DemoSOI1")
    deadline = time.monotonic() + 10
    while not dispatcher._unexpected and time.monotonic() < deadline:
        time.sleep(0.01)
    del dispatcher.attempt  # later tests deliver again


def test_the_next_test_is_not_blamed(catapult, callback_inbox):
    catapult.connect(callback_inbox, types=["subscription_added"])
    catapult.sign_up("+12135551235", campaign="DemoSOI1")
    callback_inbox.assert_delivered("subscription_added")
"""


@slow
def test_an_unexpected_dispatcher_error_fails_the_test_that_caused_it(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_dispatcher_bug=DISPATCHER_BUG)
    result = inner.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_bug_in_the_dispatcher_fails_this_test*",
            "*the simulator's callback dispatcher failed unexpectedly during this test*",
            "*RuntimeError: a bug in the dispatcher*",
        ]
    )

"""Storm profiles: seeded, valid bodies sent as the dispatcher sends them; no Locust needed."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest

from catapult_sim import schemas
from catapult_sim.delivery.sender import outgoing
from catapult_sim.load.storms import LAUNCH, PROFILES, StormConfig, Stream, event_id_of
from catapult_sim.load.tally import Tally

URL = "http://127.0.0.1:9/hook"


def take(stream: Stream, n: int) -> list:
    return list(itertools.islice(stream, n))


@pytest.mark.parametrize("profile", PROFILES)
def test_every_body_matches_its_callback_schema(profile: str) -> None:
    for shot in take(Stream(StormConfig(profile=profile, retry_rate=0.3, duplicate_rate=0.3), URL, 0, 0), 60):
        body = json.loads(shot.request.body)
        assert schemas.problems(f"callback-{shot.callback_type}", body) == []
        assert body["delivery_attempt"] == str(shot.attempt)


def test_requests_are_the_dispatchers_own() -> None:
    config = StormConfig(method="PUT", content_type="text/json")
    for shot in take(Stream(config, URL, 1, 2), 10):
        assert shot.request == outgoing(shot.delivery, shot.attempt)
        assert shot.request.method == "PUT" and shot.request.url == URL
        assert shot.request.headers["Content-Type"] == "text/json"
        assert shot.request.headers["X-Catapult-Sim-Event-Id"] == shot.event_id


def test_launch_sends_the_three_callbacks_of_each_new_subscriber_in_order() -> None:
    shots = take(Stream(StormConfig(profile="launch"), URL, 0, 0), 30)
    for group in (shots[i : i + 3] for i in range(0, len(shots), 3)):
        assert tuple(s.callback_type for s in group) == LAUNCH
        assert len({s.person_key for s in group}) == 1
        sub = json.loads(group[2].request.body)["subscription"]
        assert sub["subscription_list"]["id"] == json.loads(group[1].request.body)["subscription_list"]["id"]
    assert len({s.person_key for s in shots}) == 10


def test_opt_out_wave_is_stop_replies() -> None:
    for shot in take(Stream(StormConfig(profile="optout"), URL, 0, 0), 20):
        body = json.loads(shot.request.body)
        assert shot.callback_type == "subscription_removed"
        assert body["subscription"]["opt_out_reason"] == "user_opt_out"


def test_mixed_steady_state_sends_many_types() -> None:
    kinds = Counter(s.callback_type for s in take(Stream(StormConfig(profile="mixed"), URL, 0, 0), 400))
    assert len(kinds) >= 6 and kinds["person_updated"] > kinds["company_participant_changed"]


def test_the_same_seed_repeats_the_storm_and_another_does_not() -> None:
    def bodies(seed: int, worker: int, user: int) -> list[str]:
        config = StormConfig(seed=seed, duplicate_rate=0.1, retry_rate=0.1)
        return [s.request.body for s in take(Stream(config, URL, worker, user), 50)]

    assert bodies(5, 0, 0) == bodies(5, 0, 0)
    assert bodies(5, 0, 0) != bodies(6, 0, 0)
    assert bodies(5, 0, 0) != bodies(5, 1, 0) != bodies(5, 0, 1)


def test_streams_of_different_workers_and_users_never_share_an_event_id() -> None:
    ids = [
        s.event_id for w, u in itertools.product(range(3), range(3)) for s in take(Stream(StormConfig(), URL, w, u), 90)
    ]
    assert len(ids) == len(set(ids))
    assert all(len(i) == 12 and i.isalnum() and i.isupper() for i in ids)
    with pytest.raises(ValueError):
        event_id_of(0, 1 << 10, 0, 1)


def test_duplicates_repeat_the_request_and_retries_count_the_attempt_up() -> None:
    config = StormConfig(duplicate_rate=0.2, retry_rate=0.2, max_attempts=3)
    shots = take(Stream(config, URL, 0, 0), 3000)
    firsts = {s.event_id: s for s in shots if s.kind == "first"}
    dups = [s for s in shots if s.kind == "duplicate"]
    retries = [s for s in shots if s.kind == "retry"]
    assert 0.15 < len(dups) / len(firsts) < 0.3  # duplicates of firsts and of retries
    assert 0.15 < len(retries) / len(firsts) < 0.3
    for dup in dups:
        assert any(s.request == dup.request for s in shots if s.kind != "duplicate")
    for retry in retries:
        first = firsts[retry.event_id]
        assert retry.attempt >= 2 and retry.request.headers["X-Catapult-Sim-Attempt"] == str(retry.attempt)
        assert retry.request.body.replace(f'"delivery_attempt":"{retry.attempt}"', "") == first.request.body.replace(
            '"delivery_attempt":"1"', ""
        )
    assert max(s.attempt for s in shots) == 3


def test_no_resends_without_rates() -> None:
    assert {s.kind for s in take(Stream(StormConfig(), URL, 0, 0), 300)} == {"first"}


def test_problems_name_the_flag() -> None:
    flags = {k: f"--{k}" for k in ("profile", "duplicate_rate", "retry_rate", "max_attempts", "method",
                                    "content_type", "api_version")}  # fmt: skip
    assert StormConfig().problems(flags) == []
    bad = StormConfig(profile="nope", duplicate_rate=1.0, method="GET", content_type="text/xml", api_version=3)
    found = bad.problems(flags)
    for flag in ("--profile", "--duplicate_rate", "--method", "--content_type", "--api_version"):
        assert any(p.startswith(flag + ":") for p in found), flag


def test_tally_counts_statuses_and_acknowledged_outcomes() -> None:
    tally = Tally()
    shots = take(Stream(StormConfig(), URL, 0, 0), 6)
    for shot, outcome in zip(shots, ("200", "200", "503", "200", "timeout", "204"), strict=True):
        tally.sent(shot)
        tally.answered(shot, outcome)
    assert tally.statuses == Counter({"200": 3, "503": 1, "timeout": 1, "204": 1})
    assert set(tally.acknowledged) == {(shots[5].person_key, "1001")}  # the first subscription_added got 503
    assert len(tally.touched) == 2
    assert tally.take_statuses() == dict(tally.statuses) and tally.take_statuses() == {}

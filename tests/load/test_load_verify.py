"""--verify: the CRM's rows against what its receiver acknowledged; a naive receiver fails it."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from catapult_sim.load.storms import StormConfig, Stream
from catapult_sim.load.tally import Tally
from catapult_sim.load.verify import check, rows_from_requests

URL = "http://127.0.0.1:9/hook"


@dataclass
class Got:
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def storm(profile: str, n: int = 300, refuse: set[int] = frozenset()) -> tuple[Tally, list[Got]]:
    """``n`` requests with duplicates and retries, all acknowledged except the indexes in ``refuse``."""
    tally, got = Tally(), []
    config = StormConfig(profile=profile, duplicate_rate=0.2, retry_rate=0.2)
    for i, shot in enumerate(itertools.islice(Stream(config, URL, 0, 0), n)):
        tally.sent(shot)
        tally.answered(shot, "503" if i in refuse else "200")
        got.append(Got(shot.request.body))
    return tally, got


def test_an_idempotent_receiver_passes() -> None:
    for profile in ("launch", "optout"):
        tally, got = storm(profile)
        result = check(tally.acknowledged, tally.touched, rows_from_requests(got))
        assert result.ok, result.lines()
        assert result.checked == len({k for k in tally.touched}) > 50


def test_a_receiver_that_applies_every_copy_fails() -> None:
    tally, got = storm("launch")
    result = check(tally.acknowledged, tally.touched, rows_from_requests(got, dedupe=False))
    assert not result.ok
    assert "shown more than once" in result.problems
    assert result.lines()[0].startswith("FAIL ")


def test_missing_wrong_and_over_applied_rows_are_named() -> None:
    tally, got = storm("launch", 30)
    rows = rows_from_requests(got)
    p0, p1, p2 = (person for person, _ in sorted(tally.acknowledged)[:3])
    rows = [r for r in rows if r["person_key"] != p0]
    for r in rows:
        if r["person_key"] == p1:
            r["status"] = "unsubscribed"
        if r["person_key"] == p2:
            r["applied"] = 2
    result = check(tally.acknowledged, tally.touched, [*rows, {"person_key": "elsewhere", "list_id": "9"}])
    assert set(result.problems) == {"acknowledged but missing", "not subscribed", "applied more than once"}
    assert p0 in result.problems["acknowledged but missing"][0]


def test_a_refused_subscriber_may_be_absent_but_not_twice() -> None:
    tally, got = storm("optout", 10, refuse=set(range(10)))
    assert tally.acknowledged == {} and len(tally.touched) >= 8
    assert check(tally.acknowledged, tally.touched, []).ok
    assert not check(tally.acknowledged, tally.touched, rows_from_requests(got + got, dedupe=False)).ok

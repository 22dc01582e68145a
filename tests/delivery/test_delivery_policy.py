"""The pure delivery rules: presets, custom schedules, status classes, downed state; chaos plans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catapult_sim.core.callbacks.outbox import DELIVERED, FAILED, RETRYING, DestinationState
from catapult_sim.core.callbacks.payloads import envelope, for_attempt
from catapult_sim.core.store import dumps
from catapult_sim.delivery import policy
from catapult_sim.delivery.chaos import Chaos
from catapult_sim.delivery.policy import RetryPolicy
from catapult_sim.errors import Unprocessable

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_the_presets() -> None:
    vibes = RetryPolicy.build()
    assert vibes.schedule == (300.0,) * 5 and vibes.timeout == 2.0  # fact sheet §7.7 [W-connectcb] (assumed)
    svix = RetryPolicy.build("svix")
    assert svix.schedule == (5, 300, 1800, 7200, 18000, 36000, 36000) and svix.timeout == 15
    assert RetryPolicy.build("fast").schedule[0] < 1


def test_a_custom_schedule_and_timeout() -> None:
    custom = RetryPolicy.build("vibes", "10s, 1m,5m", "250ms", downed_after=2, downed_cooldown="1h")
    assert custom.name == "custom" and custom.schedule == (10, 60, 300) and custom.timeout == 0.25
    assert custom.describe()["max_attempts"] == 4 and custom.downed_cooldown == 3600
    assert RetryPolicy.build(schedule="").schedule == ()  # never retry


@pytest.mark.parametrize(
    "kwargs",
    [{"preset": "slow"}, {"schedule": "10x"}, {"schedule": "-1s"}, {"timeout": "0s"}, {"downed_after": 0},
     {"downed_cooldown": "forever"}, {"schedule": "99d"}],
)  # fmt: skip
def test_bad_settings_are_value_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy.build(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "error", "verdict"),
    [(200, None, policy.OK), (204, None, policy.OK), (299, None, policy.OK), (400, None, policy.PERMANENT),
     (499, None, policy.PERMANENT), (301, None, policy.TRANSIENT), (500, None, policy.TRANSIENT),
     (599, None, policy.TRANSIENT), (199, None, policy.TRANSIENT), (None, "timeout", policy.TRANSIENT),
     (200, "dropped", policy.TRANSIENT)],
)  # fmt: skip
def test_status_classes(status: int | None, error: str | None, verdict: str) -> None:
    assert policy.classify(status, error) == verdict


def test_next_step_follows_the_schedule_then_gives_up() -> None:
    p = RetryPolicy.build(schedule="1s,2s")
    assert policy.next_step(p, 1, policy.TRANSIENT) == policy.Step(RETRYING, 1)
    assert policy.next_step(p, 2, policy.TRANSIENT) == policy.Step(RETRYING, 2)
    assert policy.next_step(p, 3, policy.TRANSIENT).state == FAILED
    assert policy.next_step(p, 1, policy.PERMANENT).state == FAILED
    assert policy.next_step(p, 3, policy.OK).state == DELIVERED


def test_consecutive_transient_failures_down_a_destination_and_any_answer_revives_it() -> None:
    p = RetryPolicy.build(downed_after=2, downed_cooldown="10m")
    d = policy.after_attempt(p, DestinationState("u"), policy.TRANSIENT, T0)
    assert d.failures == 1 and d.downed_until is None and not policy.probing(p, d)
    d = policy.after_attempt(p, d, policy.TRANSIENT, T0)
    assert d.downed_until == "2024-01-01T00:10:00.000000Z" and d.downed_count == 1
    assert policy.is_downed(d, "2024-01-01T00:09:59.000000Z") and not policy.is_downed(d, d.downed_until)
    assert policy.probing(p, d)
    up = policy.after_attempt(p, d, policy.PERMANENT, T0)
    assert up == DestinationState("u", 0, None, 1)


def test_the_stored_body_is_rewritten_per_attempt_only_in_the_envelope() -> None:
    stored = dumps({**envelope("person_added", "E" * 12, "2024-01-01T00:00:00Z", "cb"),
                    "person": {"note": '"delivery_attempt":"1"'}})  # fmt: skip
    third = for_attempt(stored, 3)
    assert '"delivery_attempt":"3"' in third and third.endswith('{"note":"\\"delivery_attempt\\":\\"1\\""}}')


def test_chaos_plans_depend_only_on_the_seed_the_delivery_and_the_attempt() -> None:
    a, b, other = Chaos(9), Chaos(9), Chaos(10)
    for c in (a, b, other):
        c.set({"duplicate_probability": 0.5, "drop_probability": 0.5, "latency_ms": 5, "jitter_ms": 5})
    plans = [a.plan("u", n, 1) for n in range(50)]
    assert plans == [b.plan("u", n, 1) for n in range(50)]
    assert plans != [other.plan("u", n, 1) for n in range(50)]
    assert {p.duplicate for p in plans if p} == {True, False} and {p.drop for p in plans if p} == {
        None,
        "request",
    }
    assert a.plan("u", 1, 1) != a.plan("u", 1, 2) or a.plan("u", 2, 1) != a.plan("u", 2, 2)
    assert Chaos(9).plan("u", 1, 1) is None  # no rule, no chaos


def test_a_chaos_rule_rejects_every_bad_field_at_once() -> None:
    with pytest.raises(Unprocessable) as err:
        Chaos(1).set({"duplicate_probability": -0.1, "jitter_ms": 1e9, "nope": 1, "destination": 5})
    assert len(err.value.problems) == 4

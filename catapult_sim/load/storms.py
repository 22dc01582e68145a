"""Storm profiles: the seeded streams of callback requests a load test sends (no Locust here).

Each Locust user owns one :class:`Stream`, seeded by ``(seed, worker index, user index)``, so every
worker derives its bodies locally: nothing travels from the master but the options, and the same
seed sends the same requests in the same order per user on every run.

Bodies come from the project's own generator (:class:`~catapult_sim.testing.factories.PayloadFactory`
and :func:`catapult_sim.testing.payloads.callback_body`), serialised as the outbox stores them and
turned into a request by the dispatcher's own :func:`catapult_sim.delivery.sender.outgoing`: the same
method, content type, headers and ``delivery_attempt`` rewriting the simulator sends.

Profiles:

- ``launch``: a campaign launch; per new subscriber ``person_added``, ``ack_participant_added`` and
  ``subscription_added`` for the same person, in that order;
- ``optout``: an opt-out wave; one ``subscription_removed`` (reason ``user_opt_out``, a STOP reply)
  per subscriber;
- ``mixed``: a steady state of every callback type, weighted as a running programme sends them.

On top, a duplicate rate (the same request again, same ``event_id`` and ``delivery_attempt``) and a
retry rate (the same event again with ``delivery_attempt`` counting up, to ``max_attempts``); both
re-sends arrive a few requests later, as they would from a platform that sends at least once.
"""

from __future__ import annotations

import functools
import random
import string
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from catapult_sim.core.callbacks.outbox import PENDING, Delivery
from catapult_sim.core.callbacks.specs import CONTENT_TYPES, METHODS
from catapult_sim.core.clock import stamp, wire
from catapult_sim.core.models import Person
from catapult_sim.core.store import dumps
from catapult_sim.delivery.sender import Outgoing, outgoing
from catapult_sim.testing import payloads
from catapult_sim.testing.factories import PayloadFactory

PROFILES = ("launch", "optout", "mixed")
LAUNCH = ("person_added", "ack_participant_added", "subscription_added")
# The steady-state mix (our choice; Vibes publishes no traffic shares): updates dominate, opt-outs are rarer.
MIXED_WEIGHTS = {
    "person_added": 15, "person_updated": 25, "subscription_added": 20, "subscription_removed": 10,
    "ack_participant_added": 15, "ack_participant_changed": 10, "company_participant_added": 3,
    "company_participant_changed": 2,
}  # fmt: skip
STOP_REASON = "user_opt_out"  # a subscriber texting STOP (fact sheet §3.4, inferred from the name)
LIST_ID = "1001"
CAMPAIGN = "DemoSOI1"
LAUNCH_AT = datetime(2025, 3, 1, 15, 0, tzinfo=UTC)
RESEND_GAP = (1, 8)  # a duplicate or retry arrives this many requests after the first copy
_ALNUM = string.ascii_letters + string.digits
_BASE36 = string.digits + string.ascii_uppercase


@dataclass(frozen=True, slots=True)
class StormConfig:
    """What a storm sends; every field has a flag in the locustfile and the CLI."""

    profile: str = "launch"
    seed: int = 0
    duplicate_rate: float = 0.0
    retry_rate: float = 0.0
    max_attempts: int = 3
    method: str = "POST"
    content_type: str = "application/json"
    api_version: int = 2

    def problems(self, flags: Mapping[str, str]) -> list[str]:
        """What is wrong, each naming its flag as ``flags`` (field name → flag) spells it."""
        found = []
        if self.profile not in PROFILES:
            found.append(f"{flags['profile']}: unknown profile {self.profile!r}; choose from {', '.join(PROFILES)}")
        for name in ("duplicate_rate", "retry_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate < 1.0:
                found.append(f"{flags[name]}: {rate:g} is not a rate from 0 up to (not including) 1")
        if not 1 <= self.max_attempts <= 10:
            found.append(f"{flags['max_attempts']}: {self.max_attempts} is not between 1 and 10")
        # The choices a registration accepts (catapult_sim.core.callbacks.specs, fact sheet §6.2).
        if self.method not in METHODS:
            found.append(f"{flags['method']}: {self.method!r} is not one of {', '.join(METHODS)}")
        if self.content_type not in CONTENT_TYPES:
            found.append(f"{flags['content_type']}: {self.content_type!r} is not one of {', '.join(CONTENT_TYPES)}")
        if self.api_version not in (1, 2):
            found.append(f"{flags['api_version']}: {self.api_version} is not 1 or 2")
        return found


@dataclass(frozen=True, slots=True)
class Shot:
    """One request of a storm and what it stands for."""

    callback_type: str
    event_id: str
    attempt: int
    kind: str  # "first", "duplicate" or "retry"
    person_key: str
    list_id: str | None
    delivery: Delivery
    request: Outgoing


def registration_ids(seed: int) -> dict[str, str]:
    """One registration (callback_id) per callback type, shared by every worker of a storm."""
    rng = random.Random(f"{seed}:registrations")
    return {t: "".join(rng.choices(_ALNUM, k=8)) for t in payloads.CALLBACK_TYPES}


class Stream:
    """The endless, seeded sequence of requests one user sends to ``url``."""

    def __init__(self, config: StormConfig, url: str, worker: int, user: int) -> None:
        self.config, self.url, self.worker, self.user = config, url, worker, user
        origin = f"{config.seed}:{worker}:{user}"
        knobs = {"list_id": LIST_ID, "acquisition_id": CAMPAIGN, "opt_out_reason": STOP_REASON}
        self.factory = PayloadFactory(seed=origin, api_version=config.api_version, overrides=knobs)
        self.fate = random.Random(origin + ":fate")  # duplicates and retries: apart from the bodies
        self.callback_ids = registration_ids(config.seed)
        self.campaign = self.factory.campaign()
        self.sequence = 0  # requests handed out
        self.events = 0  # events made
        self.ready: deque[Shot] = deque()
        self.later: list[tuple[int, Shot]] = []

    def __iter__(self) -> Iterator[Shot]:
        return self

    def __next__(self) -> Shot:
        self.sequence += 1
        due = next((pair for pair in self.later if pair[0] <= self.sequence), None)
        if due is not None:
            self.later.remove(due)
            shot = due[1]
        else:
            if not self.ready:
                self.ready.extend(self._make())
            shot = self.ready.popleft()
        self._plan_resends(shot)  # a retry may be retried again, up to max_attempts
        return shot

    # -- events --------------------------------------------------------------------------------

    def _make(self) -> list[Shot]:
        profile = self.config.profile
        if profile == "launch":
            return self._launch()
        if profile == "optout":
            return [self._opt_out()]
        kind = self.factory.rng.choices(list(MIXED_WEIGHTS), weights=list(MIXED_WEIGHTS.values()))[0]
        return [self._mixed(kind)]

    def _launch(self) -> list[Shot]:
        f, at = self.factory, self._now()
        person = replace(f.person(), person_id=self._person_id(), created_at=at, updated_at=at)
        part = replace(f.participant(person, self.campaign, ("SUBSCRIBED",)), participation_date=at, updated_at=at)
        sub = replace(f.subscription(person, ended=False), list_id=self.campaign.list_id, opt_in_date=at)
        bodies = [
            self._body("person_added", person),
            self._body("ack_participant_added", person, participant=part, campaign=self.campaign),
            self._body("subscription_added", person, subscription=sub),
        ]
        return [self._first(body, person.person_key, sub.list_id) for body in bodies]

    def _opt_out(self) -> Shot:
        f, at = self.factory, self._now()
        person = replace(f.person(), person_id=self._person_id())
        sub = replace(f.subscription(person, ended=True), opt_out_date=at, opt_out_reason=STOP_REASON)
        sub = replace(sub, opt_in_date=min(sub.opt_in_date, at))
        body = self._body("subscription_removed", person, subscription=sub)
        return self._first(body, person.person_key, sub.list_id)

    def _mixed(self, callback_type: str) -> Shot:
        body = self.factory.one(callback_type)
        body["event_id"], body["callback_id"] = self._ids(callback_type)
        person = (body.get("person") or body.get("subscription", {}).get("person")
                  or body.get("participant", {}).get("person") or {})  # fmt: skip
        list_id = (body.get("subscription") or body).get("subscription_list", {}).get("id")
        return self._first(body, str(person.get("person_key", "")), list_id)

    def _body(self, callback_type: str, person: Person, **records: Any) -> dict[str, Any]:
        event_id, callback_id = self._ids(callback_type)
        return payloads.callback_body(
            callback_type, person, self.config.api_version, event_id=event_id, callback_id=callback_id, **records
        )

    def _ids(self, callback_type: str) -> tuple[str, str]:
        """A new event's id, and the callback_id of the registration of its type."""
        self.events += 1
        return event_id_of(self.config.seed, self.worker, self.user, self.events), self.callback_ids[callback_type]

    def _person_id(self) -> int:
        """Unique across the storm (the factory numbers persons per stream only)."""
        return self.worker << 50 | self.user << 30 | (self.events + 1)

    def _now(self) -> str:
        """The launch clock: events one tenth of a second apart per user, from a fixed start."""
        return stamp(LAUNCH_AT + timedelta(seconds=self.events / 10))

    # -- requests ------------------------------------------------------------------------------

    def _first(self, body: dict[str, Any], person_key: str, list_id: object) -> Shot:
        delivery = Delivery(
            self._delivery_id(), "demo", str(body["callback_id"]), str(body["callback_type"]),
            str(body["event_id"]), wire(str(body["event_date"])) or "", self.url, self.config.method,
            self.config.content_type, dumps(body), PENDING, 0, None, "", "", None, None, None, False,
        )  # fmt: skip
        return _shot(delivery, 1, "first", person_key, None if list_id is None else str(list_id))

    def _delivery_id(self) -> int:
        return (self.worker * 100_000 + self.user) * 10_000_000 + self.events

    def _plan_resends(self, shot: Shot) -> None:
        """Maybe send ``shot`` again: unchanged (a duplicate) or as its next attempt (a retry)."""
        if shot.kind == "duplicate":
            return
        if self.fate.random() < self.config.duplicate_rate:
            self._later(replace(shot, kind="duplicate"))
        if shot.attempt < self.config.max_attempts and self.fate.random() < self.config.retry_rate:
            self._later(_shot(shot.delivery, shot.attempt + 1, "retry", shot.person_key, shot.list_id))

    def _later(self, shot: Shot) -> None:
        self.later.append((self.sequence + self.fate.randint(*RESEND_GAP), shot))


def _shot(delivery: Delivery, attempt: int, kind: str, person_key: str, list_id: str | None) -> Shot:
    request = outgoing(delivery, attempt)  # the dispatcher's own request for this attempt
    return Shot(delivery.callback_type, delivery.event_id, attempt, kind, person_key, list_id, delivery, request)


def event_id_of(seed: int, worker: int, user: int, number: int) -> str:
    """Twelve uppercase alphanumerics, like Vibes' (fact sheet §7), unique per (worker, user, number).

    The three numbers pack into 60 bits (1,024 workers, a million users each, a billion events per
    user); XOR with a mask drawn from the seed is a bijection, so ids never collide within a storm."""
    if not (0 <= worker < 1 << 10 and 0 <= user < 1 << 20 and 0 <= number < 1 << 30):
        raise ValueError("storm too large for unique event ids")
    packed = (worker << 50 | user << 30 | number) ^ _mask(seed)
    digits = []
    for _ in range(12):
        packed, d = divmod(packed, 36)
        digits.append(_BASE36[d])
    return "".join(reversed(digits))


@functools.cache
def _mask(seed: int) -> int:
    return random.Random(f"{seed}:event-ids").getrandbits(60)

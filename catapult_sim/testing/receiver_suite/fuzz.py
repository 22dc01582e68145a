"""``valid_bodies``: Hypothesis-generated callbacks of every chosen type and API version.

Bodies come from :func:`catapult_sim.testing.strategies.callbacks`, so they are valid by construction
(they validate against ``catapult_sim/schemas``). Each (type, version) pair is one Hypothesis run with
the same seed: ``examples`` bodies, no example database, no deadline (the budget is checked on the
answer instead). When a body fails, Hypothesis shrinks it and the smallest failing body is reported.

Every request gets a fresh ``event_id``, so a receiver that refuses duplicates fails
``duplicate_event_id`` only. Answers are remembered per body, so a receiver that answers
differently to the same body later cannot make Hypothesis's replay flaky; after ``shrink_time``
seconds of shrinking, bodies not yet tried count as passing, which ends the shrink with the smallest
failure found so far.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.errors import Flaky

from catapult_sim.core.store import dumps
from catapult_sim.testing import strategies as cs
from catapult_sim.testing.receiver_suite import bodies as b
from catapult_sim.testing.receiver_suite.checks import Context
from catapult_sim.testing.receiver_suite.results import FAIL, PASS, CheckResult, seconds
from catapult_sim.testing.receiver_suite.transport import Exchange, Request

NAME = "valid_bodies"


class Rejected(Exception):
    """Raised inside the Hypothesis test: the receiver did not take this body."""

    def __init__(self, exchange: Exchange, reason: str) -> None:
        super().__init__(reason)
        self.exchange, self.reason = exchange, reason


@dataclass(slots=True)
class _Run:
    """The state of one (type, version) run: answers by body, and the shrink clock."""

    ctx: Context
    label: str
    answers: dict[str, tuple[Exchange, str | None]] = field(default_factory=dict)
    first_failure: float | None = None
    sent: int = 0
    slowest: float = 0.0

    def probe(self, body: dict[str, Any]) -> None:
        key = dumps(body)
        if key not in self.answers:
            if self.first_failure is not None and self._shrink_over():
                return  # out of shrinking time: untried bodies count as passing
            ex = self.ctx.send(NAME, Request(self.label, b.fresh(body)))
            self.sent += 1
            self.slowest = max(self.slowest, ex.latency_ms)
            self.answers[key] = (ex, self.ctx.problem(ex))
        ex, reason = self.answers[key]
        if reason is not None:
            self.first_failure = self.first_failure or time.monotonic()
            raise Rejected(ex, reason)

    def _shrink_over(self) -> bool:
        assert self.first_failure is not None
        return time.monotonic() - self.first_failure > self.ctx.options.shrink_time


def _settings(examples: int, shrink: bool) -> settings:
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink) if shrink else (Phase.generate,),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )


def _hunt(ctx: Context, kind: str, version: int, shrink: bool) -> tuple[_Run, Rejected | None, str | None]:
    """One Hypothesis run; the (smallest, if ``shrink``) rejection, and a note if the receiver was flaky."""
    run = _Run(ctx, f"{kind} (API v{version})")

    @seed(ctx.options.seed)
    @_settings(ctx.options.examples, shrink)
    @given(cs.callbacks(kind, api_version=version))
    def body_is_accepted(body: dict[str, Any]) -> None:
        run.probe(body)

    try:
        body_is_accepted()
    except Rejected as exc:
        return run, exc, None
    except Flaky as exc:  # defensive: answers are remembered, so a replay cannot change them
        found = [Rejected(ex, why) for ex, why in run.answers.values() if why is not None]
        if not found:
            raise
        smallest = min(found, key=lambda r: len(r.exchange.body))
        return run, smallest, f"Hypothesis reported the receiver as flaky: {exc}"
    return run, None, None


def valid_bodies(ctx: Context) -> CheckResult:
    o = ctx.options
    pairs = [(kind, v) for v in o.api_versions for kind in o.callback_types]
    runs: list[_Run] = []
    failures: list[tuple[str, Rejected, str | None]] = []
    for kind, version in pairs:
        # Only the first failing pair is shrunk (the report shows one payload); the others stop at
        # their first failure, which is all the list of failing pairs needs.
        run, rejected, note = _hunt(ctx, kind, version, shrink=not failures)
        runs.append(run)
        if rejected is not None:
            failures.append((run.label, rejected, note))
    sent = sum(r.sent for r in runs)
    versions = " and ".join(f"v{v}" for v in o.api_versions)
    scope = f"{len(o.callback_types)} types, API {versions}, up to {o.examples} each"
    if not failures:
        slowest = max(r.slowest for r in runs)
        reason = f"{sent} generated bodies ({scope}): all 2XX, slowest {seconds(slowest)}"
        return CheckResult(NAME, PASS, reason, requests=sent)
    label, smallest, note = failures[0]
    notes = [f"Failing type/version pairs: {', '.join(f[0] for f in failures)}."]
    if note:
        notes.append(note)
    reason = f"{label}: {smallest.reason} ({len(failures)} of {len(pairs)} type/version pairs failed)"
    title = f"Minimal failing payload of {label}, shrunk by Hypothesis with seed {o.seed}"
    return CheckResult(NAME, FAIL, reason, smallest.exchange, notes, requests=sent, payload_title=title)

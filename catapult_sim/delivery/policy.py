"""Pure delivery rules: what an attempt's outcome means, when to retry, when a destination is downed.

The status classes follow what Vibes documents (fact sheet §7.7 [P-cb] [M-async]): 2XX accepted;
4XX a permanent, event-specific failure, not retried; 3XX and 5XX transient, retried on a schedule
and then failed; repeated failures put the destination URL into a "downed" state that pauses its
deliveries for a while. Timeouts and connection errors count as transient too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from catapult_sim.core.callbacks.outbox import DELIVERED, FAILED, RETRYING, DestinationState
from catapult_sim.core.clock import duration_seconds, parse_iso, stamp

OK, PERMANENT, TRANSIENT = "ok", "permanent", "transient"

# Retry delays, each counted from the failure of the attempt before it.
PRESETS: dict[str, tuple[float, ...]] = {
    # ASSUMPTION: Vibes does not publish the Platform's schedule (fact sheet §7.7). The nearest
    # documented figure is Vibes Connect's MO/DLR callbacks: a retry every 5 minutes, up to 5
    # retries, with a 2-second timeout [W-connectcb] -- another product, used as a plausible default.
    "vibes": (300.0,) * 5,
    # Svix's published schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, with a 15 s timeout.
    "svix": (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0),
    # For tests and demos: four quick retries.
    "fast": (0.1, 0.25, 0.5, 1.0),
}
PRESET_TIMEOUTS = {"vibes": 2.0, "svix": 15.0, "fast": 1.0}
CUSTOM = "custom"


def parse_duration(text: str) -> float:
    """'250ms', '10s', '1m', '2h', '1d' or a bare number of seconds; ValueError otherwise."""
    value = duration_seconds(text)
    if not 0 <= value <= 30 * 86400:
        raise ValueError(f"duration out of range (0 to 30 days): {text!r}")
    return value


def parse_schedule(text: str) -> tuple[float, ...]:
    """A custom schedule such as ``10s,1m,5m`` (an empty one means: never retry)."""
    parts = [p for p in (s.strip() for s in text.split(",")) if p]
    try:
        return tuple(parse_duration(p) for p in parts)
    except ValueError:
        raise ValueError(f"a retry schedule looks like 10s,1m,5m, not {text!r}") from None


@dataclass(slots=True, frozen=True)
class RetryPolicy:
    """The schedule, the per-attempt timeout and the downed rule, all in seconds."""

    name: str = "vibes"
    schedule: tuple[float, ...] = PRESETS["vibes"]
    timeout: float = PRESET_TIMEOUTS["vibes"]
    downed_after: int = 5
    downed_cooldown: float = 300.0

    @classmethod
    def build(
        cls,
        preset: str = "vibes",
        schedule: str | None = None,
        timeout: str | None = None,
        downed_after: int = 5,
        downed_cooldown: str = "5m",
    ) -> RetryPolicy:
        """From settings-style text; ValueError names the first bad value."""
        if preset not in PRESETS:
            raise ValueError(f"retry preset must be one of {', '.join(PRESETS)}, not {preset!r}")
        steps = parse_schedule(schedule) if schedule is not None else PRESETS[preset]
        wait = parse_duration(timeout) if timeout else PRESET_TIMEOUTS[preset]
        if wait <= 0:
            raise ValueError("the delivery timeout must be above zero")
        if downed_after < 1:
            raise ValueError("downed_after must be at least 1")
        name = CUSTOM if schedule is not None else preset
        return cls(name, steps, wait, downed_after, parse_duration(downed_cooldown))

    def describe(self) -> dict[str, object]:
        return {
            "preset": self.name,
            "schedule_seconds": list(self.schedule),
            "max_attempts": len(self.schedule) + 1,
            "timeout_seconds": self.timeout,
            "downed_after": self.downed_after,
            "downed_cooldown_seconds": self.downed_cooldown,
        }


def classify(status: int | None, error: str | None) -> str:
    """2XX ok; 4XX permanent; 3XX, 5XX, anything else, timeouts and connection errors transient."""
    if error is not None or status is None:
        return TRANSIENT
    if 200 <= status < 300:
        return OK
    if 400 <= status < 500:
        return PERMANENT
    return TRANSIENT


@dataclass(slots=True, frozen=True)
class Step:
    """What follows an attempt: the delivery's state and, when retrying, the delay."""

    state: str
    delay: float | None = None

    @property
    def outcome(self) -> str:
        return _OUTCOMES.get(self.state, "retry")


_OUTCOMES = {DELIVERED: "delivered", FAILED: "failed"}
_DELIVERED, _FAILED = Step(DELIVERED), Step(FAILED)  # the same every time (frozen)


def next_step(policy: RetryPolicy, attempt: int, verdict: str) -> Step:
    """The state after attempt number ``attempt`` (1-based) ended with ``verdict``."""
    if verdict == OK:
        return _DELIVERED
    if verdict == PERMANENT or attempt > len(policy.schedule):
        return _FAILED
    return Step(RETRYING, policy.schedule[attempt - 1])


def after_attempt(policy: RetryPolicy, dest: DestinationState, verdict: str, now: datetime) -> DestinationState:
    """Count consecutive transient failures; at ``downed_after`` the URL is downed for the cool-down.

    Any answer that is not transient (2XX, or a 4XX the receiver chose to give) proves the URL is up.
    ``dest`` itself comes back when nothing changed (so ``is`` tells a change).
    """
    if verdict != TRANSIENT:
        if dest.failures == 0 and dest.downed_until is None:
            return dest
        return DestinationState(dest.url, 0, None, dest.downed_count)
    failures = dest.failures + 1
    if failures < policy.downed_after:
        return replace(dest, failures=failures)
    until = stamp(now + timedelta(seconds=policy.downed_cooldown))
    return DestinationState(dest.url, failures, until, dest.downed_count + 1)


def is_downed(dest: DestinationState | None, now: str) -> bool:
    return dest is not None and dest.downed_until is not None and dest.downed_until > now


def probing(policy: RetryPolicy, dest: DestinationState | None) -> bool:
    """After a cool-down, one attempt at a time probes the URL until one is not a transient failure."""
    return dest is not None and dest.failures >= policy.downed_after


def seconds_until(when: str, now: datetime) -> float:
    return (parse_iso(when) - now).total_seconds()

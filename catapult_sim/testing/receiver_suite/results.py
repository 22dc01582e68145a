"""What a check finds: pass, fail or skip, why, and for a failure the request that shows it."""

from __future__ import annotations

from dataclasses import dataclass, field

from catapult_sim.testing.receiver_suite.transport import Exchange

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


@dataclass(slots=True)
class CheckResult:
    """One check's outcome. ``exchange`` is the failing request (the smallest one found, for
    ``valid_bodies``) and what it got; ``notes`` are extra lines for the report."""

    name: str
    status: str
    reason: str
    exchange: Exchange | None = None
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)
    payload_title: str = "Payload"

    @property
    def passed(self) -> bool:
        return self.status != FAIL


def problem(ex: Exchange, budget: float) -> str | None:
    """Why ``ex`` breaks the contract (not 2XX, or not within the budget), or None when it does not."""
    if ex.error is not None:
        if ex.error.startswith("timeout"):
            return f"got no answer within the {budget:g} s budget"
        return f"got no answer ({ex.error})"
    assert ex.status is not None
    if not 200 <= ex.status < 300:
        return f"answered {ex.status}"
    if ex.latency_ms > budget * 1000:
        return f"answered {ex.status} after {seconds(ex.latency_ms)}, over the {budget:g} s budget"
    return None


def consequence(ex: Exchange, budget: float) -> str:
    """What the delivery contract makes of this answer (docs/delivery-contract.md, fact sheet §7.7)."""
    if ex.status is None or (200 <= ex.status < 300 and ex.latency_ms > budget * 1000):
        return (
            f"No answer within the {budget:g} s per-attempt timeout counts as a failed attempt: the event "
            "is sent again on the retry schedule, although the receiver may have processed it already."
        )
    if 400 <= ex.status < 500:
        return (
            "A 4XX is a permanent failure under the delivery contract: the event is never retried, "
            "so the CRM never gets this change."
        )
    if 300 <= ex.status < 400:
        return "Redirects are not followed: a 3XX is a failed attempt, retried on the schedule."
    return (
        f"A {ex.status} is a transient failure: the event is sent again on the retry schedule and is "
        "lost after the last attempt."
    )


def seconds(ms: float) -> str:
    if ms < 10:
        return f"{ms:.1f} ms"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def listing(items: list[str], most: int = 3) -> str:
    """``a, b, c`` or ``a, b, c and 4 more``."""
    shown = ", ".join(items[:most])
    return shown if len(items) <= most else f"{shown} and {len(items) - most} more"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0-100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]

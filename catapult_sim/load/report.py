"""The storm summary a team reads after a run, and its verdict against thresholds (no Locust here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What a receiver must hold to pass; None means not checked."""

    max_p99_ms: float | None = None
    max_error_rate: float | None = None


@dataclass(slots=True)
class Summary:
    """What one storm did, read off Locust's stats and the per-status tally."""

    sent: int
    failures: int
    statuses: dict[str, int]
    per_type: dict[str, int]
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    problems: list[str] = field(default_factory=list)  # verdict lines that failed (filled by judge)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_rate(self) -> float:
        """Share of requests that got no 2XX: a non-2XX status, a timeout or a connection error."""
        return self.failures / self.sent if self.sent else 0.0

    @property
    def timeout_rate(self) -> float:
        return self.statuses.get("timeout", 0) / self.sent if self.sent else 0.0


def judge(summary: Summary, limits: Thresholds) -> list[str]:
    """Verdict lines, one per threshold ("PASS ..."/"FAIL ..."); failures also go to ``summary.problems``."""
    lines: list[str] = []

    def check(ok: bool, text: str) -> None:
        lines.append(("PASS " if ok else "FAIL ") + text)
        if not ok:
            summary.problems.append(text)

    if summary.sent == 0:
        check(False, "no callback was sent (is the duration long enough, the URL right?)")
    if limits.max_p99_ms is not None:
        check(summary.p99_ms <= limits.max_p99_ms, f"p99 {summary.p99_ms:g} ms <= {limits.max_p99_ms:g} ms")
    if limits.max_error_rate is not None:
        check(
            summary.error_rate <= limits.max_error_rate,
            f"error rate {percent(summary.error_rate)} <= {percent(limits.max_error_rate)}",
        )
    return lines


def render(summary: Summary, verdict: list[str]) -> str:
    """The plain-text report the CLI prints."""
    s = summary
    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(s.statuses.items())) or "none"
    types = ", ".join(f"{k}: {v:,}" for k, v in sorted(s.per_type.items())) or "none"
    lines = [
        f"sent          {s.sent:,} callbacks in {s.seconds:.1f} s ({s.per_second:,.1f} req/s)",
        f"by type       {types}",
        f"by status     {statuses}",
        f"latency ms    p50 {s.p50_ms:g}  p95 {s.p95_ms:g}  p99 {s.p99_ms:g}  max {s.max_ms:g}",
        f"errors        {percent(s.error_rate)} (no 2XX)   timeouts {percent(s.timeout_rate)}",
    ]
    if verdict:
        lines.append("verdict       " + ("FAIL" if s.problems else "PASS"))
        lines += [f"  {line}" for line in verdict]
    return "\n".join(lines)


def percent(rate: float) -> str:
    return f"{rate * 100:.3g}%"

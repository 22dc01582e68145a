"""Per-company request rate limits, as Vibes documents them (fact sheet §1.6).

Vibes allows 100 requests per second per ``company_key`` for the calls the simulator serves and
answers 429 beyond that; it documents neither the window type nor a ``Retry-After`` header.
The simulator counts a sliding one-second window on its own clock (so a manual clock makes a burst
exact: nothing refills until the clock moves), counts only admitted requests, and sends
``Retry-After`` only when asked to.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

VIBES_LIMIT = 100  # requests per second per company_key (fact sheet §1.6 [M-rl])
WINDOW = 1.0


class RateLimitError(ValueError):
    """A limit that is not a whole number of requests per second."""


def check_limit(value: Any, where: str) -> int | None:
    """A limit as configured: None (no limit of its own), 0 (off) or a positive whole number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RateLimitError(f"{where}: a rate limit is a whole number of requests per second (0 = off)")
    return value


class RateLimits:
    """Limits per company: a runtime override, else the seed file's, else the server default."""

    def __init__(self, default: int | None, seed: dict[str, Any], *, retry_after: bool = False) -> None:
        self.default = check_limit(default, "--rate-limit") or None
        self.retry_after = retry_after
        self._seeded: dict[str, int | None] = _seed_limits(seed)
        self._overrides: dict[str, int] = {}
        self._limits: dict[str, int | None] = {}  # resolved per company on first use
        self._windows: dict[str, deque[float]] = {}
        self.enabled = self._any()

    def _any(self) -> bool:
        values = [self.default, *self._seeded.values(), *self._overrides.values()]
        return any(v for v in values)

    def limit(self, company: str) -> int | None:
        """Requests per second allowed for ``company``, or None when it is not limited."""
        if company not in self._limits:
            seeded = self._seeded[company] if company in self._seeded else self._seeded.get("*")
            chosen = self._overrides.get(company, seeded)
            self._limits[company] = (self.default if chosen is None else chosen) or None
        return self._limits[company]

    def admit(self, company: str, now: float) -> float | None:
        """Count one request at ``now`` (seconds). None if admitted, else seconds until one would be."""
        limit = self.limit(company)
        if limit is None:
            return None
        window = self._windows.get(company)
        if window is None:
            window = self._windows[company] = deque()
        if window and now < window[-1]:
            window.clear()  # the clock was set back (a manual clock restarted earlier): start afresh
        while window and window[0] <= now - WINDOW:
            window.popleft()
        if len(window) < limit:
            window.append(now)
            return None
        return max(0.0, window[0] + WINDOW - now)

    @staticmethod
    def retry_after_header(wait: float) -> str:
        """Whole seconds, at least 1 (RFC 9110 delay-seconds)."""
        return str(max(1, math.ceil(wait)))

    def configure(self, company: str | None, limit: int | None, retry_after: bool | None = None) -> None:
        """Change a company's limit (None: back to the seed/default) or, without company, the default."""
        if company is None:
            self.default = limit or None
        elif limit is None:
            self._overrides.pop(company, None)
        else:
            self._overrides[company] = limit
        if retry_after is not None:
            self.retry_after = retry_after
        self._limits.clear()
        self.enabled = self._any()

    def snapshot(self, companies: list[str]) -> dict[str, Any]:
        """The configuration, with the effective limit of ``companies`` and of every configured one."""
        named = set(companies) | set(self._overrides) | (set(self._seeded) - {"*"})
        return {
            "default": self.default,
            "retry_after": self.retry_after,
            "window_seconds": WINDOW,
            "companies": {c: self.limit(c) for c in sorted(named)},
        }


def _seed_limits(seed: dict[str, Any]) -> dict[str, int | None]:
    """``rate_limit`` from the seed file: per company, and ``"*"`` for the template's.

    As with every company field, a company that names ``rate_limit`` (even ``null``, meaning the
    server default) does not take the template's.
    """
    out: dict[str, int | None] = {}
    template = seed.get("template") or {}
    value = check_limit(template.get("rate_limit"), "seed template rate_limit")
    if value is not None:
        out["*"] = value
    for spec in seed.get("companies", []):
        if isinstance(spec, dict) and isinstance(spec.get("key"), str) and "rate_limit" in spec:
            out[spec["key"]] = check_limit(spec["rate_limit"], f"seed company {spec['key']} rate_limit")
    return out

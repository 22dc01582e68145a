"""Verification over the journal: "were requests like this received N times?", with near misses.

Modelled on WireMock's verify + near-miss report: when the count is wrong, the entries closest to
the pattern are listed with what differs. Distance is a sum of per-criterion scores in [0, 1]
(method, path, company, query, body), so a request to the right endpoint with one wrong body field
ranks before a request to another endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from catapult_sim.surface.journal import Entry, PathPattern


@dataclass(frozen=True, slots=True)
class RequestPattern:
    """What to look for. ``body`` and ``query`` are JSON subsets; None means "anything"."""

    method: str | None = None
    path: PathPattern | None = None
    company: str | None = None
    query: dict[str, Any] | None = None
    body: Any = None

    def differences(self, entry: Entry) -> tuple[float, list[str]]:
        """How far ``entry`` is from this pattern, and each difference in words."""
        score, notes = 0.0, list[str]()
        if self.method is not None and entry.method != self.method:
            score, notes = score + 1, [*notes, f"method: expected {self.method}, got {entry.method}"]
        if self.path is not None and not self.path.matches(entry):
            got = entry.template or entry.path
            score, notes = score + 1, [*notes, f"path: expected {self.path.text}, got {got}"]
        if self.company is not None and entry.company != self.company:
            score, notes = score + 1, [*notes, f"company: expected {self.company}, got {entry.company}"]
        for name, expected, actual in (
            ("query", self.query, entry.query_params()),
            ("body", self.body, entry.json_body()),
        ):
            if expected is not None:
                found = subset_differences(expected, actual, name)
                score += min(1.0, sum(w for w, _ in found) / max(1, leaves(expected)))
                notes += [n for _, n in found]
        return score, notes

    def describe(self) -> str:
        parts = [self.method or "any method", self.path.text if self.path else "any path"]
        if self.company is not None:
            parts.append(f"for company {self.company}")
        if self.query is not None:
            parts.append(f"with a query containing {_show(self.query, 200)}")
        if self.body is not None:
            parts.append(f"with a body containing {_show(self.body, 200)}")
        return " ".join(parts)


def leaves(value: Any) -> int:
    """How many scalar values a JSON value holds (an empty container counts as one)."""
    if isinstance(value, dict) and value:
        return sum(leaves(v) for v in value.values())
    if isinstance(value, list) and value:
        return sum(leaves(v) for v in value)
    return 1


def subset_differences(expected: Any, actual: Any, where: str) -> list[tuple[int, str]]:
    """Where ``actual`` fails to contain ``expected``: objects may have extra keys; arrays match
    element by element with the same length; scalars must be equal (``1`` is not ``true``)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [(leaves(expected), f"{where}: expected an object, got {_show(actual)}")]
        out: list[tuple[int, str]] = []
        for key, value in expected.items():
            if key not in actual:
                out.append((leaves(value), f"{where}.{key}: missing (expected {_show(value)})"))
            else:
                out += subset_differences(value, actual[key], f"{where}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [(leaves(expected), f"{where}: expected {_show(expected)}, got {_show(actual)}")]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in
                subset_differences(e, a, f"{where}[{i}]")]  # fmt: skip
    if _same_scalar(expected, actual):
        return []
    return [(1, f"{where}: expected {_show(expected)}, got {_show(actual)}")]


def _same_scalar(a: Any, b: Any) -> bool:
    """JSON equality: 1 equals 1.0, but neither equals true, and "1" equals neither."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    numbers = isinstance(a, int | float) and isinstance(b, int | float)
    return (numbers or type(a) is type(b)) and a == b


def _show(value: Any, width: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False) if value is not None else "nothing"
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True, slots=True)
class Expectation:
    """How many matches are wanted. Nothing set means "at least once" (as WireMock's verify)."""

    times: int | None = None
    at_least: int | None = None
    at_most: int | None = None

    def holds(self, count: int) -> bool:
        if self.times is not None:
            return count == self.times
        low = self.at_least if self.at_least is not None else (0 if self.at_most is not None else 1)
        return count >= low and (self.at_most is None or count <= self.at_most)

    def describe(self) -> str:
        if self.times is not None:
            return f"exactly {self.times}"
        if self.at_least is not None and self.at_most is not None:
            return f"between {self.at_least} and {self.at_most}"
        if self.at_most is not None:
            return f"at most {self.at_most}"
        return f"at least {self.at_least if self.at_least is not None else 1}"


def verify(entries: Iterable[Entry], pattern: RequestPattern, expect: Expectation, near: int = 3) -> dict[str, Any]:
    """The verdict, the matching requests, and (when it fails) the ``near`` nearest misses."""
    matched: list[Entry] = []
    misses: list[tuple[float, int, Entry, list[str]]] = []
    for entry in entries:
        score, notes = pattern.differences(entry)
        if not notes:
            matched.append(entry)
        else:
            misses.append((score, -entry.id, entry, notes))
    ok = expect.holds(len(matched))
    misses.sort(key=lambda m: (m[0], m[1]))
    return {
        "ok": ok,
        "count": len(matched),
        "expected": expect.describe(),
        "message": f"expected {expect.describe()} request(s) {pattern.describe()}; received {len(matched)}",
        "requests": [e.as_dict() for e in matched],
        "near_misses": []
        if ok
        else [{"request": e.as_dict(), "differences": notes} for _, _, e, notes in misses[:near]],
    }

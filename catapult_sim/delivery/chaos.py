"""Chaos for receivers: duplicates, added latency with jitter, reordering, and drop-then-retry.

The real platform produces these only rarely (fact sheet §7.7: an event may be delivered more than
once; ordering is not documented), so a CRM's receiver is tested against them here on demand.
Every decision comes from ``random.Random`` seeded with (seed, delivery id, attempt), so the same
seed and the same sequence of events reproduce the same chaos whatever the timing.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any

from catapult_sim.errors import Code, Problem, Unprocessable

DROP_MODES = ("request", "response")
MAX_MS = 60_000
MAX_WINDOW = 1000


@dataclass(slots=True, frozen=True)
class Rule:
    """What chaos applies to a destination (or to every destination, as the global rule)."""

    duplicate_probability: float = 0.0
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    reorder_window: int = 0
    drop_probability: float = 0.0
    # "request": the attempt is never sent; "response": it is sent but its answer is lost, so the
    # receiver sees the retry as a duplicate.
    drop_mode: str = "request"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True, frozen=True)
class Plan:
    """Chaos decided for one attempt."""

    delay: float = 0.0
    drop: str | None = None
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.delay:
            out["latency_ms"] = round(self.delay * 1000, 3)
        if self.drop:
            out["drop"] = self.drop
        if self.duplicate:
            out["duplicate"] = True
        return out


class Chaos:
    """The runtime chaos configuration: a seed, a global rule and per-destination rules."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed if seed is not None else random.randrange(2**32)
        self.global_rule: Rule | None = None
        self.by_destination: dict[str, Rule] = {}

    def rule_for(self, url: str) -> Rule | None:
        """A destination's own rule wins over the global one."""
        return self.by_destination.get(url, self.global_rule)

    def plan(self, url: str, delivery_id: int, attempt: int) -> Plan | None:
        rule = self.rule_for(url)
        if rule is None:
            return None
        rng = random.Random(f"{self.seed}|{delivery_id}|{attempt}")
        delay = (rule.latency_ms + rng.uniform(0, rule.jitter_ms)) / 1000 if rule.latency_ms or rule.jitter_ms else 0.0
        drop = rule.drop_mode if rng.random() < rule.drop_probability else None
        duplicate = rng.random() < rule.duplicate_probability
        return Plan(delay, drop, duplicate)

    def reorder(self, url: str, delivery_ids: list[int]) -> list[int]:
        """A seeded shuffle of a window of deliveries."""
        order = sorted(delivery_ids)
        random.Random(f"{self.seed}|reorder|{','.join(map(str, order))}").shuffle(order)
        return order

    def window(self, url: str) -> int:
        rule = self.rule_for(url)
        return rule.reorder_window if rule is not None and rule.reorder_window > 1 else 0

    def set(self, body: dict[str, Any]) -> None:
        """Set the seed and/or one rule (global, or for ``destination``) from a control body."""
        problems: list[Problem] = []
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            problems.append(Problem(Code.INVALID, "seed must be a non-negative integer"))
        destination = body.get("destination")
        if destination is not None and (not isinstance(destination, str) or not destination):
            problems.append(Problem(Code.INVALID, "destination must be a URL"))
        rule_fields = {k: v for k, v in body.items() if k not in ("seed", "destination")}
        rule = parse_rule(rule_fields, problems) if rule_fields else None
        if problems:
            raise Unprocessable(problems=problems)
        if seed is not None:
            self.seed = seed
        if rule is not None:
            if destination is None:
                self.global_rule = rule
            else:
                self.by_destination[destination] = rule

    def clear(self, destination: str | None = None) -> None:
        if destination is None:
            self.global_rule = None
            self.by_destination.clear()
        else:
            self.by_destination.pop(destination, None)

    def describe(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "global": self.global_rule.as_dict() if self.global_rule else None,
            "destinations": {url: rule.as_dict() for url, rule in self.by_destination.items()},
        }


def parse_rule(body: dict[str, Any], problems: list[Problem]) -> Rule:
    """A rule from its fields; bad values become problems (the caller raises)."""
    known = {f.name for f in fields(Rule)}
    for key in sorted(set(body) - known):
        problems.append(Problem(Code.UNKNOWN_FIELD, f"{key} is not a known field"))
    values: dict[str, Any] = {}
    for name, low, high in (
        ("duplicate_probability", 0, 1),
        ("drop_probability", 0, 1),
        ("latency_ms", 0, MAX_MS),
        ("jitter_ms", 0, MAX_MS),
        ("reorder_window", 0, MAX_WINDOW),
    ):
        value = body.get(name)
        if value is None:
            continue
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not number_ok or not low <= value <= high or (name == "reorder_window" and not isinstance(value, int)):
            problems.append(Problem(Code.INVALID, f"{name} must be a number from {low} to {high}"))
        else:
            values[name] = value
    mode = body.get("drop_mode")
    if mode is not None:
        if mode in DROP_MODES:
            values["drop_mode"] = mode
        else:
            problems.append(Problem(Code.INVALID, f"drop_mode must be one of {', '.join(DROP_MODES)}"))
    return Rule(**values)

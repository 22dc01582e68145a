"""Fault and latency rules for the Catapult surface: which calls misbehave, how, and how often.

A rule is scoped by company, method and path template (each optional), fires with a probability
and/or for a number of calls ("the next 2"), and does one thing: add latency, answer a forced
status in the Catapult envelope, answer an empty body, cut the body short, or reset the connection.
Each rule draws from its own ``random.Random``, seeded from the simulator's seed and the rule's id
(or the rule's own ``seed``), so the same calls meet the same faults on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from catapult_sim.errors import Code
from catapult_sim.surface.faultspec import FaultSpecError, parse_rule
from catapult_sim.surface.journal import PathTable, relative

__all__ = ["FaultRule", "FaultSpecError", "Faults"]

# Catapult codes for the statuses Vibes documents (fact sheet §1.5, §8); anything else is ours.
_DEFAULT_CODES = {
    401: Code.UNAUTHORIZED,
    404: Code.NOT_FOUND,
    409: Code.MDN_CONFLICT,
    422: Code.UNPROCESSABLE,
    429: Code.RATE_LIMITED,
}


@dataclass(slots=True, eq=False)
class FaultRule:
    """One rule. ``remaining`` counts down when the rule was added with ``count``."""

    id: int
    kind: str
    seed: int
    company: str | None = None
    method: str | None = None
    path: str | None = None  # full template
    status: int | None = None
    code: int | None = None
    message: str | None = None
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    probability: float | None = None
    count: int | None = None
    remaining: int | None = None
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def applies(self, method: str, template: str | None) -> bool:
        """Whether this (still active) rule covers a call; the company was already checked."""
        return (
            (self.remaining is None or self.remaining > 0)
            and (self.method is None or self.method == method)
            and (self.path is None or self.path == template)
        )

    def fires(self) -> bool:
        """Roll for one matching call (draws only when there is a probability) and count it."""
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.fired += 1
        return True

    def delay_ms(self) -> float:
        """The latency for one call: ``latency_ms`` give or take ``jitter_ms`` (uniform)."""
        if not self.jitter_ms:
            return self.latency_ms
        return self.latency_ms + self.rng.uniform(-self.jitter_ms, self.jitter_ms)

    def envelope(self) -> dict[str, Any]:
        """The Catapult error body of a forced status (fact sheet §1.5: ``{"errors":[{code,message}]}``)."""
        status = self.status or 500
        code = self.code if self.code is not None else int(_DEFAULT_CODES.get(status, Code.INJECTED_FAULT))
        message = self.message or f"{status} {_phrase(status)} (injected fault)"
        token = _token(code)
        if token and not message.startswith(token):
            message = f"{token}: {message}"  # how the simulator writes Vibes' named error tokens
        return {"errors": [{"code": code, "message": message}]}

    def mark(self, delay_ms: float) -> dict[str, Any]:
        """What the journal records about this rule firing on one call."""
        out: dict[str, Any] = {"rule": self.id, "kind": self.kind}
        if self.status is not None:
            out["status"] = self.status
        if delay_ms:
            out["latency_ms"] = round(delay_ms, 3)
        return out

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "fault": self.kind, "company": self.company}
        out["method"] = self.method
        out["path"] = relative(self.path) if self.path else None
        for name in ("status", "code", "message", "latency_ms", "jitter_ms", "probability", "count"):
            value = getattr(self, name)
            if value is not None and value != 0.0:
                out[name] = value
        out.update(remaining=self.remaining, fired=self.fired, active=self.remaining != 0, seed=self.seed)
        return out


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _token(code: int) -> str | None:
    # The two named tokens Vibes documents on participant add (fact sheet §1.5, §5).
    if code == Code.MDN_HAS_CONFIRMATION_BLOCK:
        return "MDNHASCONFIRMATIONBLOCK"
    if code == Code.EXTERNAL_PERSON_ID_MISMATCH:
        return "EXTERNALPERSONIDMISMATCH"
    return None


class Faults:
    """The active rules, indexed by company (``None`` holds rules for every company)."""

    def __init__(self, seed: int | None = None) -> None:
        self._base = seed if seed is not None else random.SystemRandom().randrange(1 << 31)
        self._seq = 0
        self._rules: dict[str | None, list[FaultRule]] = {}
        self.any = False  # checked on every request: no rules, no work
        self.seeded = False

    def add(self, spec: Any, table: PathTable) -> FaultRule:
        """Validate ``spec`` (a rule object) and activate it; raises :class:`FaultSpecError`."""
        fields = parse_rule(spec, table)
        return self._activate(fields)

    def add_all(self, specs: list[Any], table: PathTable) -> list[FaultRule]:
        """Validate every spec first, then add them all (nothing is added if one is wrong)."""
        parsed, problems = [], []
        for i, spec in enumerate(specs):
            try:
                parsed.append(parse_rule(spec, table))
            except FaultSpecError as exc:
                problems += [f"[{i}] {p}" for p in exc.problems]
        if problems:
            raise FaultSpecError(problems)
        return [self._activate(fields) for fields in parsed]

    def _activate(self, fields: dict[str, Any]) -> FaultRule:
        self._seq += 1
        seed = fields.pop("seed", None)
        seed = seed if seed is not None else self._base + self._seq
        rule = FaultRule(id=self._seq, seed=seed, rng=random.Random(seed), **fields)
        rule.remaining = rule.count
        self._rules.setdefault(rule.company, []).append(rule)
        self.any = True
        return rule

    def pick(self, company: str, method: str, template: str | None) -> FaultRule | None:
        """The first rule (company's own, then everyone's, oldest first) that fires for this call."""
        for scope in (company, None):
            for rule in self._rules.get(scope, ()):
                if rule.applies(method, template) and rule.fires():
                    return rule
        return None

    def concerns(self, company: str) -> bool:
        """Whether any rule could apply to this company (a cheap test before resolving the path)."""
        return company in self._rules or None in self._rules

    def rules(self, company: str | None = None) -> list[FaultRule]:
        every = sorted((r for rules in self._rules.values() for r in rules), key=lambda r: r.id)
        return [r for r in every if company is None or r.company == company]

    def clear(self, company: str | None = None) -> int:
        """Remove every rule, or the rules scoped to ``company``; returns how many went."""
        if company is None:
            gone = sum(len(r) for r in self._rules.values())
            self._rules.clear()
        else:
            gone = len(self._rules.pop(company, []))
        self.any = bool(self._rules)
        return gone

    def remove(self, rule_id: int) -> bool:
        for scope, rules in list(self._rules.items()):
            kept = [r for r in rules if r.id != rule_id]
            if len(kept) != len(rules):
                if kept:
                    self._rules[scope] = kept
                else:
                    del self._rules[scope]
                self.any = bool(self._rules)
                return True
        return False

"""The fixed checks: each sends a few callbacks that differ from a valid one in one respect.

Each maps to one part of the delivery contract a receiver must honour (docs/receiver-suite.md). The
bodies are the current API version's (``Options.current_version``) except in ``mdn_forms``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catapult_sim.testing.receiver_suite import bodies as b
from catapult_sim.testing.receiver_suite.config import Options
from catapult_sim.testing.receiver_suite.results import (
    FAIL,
    PASS,
    SKIP,
    CheckResult,
    listing,
    percentile,
    problem,
    seconds,
)
from catapult_sim.testing.receiver_suite.transport import Exchange, Request, Transport


@dataclass(slots=True)
class Context:
    """What a check works with."""

    options: Options
    transport: Transport
    bodies: b.Bodies

    def send(self, check: str, request: Request) -> Exchange:
        return self.transport.send(check, request)

    def problem(self, ex: Exchange) -> str | None:
        return problem(ex, self.options.budget)

    def body(self, i: int, version: int | None = None) -> dict[str, Any]:
        """A fresh base body of the i-th chosen type (round the list)."""
        types = self.options.callback_types
        return self.bodies.one(types[i % len(types)], version or self.options.current_version)


CheckFn = Callable[[Context], CheckResult]


def _variants(ctx: Context, name: str, requests: list[Request], summary: str) -> CheckResult:
    """Send every request; pass when all are 2XX in time, else name the ones that were not."""
    sent = [ctx.send(name, r) for r in requests]
    failed = [(ex, p) for ex in sent if (p := ctx.problem(ex)) is not None]
    if not failed:
        slowest = max(ex.latency_ms for ex in sent)
        return CheckResult(name, PASS, f"{summary}: all 2XX, slowest {seconds(slowest)}", requests=len(sent))
    if len(failed) <= 2:
        reason = "; ".join(f"{ex.label} {p}" for ex, p in failed)
    else:
        mix = Counter(p for _, p in failed)
        answers = ", ".join(p if n == 1 else f"{n} x {p}" for p, n in mix.most_common())
        reason = f"{len(failed)} of {len(sent)} failed ({answers}): {listing([ex.label for ex, _ in failed])}"
    bad = {ex.label for ex, _ in failed}
    good = [ex.label for ex in sent if ex.label not in bad]
    if good:
        reason += f"; accepted: {listing(good)}"
    notes = [f"Failed: {', '.join(ex.label for ex, _ in failed)}."] if len(failed) > 3 else []
    return CheckResult(name, FAIL, reason, failed[0][0], notes, requests=len(sent))


def duplicate_event_id(ctx: Context) -> CheckResult:
    """Each type's event three times: first delivery, an exact re-send, a retry (attempt 2)."""
    name, count = "duplicate_event_id", 0
    for i, kind in enumerate(ctx.options.callback_types):
        body = ctx.body(i)
        steps = (
            ("first delivery", body),
            ("exact re-send", body),
            ("retry", {**body, "delivery_attempt": "2"}),
        )
        for step, (label, payload) in enumerate(steps):
            ex = ctx.send(name, Request(f"{label} of {kind} event {body['event_id']}", payload))
            count += 1
            if (p := ctx.problem(ex)) is not None:
                why = f"{ex.label} {p}" + ("" if step == 0 else " (the first delivery got 2XX)")
                return CheckResult(name, FAIL, why, ex, requests=count)
    return CheckResult(
        name,
        PASS,
        f"{len(ctx.options.callback_types)} events delivered 3 times each (first, re-send, retry): all 2XX",
        requests=count,
    )


def unknown_fields(ctx: Context) -> CheckResult:
    requests = []
    for i, kind in enumerate(ctx.options.callback_types):
        body = ctx.body(i)
        requests.append(Request(f"{kind} with an unknown top-level field", b.with_unknown_fields(body, nested=False)))
        nested = b.with_unknown_fields(b.fresh(body), nested=True)
        requests.append(Request(f"{kind} with an unknown field in every nested object", nested))
    return _variants(
        ctx,
        "unknown_fields",
        requests,
        f"unknown fields, top level and nested, {len(ctx.options.callback_types)} types",
    )


def mdn_forms(ctx: Context) -> CheckResult:
    forms = []
    if 1 in ctx.options.api_versions:
        forms.append((f"{b.NATIONAL} (v1)", b.NATIONAL, 1))
    if 2 in ctx.options.api_versions:
        forms += [
            (f"{b.E164_US} (v2)", b.E164_US, 2),
            (f"{b.E164_ABROAD} (v2)", b.E164_ABROAD, 2),
        ]
    requests = [
        Request(f"{label}", b.with_mdn(ctx.body(i, version), mdn)) for i, (label, mdn, version) in enumerate(forms)
    ]
    return _variants(ctx, "mdn_forms", requests, ", ".join(f[0] for f in forms))


def date_forms(ctx: Context) -> CheckResult:
    """subscription_removed with opt_out_date in each form Vibes' pages show."""
    if "subscription_removed" not in ctx.options.callback_types:
        return CheckResult("date_forms", SKIP, "subscription_removed is not among the chosen callback types")
    version = ctx.options.current_version
    requests = [
        Request(f"opt_out_date {label}", b.with_opt_out_date(ctx.bodies.one("subscription_removed", version), value))
        for label, value in b.OPT_OUT_DATE_FORMS
    ]
    return _variants(
        ctx, "date_forms", requests, ", ".join(f"opt_out_date {label}" for label, _ in b.OPT_OUT_DATE_FORMS)
    )


def optional_fields(ctx: Context) -> CheckResult:
    """Each chosen type with every optional field, and with none of them."""
    requests = []
    for i, kind in enumerate(ctx.options.callback_types):
        body = ctx.body(i)
        requests.append(Request(f"{kind} with every optional field", b.with_all_optional(body)))
        requests.append(Request(f"{kind} without optional fields", b.without_optional(b.fresh(body))))
    return _variants(
        ctx, "optional_fields", requests, f"with and without optional fields, {len(ctx.options.callback_types)} types"
    )


def content_types(ctx: Context) -> CheckResult:
    requests = [Request(ct, ctx.body(i), content_type=ct) for i, ct in enumerate(("application/json", "text/json"))]
    return _variants(ctx, "content_types", requests, "application/json and text/json")


def methods(ctx: Context) -> CheckResult:
    requests = [Request(m, ctx.body(i), method=m) for i, m in enumerate(("POST", "PUT"))]
    return _variants(ctx, "methods", requests, "POST and PUT")


def unicode(ctx: Context) -> CheckResult:
    """Each sample in a body of a chosen type that carries names where there is one."""
    types = [t for t in b.TEXT_RICH if t in ctx.options.callback_types]
    version = ctx.options.current_version
    requests = [
        Request(s[0], b.with_unicode(ctx.bodies.one(types[i % len(types)], version), s))
        for i, s in enumerate(b.UNICODE_SAMPLES)
    ]
    labels = ", ".join(s[0] for s in b.UNICODE_SAMPLES)
    return _variants(ctx, "unicode", requests, labels)


def burst(ctx: Context) -> CheckResult:
    o = ctx.options
    if o.burst == 0:
        return CheckResult("burst", SKIP, "--burst 0")
    requests = [
        Request(f"burst {i + 1}/{o.burst}", body) for i, body in enumerate(ctx.bodies.cycle(o.current_version, o.burst))
    ]
    sent = ctx.transport.burst("burst", requests, o.rate, o.concurrency)
    latencies = [ex.latency_ms for ex in sent]
    stats = {
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "sent_in_s": max(ex.sent_at for ex in sent),
    }
    timing = (f"latency p50 {seconds(stats['p50_ms'])}, p99 {seconds(stats['p99_ms'])}, "
              f"max {seconds(stats['max_ms'])}")  # fmt: skip
    planned = (o.burst - 1) / o.rate
    pace = f"{o.burst} at {o.rate:g}/s (sent in {stats['sent_in_s']:.2f} s"
    pace += ")" if stats["sent_in_s"] < planned + 0.5 else f", planned {planned:.2f} s: the receiver fell behind)"
    failed = [(ex, p) for ex in sent if (p := ctx.problem(ex)) is not None]
    if not failed:
        return CheckResult("burst", PASS, f"{pace}: all 2XX; {timing}", requests=len(sent), stats=stats)
    kinds = Counter(_short(ex, o.budget) for ex, _ in failed)
    mix = ", ".join(f"{n} x {k}" for k, n in kinds.most_common())
    first = failed[0]
    reason = f"{len(failed)} of {o.burst} failed ({mix}); {timing}"
    notes = [f"{pace}; first failure: {first[0].label} {first[1]}."]
    return CheckResult("burst", FAIL, reason, first[0], notes, requests=len(sent), stats=stats)


def _short(ex: Exchange, budget: float) -> str:
    if ex.status is None:
        return "timeout" if (ex.error or "").startswith("timeout") else "no answer"
    return str(ex.status) if not 200 <= ex.status < 300 else f"{ex.status} over {budget:g} s"

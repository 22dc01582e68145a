"""``catapult-sim journal|faults|rate-limit ...``: the request journal, fault rules and rate limits of a
running simulator, through its /_sim API (so a test in any language can do the same over HTTP)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from catapult_sim.cli.common import fail, group, print_json
from catapult_sim.cli.remote import call, send, sim_path, url_option
from catapult_sim.surface.faultspec import KINDS
from catapult_sim.surface.ratelimit import VIBES_LIMIT


def register(sub: Any) -> None:
    _journal_commands(sub)
    _fault_commands(sub)
    _rate_limit_commands(sub)


def _filters(p: argparse.ArgumentParser, *, limit: bool = True) -> None:
    p.add_argument("--method", help="GET, POST, PUT or DELETE")
    p.add_argument("--path", help="a template (/mobiledb/persons/{person_key}), a glob (*/subscriptions) or a path")
    p.add_argument("--company", "-c", help="company key")
    p.add_argument("--status", help="a status (503), a class (5xx) or none")
    p.add_argument("--since", help="ISO-8601 time")
    p.add_argument("--after", type=int, help="only entries after this id")
    if limit:
        p.add_argument("--limit", type=int, help="only the newest N")


def _params(a: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(a, n) for n in names if getattr(a, n, None) is not None}


FILTERS = ("method", "path", "company", "status", "since", "after")


def _journal_commands(sub: Any) -> None:
    actions = group(sub, "journal", "the Catapult requests the simulator received")
    common = url_option()
    p = actions.add_parser("list", parents=[common], help="list requests, oldest first")
    _filters(p)
    p.set_defaults(handler=lambda a: call(a, "GET", "/journal", params=_params(a, (*FILTERS, "limit"))))
    p = actions.add_parser("count", parents=[common], help="count requests")
    _filters(p, limit=False)
    p.set_defaults(handler=lambda a: call(a, "GET", "/journal/count", params=_params(a, FILTERS)))
    p = actions.add_parser("clear", parents=[common], help="forget the journal (company data stays)")
    p.add_argument("--company", "-c", help="only this company's requests")
    p.set_defaults(handler=lambda a: call(a, "DELETE", "/journal", params=_params(a, ("company",))))
    p = actions.add_parser("verify", parents=[common], help="exit 0 if matching requests came N times, else 1")
    p.add_argument("--method")
    p.add_argument("--path", help="template, glob or path, as for list")
    p.add_argument("--company", "-c")
    p.add_argument("--body", help="JSON the request body must contain (or @file.json)")
    p.add_argument("--query", action="append", metavar="NAME=VALUE", help="a query parameter (repeatable)")
    p.add_argument("--times", type=int, help="exactly N (default: at least 1)")
    p.add_argument("--at-least", type=int)
    p.add_argument("--at-most", type=int)
    p.set_defaults(handler=_verify)


def _verify(a: argparse.Namespace) -> int:
    body = _params(a, ("method", "path", "company", "times", "at_least", "at_most"))
    if a.body is not None:
        body["body"] = _json_arg(a.body)
    if a.query:
        body["query"] = dict(_pair(q) for q in a.query)
    resp = send(a.url, "POST", sim_path("/journal/verify"), body)
    data = resp.json()
    print_json(data)
    return 0 if resp.is_success and data.get("ok") else 1


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        fail(f"--query needs NAME=VALUE, not {text!r}")
    return name, value


def _json_arg(text: str) -> Any:
    """A JSON value given inline or as ``@file``."""
    try:
        raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
        return json.loads(raw)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--body {text}: {exc}")
    except json.JSONDecodeError as exc:
        fail(f"--body: not JSON: {exc}")


def _fault_commands(sub: Any) -> None:
    actions = group(sub, "faults", "make Catapult calls fail, hang or break on purpose")
    common = url_option()
    p = actions.add_parser("add", parents=[common], help="add a fault or latency rule")
    p.add_argument("--company", "-c", help="only this company (default: every company)")
    p.add_argument("--method", help="only this method")
    p.add_argument("--path", help="only this path template, e.g. /mobiledb/persons")
    p.add_argument("--fault", choices=KINDS, help="what to do (default: status if --status, else latency)")
    p.add_argument("--status", type=int, help="answer this status (status and empty faults)")
    p.add_argument("--code", help="the envelope's error code: a number or a name like MDNHASCONFIRMATIONBLOCK")
    p.add_argument("--message", help="the envelope's error message")
    p.add_argument("--latency-ms", type=float, help="delay before answering")
    p.add_argument("--jitter-ms", type=float, help="random +/- spread of the delay")
    p.add_argument("--count", type=int, help="only the next N matching calls")
    p.add_argument("--probability", type=float, help="chance (0-1] that a matching call is hit")
    p.add_argument("--seed", type=int, help="seed for this rule's randomness")
    p.set_defaults(handler=_add_fault)
    p = actions.add_parser("list", parents=[common], help="list the rules")
    p.add_argument("--company", "-c")
    p.set_defaults(handler=lambda a: call(a, "GET", "/faults", params=_params(a, ("company",))))
    p = actions.add_parser("clear", parents=[common], help="remove rules (company data stays)")
    p.add_argument("--company", "-c", help="only this company's rules")
    p.add_argument("--id", type=int, help="only this rule")
    p.set_defaults(handler=_clear_faults)


def _add_fault(a: argparse.Namespace) -> int:
    names = ("company", "method", "path", "fault", "status", "message", "latency_ms", "jitter_ms", "count",
             "probability", "seed")  # fmt: skip
    rule = _params(a, names)
    if a.code is not None:
        rule["code"] = int(a.code) if a.code.isdigit() else a.code
    return call(a, "POST", "/faults", rule)


def _clear_faults(a: argparse.Namespace) -> int:
    if a.id is not None:
        return call(a, "DELETE", f"/faults/{a.id}")
    return call(a, "DELETE", "/faults", params=_params(a, ("company",)))


def _rate_limit_commands(sub: Any) -> None:
    actions = group(sub, "rate-limit", "per-company requests-per-second limits (429 beyond)")
    common = url_option()
    p = actions.add_parser("show", parents=[common], help="print the limits")
    p.set_defaults(handler=lambda a: call(a, "GET", "/rate-limits"))
    p = actions.add_parser("set", parents=[common], help="set a limit: N per second, 0 = off, 'default'")
    p.add_argument("limit", help=f"requests per second (Vibes: {VIBES_LIMIT}), 0 for off, or 'default'")
    p.add_argument("--company", "-c", help="only this company (default: the server-wide default)")
    p.add_argument("--retry-after", action=argparse.BooleanOptionalAction, default=None)
    p.set_defaults(handler=_set_limit)


def _set_limit(a: argparse.Namespace) -> int:
    if a.limit != "default" and not a.limit.isdigit():
        fail(f"LIMIT is a whole number, 0, or 'default', not {a.limit!r}")
    body: dict[str, Any] = {"limit": None if a.limit == "default" else int(a.limit)}
    body.update(_params(a, ("company", "retry_after")))
    return call(a, "POST", "/rate-limits", body)

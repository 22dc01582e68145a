"""CLI subcommands that talk to a running simulator's /_sim API (so any language can do the same)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8080"


TOKEN_ENV = "CATAPULT_SIM_CONTROL_TOKEN"


def control_headers() -> dict[str, str]:
    """``Authorization: Bearer`` with the control token, when one is set (``--control-token`` or the
    environment variable): every CLI call to /_sim sends it."""
    token = os.environ.get(TOKEN_ENV)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _client(args: argparse.Namespace) -> httpx.Client:
    return httpx.Client(base_url=args.url.rstrip("/"), timeout=10.0, headers=control_headers())


def _request(args: argparse.Namespace, method: str, path: str, body: Any = None, params: Any = None) -> int:
    try:
        with _client(args) as client:
            if body is None and method == "POST":
                body = {}  # control POSTs take a JSON body, empty when there is nothing to say
            resp = client.request(method, path, json=body, params=params)
    except httpx.HTTPError as exc:
        print(f"catapult-sim: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 2
    try:
        data = resp.json()
    except ValueError:
        data = resp.text
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0 if resp.is_success else 1


def _who(args: argparse.Namespace) -> dict[str, str]:
    out = {}
    for name in ("mdn", "person_key", "external_person_id"):
        value = getattr(args, name, None)
        if value:
            out[name] = value
    return out


def _add_who(p: argparse.ArgumentParser, *, mdn_positional: bool = False) -> None:
    if mdn_positional:
        p.add_argument("mdn", help="mobile number (E.164 like +12135551234, or 10 digits)")
    else:
        p.add_argument("--mdn", help="mobile number (E.164 like +12135551234, or 10 digits)")
    p.add_argument("--person-key", dest="person_key")
    p.add_argument("--external-id", dest="external_person_id")


def _company(p: argparse.ArgumentParser) -> None:
    p.add_argument("--company", "-c", default="demo", help="company key (default demo)")


def add_control_commands(sub: Any) -> None:
    url = os.environ.get("CATAPULT_SIM_URL", DEFAULT_URL)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=url, help=f"simulator base URL (default {url}; env CATAPULT_SIM_URL)")

    p = sub.add_parser("health", parents=[common], help="check that a simulator is up")
    p.set_defaults(handler=lambda a: _request(a, "GET", "/_sim/health"))

    p = sub.add_parser("reset", parents=[common], help="reset all companies (or one) to the seed")
    p.add_argument("--company", "-c")
    p.add_argument("--seed", type=int, help="reseed the id factory")
    p.set_defaults(
        handler=lambda a: _request(
            a,
            "POST",
            "/_sim/reset",
            {k: v for k, v in (("company", a.company), ("seed", a.seed)) if v is not None},
        )
    )

    p = sub.add_parser("state", parents=[common], help="dump a company's state")
    _company(p)
    p.set_defaults(handler=lambda a: _request(a, "GET", f"/_sim/companies/{a.company}/state"))

    p = sub.add_parser("events", parents=[common], help="list a company's domain events")
    _company(p)
    p.add_argument("--type")
    p.add_argument("--after", type=int, default=0)
    p.set_defaults(
        handler=lambda a: _request(
            a,
            "GET",
            f"/_sim/companies/{a.company}/events",
            params={k: v for k, v in (("type", a.type), ("after", a.after)) if v},
        )
    )

    _simulate_commands(sub, common)
    _clock_commands(sub, common)


def _simulate_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    sim = sub.add_parser("simulate", help="cause a platform-side event").add_subparsers(metavar="EVENT")

    def post(path: Any, build: Any) -> Any:
        return lambda a: _request(
            a, "POST", f"/_sim/companies/{a.company}{path(a) if callable(path) else path}", build(a)
        )

    p = sim.add_parser("keyword", parents=[common], help="the subscriber texts a campaign keyword")
    _company(p)
    p.add_argument("mdn")
    p.add_argument("keyword")
    p.set_defaults(handler=post("/sms/keyword", lambda a: {"mdn": a.mdn, "keyword": a.keyword}))

    p = sim.add_parser("reply", parents=[common], help="the subscriber replies by SMS (Y, N, STOP)")
    _company(p)
    p.add_argument("mdn")
    p.add_argument("text")
    p.set_defaults(handler=post("/sms/reply", lambda a: {"mdn": a.mdn, "text": a.text}))

    p = sim.add_parser("stop", parents=[common], help="the subscriber texts STOP (user_opt_out on every list)")
    _company(p)
    p.add_argument("mdn")
    p.set_defaults(handler=post("/sms/reply", lambda a: {"mdn": a.mdn, "text": "STOP"}))

    p = sim.add_parser("opt-in", parents=[common], help="subscribe a person to a list from the platform side")
    _company(p)
    _add_who(p)
    p.add_argument("--list", dest="list_id", required=True)
    p.set_defaults(handler=post("/opt-in", lambda a: {**_who(a), "list_id": a.list_id}))

    p = sim.add_parser("opt-out", parents=[common], help="opt a person out for a given reason")
    _company(p)
    _add_who(p)
    p.add_argument("--list", dest="list_id")
    p.add_argument("--reason", default="user_opt_out")
    p.set_defaults(
        handler=post(
            "/opt-out",
            lambda a: {**_who(a), "reason": a.reason, **({"list_id": a.list_id} if a.list_id else {})},
        )
    )

    p = sim.add_parser("disconnect", parents=[common], help="the carrier reports the number disconnected")
    _company(p)
    _add_who(p, mdn_positional=True)
    p.set_defaults(handler=post("/disconnect", _who))

    p = sim.add_parser("archive-list", parents=[common], help="archive a list (list_archived opt-outs)")
    _company(p)
    p.add_argument("list_id")
    p.set_defaults(handler=post(lambda a: f"/lists/{a.list_id}/archive", lambda a: None))

    for action in ("confirm", "decline", "expire"):
        p = sim.add_parser(action, parents=[common], help=f"{action} a pending participant")
        _company(p)
        p.add_argument("acquisition_id")
        _add_who(p, mdn_positional=True)
        p.set_defaults(handler=post((lambda act: lambda a: f"/participants/{a.acquisition_id}/{act}")(action), _who))


def _clock_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    clock = sub.add_parser("clock", help="read or control the simulator's clock").add_subparsers(metavar="ACTION")
    p = clock.add_parser("show", parents=[common], help="print the clock")
    p.set_defaults(handler=lambda a: _request(a, "GET", "/_sim/clock"))
    p = clock.add_parser("manual", parents=[common], help="freeze the clock (optionally at --at TIME)")
    p.add_argument("--at")
    p.set_defaults(
        handler=lambda a: _request(a, "POST", "/_sim/clock", {"mode": "manual", **({"now": a.at} if a.at else {})})
    )
    p = clock.add_parser("system", parents=[common], help="return to wall-clock time")
    p.set_defaults(handler=lambda a: _request(a, "POST", "/_sim/clock", {"mode": "system"}))
    p = clock.add_parser("advance", parents=[common], help="move a manual clock forward (90s, 15m, 2h, 1d)")
    p.add_argument("by")
    p.set_defaults(handler=lambda a: _request(a, "POST", "/_sim/clock/advance", {"by": a.by}))

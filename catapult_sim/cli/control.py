"""``catapult-sim health|reset|state|events|simulate|clock``: drive a running simulator over /_sim."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from catapult_sim.cli.common import Handler, group
from catapult_sim.cli.remote import call, only, url_option

WHO = ("mdn", "person_key", "external_person_id")
MDN_HELP = "mobile number (E.164 like +12135551234, or 10 digits)"


def register(sub: Any) -> None:
    common = [url_option()]
    p = sub.add_parser("health", parents=common, help="check that a simulator is up")
    p.set_defaults(handler=lambda a: call(a, "GET", "/health"))

    p = sub.add_parser("reset", parents=common, help="reset all companies (or one) to the seed")
    p.add_argument("--company", "-c")
    p.add_argument("--seed", type=int, help="reseed the id factory")
    p.set_defaults(handler=lambda a: call(a, "POST", "/reset", only(company=a.company, seed=a.seed)))

    p = sub.add_parser("state", parents=common, help="dump a company's state")
    _company(p)
    p.set_defaults(handler=lambda a: call(a, "GET", "/state", company=a.company))

    p = sub.add_parser("events", parents=common, help="list a company's domain events")
    _company(p)
    p.add_argument("--type")
    p.add_argument("--after", type=int, default=0)
    p.set_defaults(
        handler=lambda a: call(a, "GET", "/events", params=only(type=a.type, after=a.after or None), company=a.company)
    )
    _simulate_commands(sub)
    _clock_commands(sub)


def _who(args: argparse.Namespace) -> dict[str, str]:
    return {name: getattr(args, name) for name in WHO if getattr(args, name, None)}


def _add_who(p: argparse.ArgumentParser, *, mdn_positional: bool = False) -> None:
    if mdn_positional:
        p.add_argument("mdn", help=MDN_HELP)
    else:
        p.add_argument("--mdn", help=MDN_HELP)
    p.add_argument("--person-key", dest="person_key")
    p.add_argument("--external-id", dest="external_person_id")


def _company(p: argparse.ArgumentParser) -> None:
    p.add_argument("--company", "-c", default="demo", help="company key (default demo)")


def _post(path: Callable[[argparse.Namespace], str] | str, build: Callable[[argparse.Namespace], Any]) -> Handler:
    """POST to a company's /_sim path with the body ``build`` makes from the options."""
    return lambda a: call(a, "POST", path(a) if callable(path) else path, build(a), company=a.company)


def _simulate_commands(sub: Any) -> None:
    sim = group(sub, "simulate", "cause a platform-side event", metavar="EVENT")

    def event(name: str, help: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sim.add_parser(name, parents=[url_option()], help=help)
        _company(p)
        return p

    p = event("keyword", "the subscriber texts a campaign keyword")
    p.add_argument("mdn")
    p.add_argument("keyword")
    p.set_defaults(handler=_post("/sms/keyword", lambda a: {"mdn": a.mdn, "keyword": a.keyword}))

    p = event("reply", "the subscriber replies by SMS (Y, N, STOP)")
    p.add_argument("mdn")
    p.add_argument("text")
    p.set_defaults(handler=_post("/sms/reply", lambda a: {"mdn": a.mdn, "text": a.text}))

    p = event("stop", "the subscriber texts STOP (user_opt_out on every list)")
    p.add_argument("mdn")
    p.set_defaults(handler=_post("/sms/reply", lambda a: {"mdn": a.mdn, "text": "STOP"}))

    p = event("opt-in", "subscribe a person to a list from the platform side")
    _add_who(p)
    p.add_argument("--list", dest="list_id", required=True)
    p.set_defaults(handler=_post("/opt-in", lambda a: {**_who(a), "list_id": a.list_id}))

    p = event("opt-out", "opt a person out for a given reason")
    _add_who(p)
    p.add_argument("--list", dest="list_id")
    p.add_argument("--reason", default="user_opt_out")
    p.set_defaults(handler=_post("/opt-out", lambda a: {**_who(a), "reason": a.reason, **only(list_id=a.list_id)}))

    p = event("disconnect", "the carrier reports the number disconnected")
    _add_who(p, mdn_positional=True)
    p.set_defaults(handler=_post("/disconnect", _who))

    p = event("archive-list", "archive a list (list_archived opt-outs)")
    p.add_argument("list_id")
    p.set_defaults(handler=_post(lambda a: f"/lists/{a.list_id}/archive", lambda a: None))

    for action in ("confirm", "decline", "expire"):
        p = event(action, f"{action} a pending participant")
        p.add_argument("acquisition_id")
        _add_who(p, mdn_positional=True)
        p.set_defaults(handler=_post(_participant(action), _who))


def _participant(action: str) -> Callable[[argparse.Namespace], str]:
    return lambda a: f"/participants/{a.acquisition_id}/{action}"


def _clock_commands(sub: Any) -> None:
    clock = group(sub, "clock", "read or control the simulator's clock")
    common = [url_option()]
    p = clock.add_parser("show", parents=common, help="print the clock")
    p.set_defaults(handler=lambda a: call(a, "GET", "/clock"))
    p = clock.add_parser("manual", parents=common, help="freeze the clock (optionally at --at TIME)")
    p.add_argument("--at")
    p.set_defaults(handler=lambda a: call(a, "POST", "/clock", {"mode": "manual", **only(now=a.at)}))
    p = clock.add_parser("system", parents=common, help="return to wall-clock time")
    p.set_defaults(handler=lambda a: call(a, "POST", "/clock", {"mode": "system"}))
    p = clock.add_parser("advance", parents=common, help="move a manual clock forward (90s, 15m, 2h, 1d)")
    p.add_argument("by")
    p.set_defaults(handler=lambda a: call(a, "POST", "/clock/advance", {"by": a.by}))

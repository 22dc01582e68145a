"""CLI for callbacks: ``deliveries`` (the delivery log), ``chaos`` and ``callbacks``.

Every command is a client of the /_sim API (or, for ``callbacks test``, of the Catapult API), so
anything done here can be done over HTTP from any language.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from catapult_sim.cli.common import free, group, port, status, statuses
from catapult_sim.cli.remote import call, fetch, only, send, show, url_option
from catapult_sim.core.callbacks.specs import CALLBACK_TYPES
from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME

STATES = ("pending", "retrying", "delivered", "failed")


def register(sub: Any) -> None:
    _deliveries(sub)
    _chaos(sub)
    _callbacks(sub)


def _deliveries(sub: Any) -> None:
    actions = group(sub, "deliveries", "the callback delivery log")
    common = url_option()
    p = actions.add_parser("list", parents=[common], help="list deliveries, newest first")
    _filters(p)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_list)
    p = actions.add_parser("show", parents=[common], help="one delivery with every attempt")
    p.add_argument("delivery_id", type=int)
    p.set_defaults(handler=lambda a: call(a, "GET", f"/deliveries/{a.delivery_id}"))
    p = actions.add_parser("replay", parents=[common], help="send a delivery again (same body and event_id)")
    p.add_argument("delivery_id", type=int)
    p.set_defaults(handler=lambda a: call(a, "POST", f"/deliveries/{a.delivery_id}/replay"))
    p = actions.add_parser("replay-failed", parents=[common], help="replay every failed delivery since a time")
    _filters(p, status=False)
    p.set_defaults(handler=lambda a: call(a, "POST", "/deliveries/replay-failed", _filter_values(a)))
    p = actions.add_parser("tail", parents=[common], help="follow new attempts live (Ctrl-C to stop)")
    p.add_argument("--all", action="store_true", help="print the attempts already in the log first")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between polls (default 0.5)")
    p.set_defaults(handler=_tail)
    p = actions.add_parser("destinations", parents=[common], help="queues, failures and downed state per URL")
    p.set_defaults(handler=lambda a: call(a, "GET", "/destinations"))
    p = actions.add_parser("receiver", help="run a local receiver that prints every callback it gets")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port, default=9000, help="port to listen on (default 9000; 0 picks a free one)")
    p.add_argument("--status", type=status, default=200, help="status to answer with (default 200)")
    p.add_argument("--fail", type=statuses, default=[], help="statuses for the first requests, e.g. 503,503")
    p.set_defaults(handler=_receiver)


def _filters(p: argparse.ArgumentParser, *, status: bool = True) -> None:
    p.add_argument("--company", "-c")
    p.add_argument("--type", choices=CALLBACK_TYPES)
    if status:
        p.add_argument("--status", choices=STATES)
    p.add_argument("--destination", help="exact destination URL")
    p.add_argument("--since", help="ISO-8601 time (deliveries created at or after it)")


def _filter_values(a: argparse.Namespace) -> dict[str, Any]:
    names = ("company", "type", "status", "destination", "since")
    return {n: getattr(a, n) for n in names if getattr(a, n, None) is not None}


def _list(a: argparse.Namespace) -> int:
    params = {**_filter_values(a), "limit": a.limit}
    if a.json:
        return call(a, "GET", "/deliveries", params=params)
    rows = fetch(a, "GET", "/deliveries", params=params)
    print(f"{'ID':>6}  {'STATE':<9} {'TRIES':>5}  {'LAST':>5}  {'TYPE':<28} {'EVENT_ID':<12}  DESTINATION")
    for r in rows:
        last = r["last_status"] if r["last_status"] is not None else ("err" if r["last_error"] else "-")
        print(
            f"{r['id']:>6}  {r['state']:<9} {r['attempts']:>5}  {last!s:>5}  {r['callback_type']:<28}"
            f" {r['event_id']:<12}  {r['destination']}"
        )
    return 0


def _tail(a: argparse.Namespace) -> int:
    after, first = 0, True
    while True:
        rows = fetch(a, "GET", "/deliveries/attempts", params={"after": after, "limit": 1000})
        for r in rows:
            if a.all or not first:
                print(_attempt_line(r), flush=True)
            after = r["id"]
        if first and len(rows) == 1000:
            continue  # still catching up with the log
        first = False
        time.sleep(a.interval)


def _attempt_line(r: dict[str, Any]) -> str:
    answer = r["response"]["status"] if r["error"] is None else r["error"]
    retry = f" next {r['next_attempt_at']}" if r["next_attempt_at"] else ""
    kind = " (duplicate)" if r["kind"] == "duplicate" else ""
    return (
        f"{r['started_at'][11:23]}  #{r['delivery_id']} attempt {r['number']}{kind}  {r['callback_type']}"
        f"  -> {r['destination']}  {answer}  {r['outcome']}{retry}"
    )


def _receiver(a: argparse.Namespace) -> int:
    from catapult_sim.testing.inbox import Answer, CallbackInbox, Received

    def print_request(got: Received, answer: Answer) -> None:
        body = got.json
        what = body.get("callback_type") if isinstance(body, dict) else None
        attempt = body.get("delivery_attempt") if isinstance(body, dict) else None
        print(f"--- {got.method} {got.path}  {what}  delivery_attempt={attempt}  -> {answer.status}", flush=True)
        print(
            json.dumps(body, indent=2) if body is not None else got.body.decode("utf-8", "replace"),
            flush=True,
        )

    free(a.host, a.port)
    rx = CallbackInbox(a.host, a.port, on_request=print_request)
    rx.set_default(a.status)
    rx.start()
    rx.script("*", *a.fail)
    print(f"receiving on {rx.url} (any path); Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        rx.stop()


def _chaos(sub: Any) -> None:
    actions = group(sub, "chaos", "make callback delivery misbehave")
    common = url_option()
    p = actions.add_parser("show", parents=[common], help="print the chaos settings")
    p.set_defaults(handler=lambda a: call(a, "GET", "/chaos"))
    p = actions.add_parser("set", parents=[common], help="set a global or per-destination rule, or the seed")
    p.add_argument("--destination", help="apply to this URL only (default: every destination)")
    p.add_argument("--seed", type=int)
    p.add_argument("--duplicate", dest="duplicate_probability", type=float, help="probability 0..1")
    p.add_argument("--latency", dest="latency_ms", type=float, help="added latency in ms")
    p.add_argument("--jitter", dest="jitter_ms", type=float, help="up to this many ms more, at random")
    p.add_argument("--reorder", dest="reorder_window", type=int, help="shuffle windows of N deliveries")
    p.add_argument("--drop", dest="drop_probability", type=float, help="probability 0..1 of drop-then-retry")
    p.add_argument("--drop-mode", choices=["request", "response"], help="lose the request or its answer")
    p.set_defaults(handler=_chaos_set)
    p = actions.add_parser("clear", parents=[common], help="remove every rule (or --destination's)")
    p.add_argument("--destination")
    p.set_defaults(handler=lambda a: call(a, "DELETE", "/chaos", params=only(destination=a.destination)))


def _chaos_set(a: argparse.Namespace) -> int:
    names = ("destination", "seed", "duplicate_probability", "latency_ms", "jitter_ms", "reorder_window")
    body = {n: getattr(a, n) for n in (*names, "drop_probability", "drop_mode") if getattr(a, n) is not None}
    return call(a, "POST", "/chaos", body)


def _callbacks(sub: Any) -> None:
    actions = group(sub, "callbacks", "callback registrations")
    common = url_option()
    p = actions.add_parser("register", parents=[common], help="register URL for every callback type")
    p.add_argument("target", metavar="URL")
    p.add_argument("--company", "-c", default="demo")
    p.add_argument("--type", dest="types", action="append", choices=CALLBACK_TYPES, help="only these types")
    p.add_argument("--api-version", type=int, choices=[1, 2], default=2, help="MDN format (default 2: E.164)")
    p.set_defaults(
        handler=lambda a: call(
            a,
            "POST",
            "/callbacks",
            {"url": a.target, "api_version": a.api_version, **only(types=a.types)},
            company=a.company,
        )
    )
    p = actions.add_parser("list", parents=[common], help="a company's registrations")
    p.add_argument("--company", "-c", default="demo")
    p.set_defaults(handler=lambda a: call(a, "GET", "/callbacks", company=a.company))
    p = actions.add_parser("test", parents=[common], help="send a test callback event (Catapult API)")
    p.add_argument("callback_type", choices=CALLBACK_TYPES)
    p.add_argument("--company", "-c", default="demo")
    p.add_argument("--user", default=DEMO_USERNAME)
    p.add_argument("--password", default=DEMO_PASSWORD)
    p.set_defaults(handler=_test_event)


def _test_event(a: argparse.Namespace) -> int:
    """The Catapult API's own test call (not /_sim), with the company's credentials."""
    path = f"/companies/{a.company}/config/callback_events/test"
    body = {"callback_type": a.callback_type}
    return show(send(a.url, "POST", path, body, auth=(a.user, a.password), headers={"X-API-Version": "2"}))

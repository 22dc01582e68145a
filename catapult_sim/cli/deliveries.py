"""CLI for callbacks: ``deliveries`` (the delivery log), ``chaos``, ``callbacks``, and serve flags.

Every command is a client of the /_sim API (or, for ``callbacks test``, of the Catapult API), so
anything done here can be done over HTTP from any language.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from typing import Any

import httpx

from catapult_sim.cli.remote import DEFAULT_URL, _request, control_headers
from catapult_sim.core.callbacks.specs import CALLBACK_TYPES
from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME

# Settings the serve command takes from these flags (see add_serve_flags).
SERVE_FIELDS = (
    "callback_url",
    "retry_preset",
    "retry_schedule",
    "delivery_timeout",
    "delivery_concurrency",
    "delivery_log_cap",
    "downed_after",
    "downed_cooldown",
    "callback_ca_file",
    "callback_insecure",
    "callback_allow",
    "callback_deny",
)
STATES = ("pending", "retrying", "delivered", "failed")


def add_serve_flags(p: argparse.ArgumentParser) -> None:
    """The callback options of ``catapult-sim serve``."""
    g = p.add_argument_group("callbacks")
    g.add_argument("--callback-url", help="register every callback type to URL for company 'demo'")
    g.add_argument("--retry-preset", choices=["vibes", "svix", "fast"], help="retry schedule (default vibes)")
    g.add_argument("--retry-schedule", help="custom retry delays, e.g. 10s,1m,5m (overrides the preset)")
    g.add_argument("--delivery-timeout", help="per-attempt timeout, e.g. 2s (default: the preset's)")
    g.add_argument("--delivery-concurrency", type=int, help="attempts in flight per destination (default 16)")
    g.add_argument("--delivery-log-cap", type=int, help="deliveries kept in the log (default 10000)")
    g.add_argument("--downed-after", type=int, help="consecutive failures that down a URL (default 5)")
    g.add_argument("--downed-cooldown", help="how long a downed URL pauses, e.g. 5m (default 5m)")
    g.add_argument(
        "--callback-ca-file",
        metavar="PEM",
        help="trust this CA too for https receivers (e.g. mkcert's rootCA.pem)",
    )
    g.add_argument(
        "--callback-insecure",
        action="store_true",
        default=None,
        help="do not verify https receivers' certificates (development only)",
    )
    g.add_argument(
        "--callback-allow",
        action=_Joined,
        metavar="HOST|CIDR|any",
        help="callbacks may go there (repeatable; default: loopback and private ranges when bound to loopback)",
    )
    g.add_argument(
        "--callback-deny",
        action=_Joined,
        metavar="HOST|CIDR",
        help="callbacks never go there (repeatable; wins over --callback-allow)",
    )


class _Joined(argparse.Action):
    """A repeatable option kept as one comma-separated text (the form of its environment variable)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        before = getattr(namespace, self.dest, None)
        setattr(namespace, self.dest, f"{before},{values}" if before else str(values))


def add_delivery_commands(sub: Any) -> None:
    url = os.environ.get("CATAPULT_SIM_URL", DEFAULT_URL)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=url, help=f"simulator base URL (default {url}; env CATAPULT_SIM_URL)")
    _deliveries(sub, common)
    _chaos(sub, common)
    _callbacks(sub, common)


def _deliveries(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("deliveries", help="the callback delivery log").add_subparsers(metavar="ACTION")
    p = group.add_parser("list", parents=[common], help="list deliveries, newest first")
    _filters(p)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_list)
    p = group.add_parser("show", parents=[common], help="one delivery with every attempt")
    p.add_argument("delivery_id", type=int)
    p.set_defaults(handler=lambda a: _request(a, "GET", f"/_sim/deliveries/{a.delivery_id}"))
    p = group.add_parser("replay", parents=[common], help="send a delivery again (same body and event_id)")
    p.add_argument("delivery_id", type=int)
    p.set_defaults(handler=lambda a: _request(a, "POST", f"/_sim/deliveries/{a.delivery_id}/replay"))
    p = group.add_parser("replay-failed", parents=[common], help="replay every failed delivery since a time")
    _filters(p, status=False)
    p.set_defaults(handler=lambda a: _request(a, "POST", "/_sim/deliveries/replay-failed", _filter_values(a)))
    p = group.add_parser("tail", parents=[common], help="follow new attempts live (Ctrl-C to stop)")
    p.add_argument("--all", action="store_true", help="print the attempts already in the log first")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between polls (default 0.5)")
    p.set_defaults(handler=_tail)
    p = group.add_parser("destinations", parents=[common], help="queues, failures and downed state per URL")
    p.set_defaults(handler=lambda a: _request(a, "GET", "/_sim/destinations"))
    p = group.add_parser("receiver", help="run a local receiver that prints every callback it gets")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    p.add_argument("--status", type=int, default=200, help="status to answer with (default 200)")
    p.add_argument("--fail", default="", help="statuses for the first requests, e.g. 503,503")
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


def _get(a: argparse.Namespace, path: str, params: dict[str, Any]) -> Any:
    with httpx.Client(base_url=a.url.rstrip("/"), timeout=10.0, headers=control_headers()) as client:
        resp = client.get(path, params=params)
    resp.raise_for_status()
    return resp.json()


def _list(a: argparse.Namespace) -> int:
    if a.json:
        return _request(a, "GET", "/_sim/deliveries", params={**_filter_values(a), "limit": a.limit})
    try:
        rows = _get(a, "/_sim/deliveries", {**_filter_values(a), "limit": a.limit})
    except httpx.HTTPError as exc:
        print(f"catapult-sim: {exc}", file=sys.stderr)
        return 2
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
    try:
        while True:
            rows = _get(a, "/_sim/deliveries/attempts", {"after": after, "limit": 1000})
            for r in rows:
                if a.all or not first:
                    print(_attempt_line(r), flush=True)
                after = r["id"]
            if first and len(rows) == 1000:
                continue  # still catching up with the log
            first = False
            time.sleep(a.interval)
    except httpx.HTTPError as exc:
        print(f"catapult-sim: {exc}", file=sys.stderr)
        return 2


def _attempt_line(r: dict[str, Any]) -> str:
    answer = r["response"]["status"] if r["error"] is None else r["error"]
    retry = f" next {r['next_attempt_at']}" if r["next_attempt_at"] else ""
    kind = " (duplicate)" if r["kind"] == "duplicate" else ""
    return (
        f"{r['started_at'][11:23]}  #{r['delivery_id']} attempt {r['number']}{kind}  {r['callback_type']}"
        f"  -> {r['destination']}  {answer}  {r['outcome']}{retry}"
    )


def _receiver(a: argparse.Namespace) -> int:
    from catapult_sim.testing.receiver import Answer, Received, Receiver

    def show(got: Received, answer: Answer) -> None:
        body = got.json
        what = body.get("callback_type") if isinstance(body, dict) else None
        attempt = body.get("delivery_attempt") if isinstance(body, dict) else None
        print(f"--- {got.method} {got.path}  {what}  delivery_attempt={attempt}  -> {answer.status}", flush=True)
        print(
            json.dumps(body, indent=2) if body is not None else got.body.decode("utf-8", "replace"),
            flush=True,
        )

    rx = Receiver(a.host, a.port, on_request=show)
    rx.set_default(a.status)
    statuses = [int(s) for s in a.fail.split(",") if s.strip()]
    rx.start()
    rx.script("*", *statuses)
    print(f"receiving on {rx.url()} (any path); Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        rx.stop()


def _chaos(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("chaos", help="make callback delivery misbehave").add_subparsers(metavar="ACTION")
    p = group.add_parser("show", parents=[common], help="print the chaos settings")
    p.set_defaults(handler=lambda a: _request(a, "GET", "/_sim/chaos"))
    p = group.add_parser("set", parents=[common], help="set a global or per-destination rule, or the seed")
    p.add_argument("--destination", help="apply to this URL only (default: every destination)")
    p.add_argument("--seed", type=int)
    p.add_argument("--duplicate", dest="duplicate_probability", type=float, help="probability 0..1")
    p.add_argument("--latency", dest="latency_ms", type=float, help="added latency in ms")
    p.add_argument("--jitter", dest="jitter_ms", type=float, help="up to this many ms more, at random")
    p.add_argument("--reorder", dest="reorder_window", type=int, help="shuffle windows of N deliveries")
    p.add_argument("--drop", dest="drop_probability", type=float, help="probability 0..1 of drop-then-retry")
    p.add_argument("--drop-mode", choices=["request", "response"], help="lose the request or its answer")
    p.set_defaults(handler=_chaos_set)
    p = group.add_parser("clear", parents=[common], help="remove every rule (or --destination's)")
    p.add_argument("--destination")
    p.set_defaults(handler=lambda a: _request(a, "DELETE", "/_sim/chaos", params=_only(destination=a.destination)))


def _chaos_set(a: argparse.Namespace) -> int:
    names = ("destination", "seed", "duplicate_probability", "latency_ms", "jitter_ms", "reorder_window")
    body = {n: getattr(a, n) for n in (*names, "drop_probability", "drop_mode") if getattr(a, n) is not None}
    return _request(a, "POST", "/_sim/chaos", body)


def _callbacks(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("callbacks", help="callback registrations").add_subparsers(metavar="ACTION")
    p = group.add_parser("register", parents=[common], help="register URL for every callback type")
    p.add_argument("target", metavar="URL")
    p.add_argument("--company", "-c", default="demo")
    p.add_argument("--type", dest="types", action="append", choices=CALLBACK_TYPES, help="only these types")
    p.add_argument("--api-version", type=int, choices=[1, 2], default=2, help="MDN format (default 2: E.164)")
    p.set_defaults(
        handler=lambda a: _request(
            a,
            "POST",
            f"/_sim/companies/{a.company}/callbacks",
            {"url": a.target, "api_version": a.api_version, **_only(types=a.types)},
        )
    )
    p = group.add_parser("list", parents=[common], help="a company's registrations")
    p.add_argument("--company", "-c", default="demo")
    p.set_defaults(handler=lambda a: _request(a, "GET", f"/_sim/companies/{a.company}/callbacks"))
    p = group.add_parser("test", parents=[common], help="send a test callback event (Catapult API)")
    p.add_argument("callback_type", choices=CALLBACK_TYPES)
    p.add_argument("--company", "-c", default="demo")
    p.add_argument("--user", default=DEMO_USERNAME)
    p.add_argument("--password", default=DEMO_PASSWORD)
    p.set_defaults(handler=_test_event)


def _test_event(a: argparse.Namespace) -> int:
    token = base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-API-Version": "2"}
    try:
        with httpx.Client(base_url=a.url.rstrip("/"), timeout=10.0, headers=headers) as client:
            resp = client.post(
                f"/companies/{a.company}/config/callback_events/test", json={"callback_type": a.callback_type}
            )
    except httpx.HTTPError as exc:
        print(f"catapult-sim: cannot reach {a.url}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(resp.json(), indent=2))
    return 0 if resp.is_success else 1


def _only(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}

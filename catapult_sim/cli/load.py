"""``catapult-sim load-receiver URL``: a campaign-sized callback storm against a CRM's receiver, on Locust.

Runs Locust headless in this process and prints sent, per-status counts, requests/s, latency
percentiles, error and timeout rates and a verdict. Exit status: 0 passed, 1 a threshold (or
``--verify``) failed, 2 bad options or the ``load`` extra missing. See docs/load-testing.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

PROG = "catapult-sim load-receiver"
PROFILES = ("launch", "optout", "mixed")  # catapult_sim.load.storms.PROFILES (not imported: keep help fast)
# This command's flags for each StormConfig field, for the messages that name a wrong one.
FLAGS = {"profile": "--profile", "seed": "--seed", "duplicate_rate": "--duplicate-rate",
         "retry_rate": "--retry-rate", "max_attempts": "--max-attempts", "method": "--method",
         "content_type": "--content-type", "api_version": "--api-version"}  # fmt: skip
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_SPAN = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


class UsageError(ValueError):
    """A user mistake: one line naming the flag, exit 2."""


def register(sub: Any) -> None:
    """Register ``load-receiver`` on the ``catapult-sim`` parser."""
    p = sub.add_parser(
        "load-receiver",
        help="load-test a CRM's callback receiver with a campaign-sized storm (Locust; the load extra)",
        description="Send a seeded storm of callbacks to URL with Locust and report how the receiver kept up. "
        "Exit 0 when every threshold holds, 1 when one breaks, 2 for bad options.",
    )
    p.add_argument("url", nargs="?", metavar="URL", help="the receiver's callback URL")
    p.add_argument("--profile", default="launch", help=f"storm: {', '.join(PROFILES)} (default launch)")
    p.add_argument("--users", default="10", metavar="N", help="concurrent senders (default 10)")
    p.add_argument("--rate", default=None, metavar="R", help="senders started per second: the ramp (default all)")
    p.add_argument("--duration", default="60s", metavar="T", help="how long to send: 30s, 5m, 1h (default 60s)")
    p.add_argument("--seed", default="0", help="seed of every body; the same seed repeats the storm (default 0)")
    p.add_argument("--duplicate-rate", default="0", metavar="P", help="share re-sent unchanged: 1%% or 0.01")
    p.add_argument("--retry-rate", default="0", metavar="P", help="share re-sent as the next delivery_attempt")
    p.add_argument("--max-attempts", default="3", metavar="N", help="highest delivery_attempt a retry reaches")
    p.add_argument("--method", default="POST", help="POST or PUT, as the registration says (default POST)")
    p.add_argument("--content-type", default="application/json", help="application/json (default) or text/json")
    p.add_argument("--api-version", default="2", help="MDN form in bodies: 1 national, 2 E.164 (default 2)")
    p.add_argument("--requests-per-user", default="0", metavar="N", help="each sender stops after N (0: never)")
    p.add_argument("--timeout", default="10s", metavar="T", help="longest wait for one answer (default 10s)")
    p.add_argument("--max-p99", metavar="T", help="fail when p99 latency exceeds this (200ms, 1s)")
    p.add_argument("--max-error-rate", metavar="P", help="fail when more than this share gets no 2XX (0.1%%)")
    p.add_argument("--csv", metavar="PREFIX", help="write Locust's CSV reports as PREFIX_stats.csv, ...")
    p.add_argument("--html", metavar="FILE", help="write Locust's HTML report")
    p.add_argument("--verify", metavar="READ_URL", help="after the storm, check the CRM's rows (launch, optout)")
    p.add_argument("--web", action="store_true", help="open Locust's web UI (live charts) instead of headless")
    p.add_argument("--web-host", default="127.0.0.1", help="web UI address (default 127.0.0.1)")
    p.add_argument("--web-port", default="8089", help="web UI port (default 8089)")
    p.add_argument("--locustfile", action="store_true", help="print the locustfile's path (locust --master/--worker)")
    p.set_defaults(handler=load_receiver)


def load_receiver(args: argparse.Namespace) -> int:
    try:
        if args.locustfile:
            print(_locustfile_path())
            return 0
        request = _request(args)
        _locustfile_path()
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if args.web:
        return _web(args, request)
    from catapult_sim.load.report import judge, render

    with warnings.catch_warnings():
        # gevent warns that ssl was imported before its patching (by aiohttp, which this process never
        # uses to send); Locust's client takes gevent's own ssl, so the warning does not apply here.
        warnings.filterwarnings("ignore", message="Monkey-patching ssl after ssl has already been imported")
        from catapult_sim.load.run import Plan, run  # Locust (and gevent's patching) only from here on

    plan = Plan(args.url, request["users"], request["rate"], request["seconds"], tuple(request["storm"]),
                request["timeout"], args.csv, args.html)  # fmt: skip
    summary, tally = run(plan)
    verdict = judge(summary, request["limits"])
    print(render(summary, verdict))
    failed = bool(summary.problems)
    if args.verify:
        failed = _verify(args.verify, tally) or failed
    return 1 if failed else 0


def _verify(url: str, tally: Any) -> bool:
    """Print the --verify lines; True when the check failed."""
    from catapult_sim.load.verify import check, fetch_rows

    try:
        rows = fetch_rows(url)
    except ValueError as exc:
        print(f"verify        FAIL {exc}")
        return True
    result = check(tally.acknowledged, tally.touched, rows)
    print("verify        " + ("PASS" if result.ok else "FAIL"))
    for line in result.lines():
        print(f"  {line}")
    return not result.ok


# -- options ---------------------------------------------------------------------------------


def _request(args: argparse.Namespace) -> dict[str, Any]:
    """Every option checked and converted; UsageError names the first wrong flag."""
    if not args.url or not re.match(r"https?://[^/\s]+", args.url):
        raise UsageError(f"URL: {args.url or 'missing'}; give the receiver's http(s) callback URL")
    config = _storm_config(args)
    problems = config.problems(FLAGS)
    if problems:
        raise UsageError(problems[0])
    users = _count(args.users, "--users")
    rate = float(users) if args.rate is None else _positive(args.rate, "--rate")
    seconds, timeout = _span(args.duration, "--duration"), _span(args.timeout, "--timeout")
    per_user = _integer(args.requests_per_user, "--requests-per-user")
    if per_user < 0:
        raise UsageError(f"--requests-per-user: {per_user} must be 0 (no limit) or more")
    if args.verify and config.profile == "mixed":
        raise UsageError("--verify: checks the launch and optout profiles (mixed has no single outcome)")
    if args.verify and not re.match(r"https?://", args.verify):
        raise UsageError(f"--verify: {args.verify!r} is not an http(s) URL")
    if args.web and args.verify:
        raise UsageError("--verify: not with --web (the web UI decides when the storm ends)")
    _count(args.web_port, "--web-port")
    for flag, path in (("--csv", args.csv), ("--html", args.html)):
        if path and not Path(path).resolve().parent.is_dir():
            raise UsageError(f"{flag}: the folder of {path!r} does not exist")
    from catapult_sim.load.report import Thresholds

    limits = Thresholds(
        None if args.max_p99 is None else _span(args.max_p99, "--max-p99") * 1000,
        None if args.max_error_rate is None else _rate(args.max_error_rate, "--max-error-rate", upto=1.0),
    )
    storm = ["--storm", config.profile, "--storm-seed", str(config.seed),
             "--duplicate-rate", repr(config.duplicate_rate), "--retry-rate", repr(config.retry_rate),
             "--max-attempts", str(config.max_attempts), "--callback-method", config.method,
             "--callback-content-type", config.content_type, "--callback-api-version", str(config.api_version),
             "--callback-timeout", repr(timeout), "--requests-per-user", str(per_user)]  # fmt: skip
    return {"users": users, "rate": rate, "seconds": seconds, "timeout": timeout, "limits": limits, "storm": storm}


def _storm_config(args: argparse.Namespace) -> Any:
    from catapult_sim.load.storms import StormConfig

    return StormConfig(
        profile=args.profile, seed=_integer(args.seed, "--seed"),
        duplicate_rate=_rate(args.duplicate_rate, "--duplicate-rate"),
        retry_rate=_rate(args.retry_rate, "--retry-rate"),
        max_attempts=_integer(args.max_attempts, "--max-attempts"), method=args.method.upper(),
        content_type=args.content_type.lower(), api_version=_integer(args.api_version, "--api-version"),
    )  # fmt: skip


def _integer(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a whole number") from None


def _count(text: str, flag: str) -> int:
    value = _integer(text, flag)
    if value < 1:
        raise UsageError(f"{flag}: {text!r} must be 1 or more")
    return value


def _positive(text: str, flag: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a number") from None
    if not value > 0:
        raise UsageError(f"{flag}: {text!r} must be more than 0")
    return value


def parse_span(text: str) -> float:
    """Seconds in ``500ms``, ``30s``, ``5m``, ``1h30m`` or a bare number of seconds; ValueError if not."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _SPAN.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(text)
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _span(text: str, flag: str) -> float:
    try:
        value = parse_span(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a duration such as 500ms, 30s, 5m or 1h30m") from None
    if value <= 0:
        raise UsageError(f"{flag}: {text!r} must be longer than 0")
    return value


def parse_rate(text: str) -> float:
    """A share: ``0.1%`` or ``0.001``; ValueError if not a number."""
    text = text.strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def _rate(text: str, flag: str, upto: float = 0.999999) -> float:
    try:
        value = parse_rate(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a share such as 1% or 0.01") from None
    if not 0 <= value <= upto:
        raise UsageError(f"{flag}: {text!r} is not between 0 and {'100%' if upto == 1.0 else 'under 100%'}")
    return value


# -- Locust's own command ----------------------------------------------------------------------


def _locustfile_path() -> str:
    """The locustfile's path; UsageError when Locust is missing (found, not imported: no gevent yet)."""
    if importlib.util.find_spec("locust") is None:
        raise UsageError(
            "Locust is not installed: install catapult-sim with its load extra, e.g. "
            "pip install -e '.[load]' in a clone (docs/install.md)"
        )
    return str(Path(__file__).resolve().parent.parent / "load" / "locustfile.py")


def _web(args: argparse.Namespace, request: dict[str, Any]) -> int:
    """Locust's own command with its web UI, the storm started at once; Ctrl-C ends it."""
    path = _locustfile_path()
    command = [sys.executable, "-m", "locust", "-f", path, "--host", args.url, "-u", str(request["users"]),
               "-r", repr(request["rate"]), "-t", f"{request['seconds']:g}s", "--autostart",
               "--web-host", args.web_host, "--web-port", args.web_port, *request["storm"]]  # fmt: skip
    if args.csv:
        command += ["--csv", args.csv]
    if args.html:
        command += ["--html", args.html]
    print(f"Locust web UI: http://{args.web_host}:{args.web_port} (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130

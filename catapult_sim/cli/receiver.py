"""``catapult-sim check-receiver URL``: prove that a CRM's callback receiver honours the delivery contract.

Exit status: 0 every check passed, 1 a check failed, 2 bad options or nothing listening at URL.
See docs/receiver-suite.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Register ``check-receiver`` on the ``catapult-sim`` parser."""
    from catapult_sim.testing.receiver_suite import config as c

    p = sub.add_parser(
        "check-receiver",
        help="check a CRM's callback receiver (duplicates, unknown fields, MDN forms, ...)",
        description="Send callbacks to a receiver as the simulator does and check that it takes them: "
        "generated bodies of every type, duplicates, unknown fields, both MDN forms, both content types, "
        "POST and PUT, non-ASCII text and a burst. Exit 0 when every check passes, 1 when one fails, "
        "2 for bad options or an unreachable URL.",
    )
    p.add_argument("url", nargs="?", metavar="URL", help="the receiver's callback URL")
    p.add_argument(
        "--budget",
        type=float,
        default=c.DEFAULT_BUDGET,
        metavar="S",
        help=f"seconds each answer may take (default {c.DEFAULT_BUDGET:g}: the simulator's per-attempt timeout)",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=c.DEFAULT_EXAMPLES,
        metavar="N",
        help=f"generated bodies per callback type and API version (default {c.DEFAULT_EXAMPLES})",
    )
    p.add_argument("--seed", type=int, default=0, help="Hypothesis and Faker seed (default 0)")
    p.add_argument(
        "--burst",
        type=int,
        default=c.DEFAULT_BURST,
        metavar="N",
        help=f"callbacks in the burst check (default {c.DEFAULT_BURST}; 0 skips it)",
    )
    p.add_argument(
        "--rate",
        type=float,
        default=c.DEFAULT_RATE,
        metavar="R",
        help=f"burst callbacks started per second (default {c.DEFAULT_RATE:g})",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=c.DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"most burst requests in flight (default {c.DEFAULT_CONCURRENCY}, as the simulator)",
    )
    p.add_argument(
        "--api-version",
        default="both",
        choices=("1", "2", "both"),
        help="MDN form of the bodies: 1 national, 2 E.164, or both (default)",
    )
    p.add_argument(
        "--type",
        dest="types",
        action="append",
        default=[],
        metavar="TYPE",
        help="callback type to send (repeatable; default the six a CRM registers)",
    )
    p.add_argument(
        "--check",
        dest="only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this check (repeatable)",
    )
    p.add_argument("--skip", action="append", default=[], metavar="NAME", help="skip this check (repeatable)")
    p.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    p.add_argument("--report", choices=("text", "junit"), default="text", help="report format (default text)")
    p.add_argument("--report-file", metavar="PATH", help="write the report here (the text report still prints)")
    p.add_argument(
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="K:V",
        help="extra request header (repeatable)",
    )
    p.add_argument(
        "--ca-file", metavar="PEM", help="trust this CA too for an https receiver (e.g. mkcert's rootCA.pem)"
    )
    p.add_argument("--insecure", action="store_true", help="do not verify an https receiver's certificate")
    p.add_argument(
        "--shrink-time",
        type=float,
        default=c.DEFAULT_SHRINK_TIME,
        metavar="S",
        help=f"most seconds spent shrinking a failing body (default {c.DEFAULT_SHRINK_TIME:g})",
    )
    p.set_defaults(handler=check_receiver)


def check_receiver(args: argparse.Namespace) -> int:
    from catapult_sim.testing.receiver_suite import CHECKS, NAMES, OptionsError, Unreachable, run_suite
    from catapult_sim.testing.receiver_suite.config import selected
    from catapult_sim.testing.receiver_suite.report import result_line

    if args.list_checks:
        width = max(len(n) for n in NAMES)
        for check in CHECKS.values():
            print(f"{check.name:<{width}}  {check.summary}")
        return 0
    try:
        options = _options(args)
        selected(NAMES, args.only, args.skip)
    except OptionsError as exc:
        return _usage(str(exc))
    # On a terminal, each check's line shows on stderr as soon as it is known.
    progress = (lambda r: print(result_line(r), file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    try:
        report = run_suite(options, args.only, args.skip, on_result=progress)
    except Unreachable as exc:
        return _usage(f"cannot reach {options.url}: {exc}")
    try:
        _write(report, args)
    except OSError as exc:
        return _usage(f"cannot write the report: {exc}")
    return 0 if report.passed else 1


def _options(args: argparse.Namespace) -> Any:
    from catapult_sim.testing.receiver_suite import RECEIVER_TYPES, Options, OptionsError
    from catapult_sim.testing.receiver_suite.config import parse_header, parse_versions

    if not args.url:
        raise OptionsError("give the receiver URL (or --list-checks)")
    return Options(
        args.url,
        budget=args.budget,
        examples=args.examples,
        seed=args.seed,
        burst=args.burst,
        rate=args.rate,
        api_versions=parse_versions(args.api_version),
        callback_types=tuple(dict.fromkeys(args.types)) or RECEIVER_TYPES,
        headers=tuple(parse_header(h) for h in args.headers),
        concurrency=args.concurrency,
        shrink_time=args.shrink_time,
        ca_file=args.ca_file,
        insecure=args.insecure,
    )


def _write(report: Any, args: argparse.Namespace) -> None:
    rendered = report.junit() if args.report == "junit" else report.text()
    if args.report_file:
        Path(args.report_file).write_text(rendered, encoding="utf-8")
    if args.report_file or args.report == "text":
        sys.stdout.write(report.text())
    else:
        sys.stdout.write(rendered)


def _usage(message: str) -> int:
    print(f"catapult-sim check-receiver: {message}", file=sys.stderr)
    return 2

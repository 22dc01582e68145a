"""The ``catapult-sim`` command: serve the simulator, and drive a running one over /_sim."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8080"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:  # no command, or a command group without its subcommand: show that level's help
        _helpful(parser, list(sys.argv[1:] if argv is None else argv)).print_help()
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


def _helpful(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The parser of the deepest command named in ``argv`` (``deliveries`` for ``deliveries``)."""
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        choices = getattr(action, "choices", None) or {}
        for i, word in enumerate(argv):
            if word in choices:
                return _helpful(choices[word], argv[i + 1 :])
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catapult-sim", description=__doc__)
    parser.add_argument(
        "--control-token",
        action=_TokenToEnv,
        metavar="TOKEN",
        help="the simulator's control token, sent as Authorization: Bearer (env CATAPULT_SIM_CONTROL_TOKEN)",
    )
    sub = parser.add_subparsers(metavar="COMMAND")
    _serve_parser(sub)
    from catapult_sim.cli.remote import add_control_commands

    add_control_commands(sub)
    from catapult_sim.cli.contract import add_contract_command

    add_contract_command(sub)
    from catapult_sim.cli.journal import add_commands as add_test_control_commands

    add_test_control_commands(sub)
    from catapult_sim.cli.deliveries import add_delivery_commands

    add_delivery_commands(sub)
    from catapult_sim.cli.fixtures import add_fixture_commands

    add_fixture_commands(sub)
    from catapult_sim.cli.receiver import add_receiver_command

    add_receiver_command(sub)
    return parser


class _TokenToEnv(argparse.Action):
    """``catapult-sim --control-token T COMMAND``: every client call of the process sends it, and a
    ``serve`` started this way requires it (the same variable as its own environment setting)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        os.environ["CATAPULT_SIM_CONTROL_TOKEN"] = str(values)


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the simulator", description="Run the simulator (uvicorn).")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to bind (default 8080; 0 picks a free one)")
    p.add_argument("--db", help="SQLite file to persist state in (default: in memory)")
    p.add_argument("--seed-file", help="JSON seed file with companies, lists and campaigns")
    p.add_argument(
        "--strict-companies",
        action="store_true",
        default=None,
        help="answer 401 for company keys that are not in the seed",
    )
    p.add_argument(
        "--find-by-mdn",
        dest="find_by_mdn_shape",
        choices=["object", "array"],
        help="shape of GET /mobiledb/persons?mdn= (default object)",
    )
    p.add_argument("--clock", choices=["system", "manual"], help="start with a manual clock")
    p.add_argument("--start-time", help="ISO-8601 start time of a manual clock")
    p.add_argument("--seed", dest="random_seed", type=int, help="random seed for ids (reproducible runs)")
    p.add_argument("--max-body-bytes", type=int, help="largest accepted request body (default 1 MiB)")
    p.add_argument("--max-header-bytes", type=int, help="largest request line and headers, else 431 (default 16384)")
    p.add_argument("--idle-timeout", help="close a connection idle this long (default 5s)")
    p.add_argument("--request-timeout", help="a request must arrive in full within this, else 408 (default 30s)")
    p.add_argument(
        "--max-concurrency", type=int, help="connections and requests at once, else 503 (default 1000; 0: none)"
    )
    p.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require Authorization: Bearer TOKEN on /_sim, pages and the control OpenAPI",
    )
    p.add_argument(
        "--insecure-open-control",
        action="store_true",
        default=None,
        help="serve beyond loopback without a control token (anyone who reaches the port controls the simulator)",
    )
    p.add_argument("--max-companies", type=int, help="companies made on first use, at most (default 1000; 0: no limit)")
    p.add_argument(
        "--auto-companies",
        action="store_true",
        default=None,
        help="with a seed file naming companies, still make unknown company keys on first use",
    )
    p.add_argument("--log-level", help="uvicorn log level (default warning)")
    p.add_argument("--access-log", action="store_true", default=None, help="log every request")
    from catapult_sim.cli.journal import add_serve_options

    add_serve_options(p)
    from catapult_sim.cli.deliveries import add_serve_flags

    add_serve_flags(p)
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from catapult_sim import serving
    from catapult_sim.app import create_app
    from catapult_sim.core.dbfile import DatabaseUnavailable
    from catapult_sim.core.seed import SeedError
    from catapult_sim.settings import Settings

    fields = ("host", "port", "db", "seed_file", "strict_companies", "find_by_mdn_shape", "clock",
              "start_time", "random_seed", "max_body_bytes", "log_level", "access_log", "max_header_bytes",
              "idle_timeout", "request_timeout", "max_concurrency", "control_token", "insecure_open_control",
              "max_companies", "auto_companies")  # fmt: skip
    from catapult_sim.cli.deliveries import SERVE_FIELDS as CALLBACK_FIELDS
    from catapult_sim.cli.journal import SERVE_FIELDS

    try:
        names = (*fields, *SERVE_FIELDS, *CALLBACK_FIELDS)
        settings = Settings.from_env(os.environ, **{f: getattr(args, f) for f in names})
        _check_exposure(settings)
        app = create_app(settings)
        config = serving.config(app, settings)
    except (SeedError, ValueError, DatabaseUnavailable) as exc:
        print(f"catapult-sim: {exc}", file=sys.stderr)
        return 2
    server = uvicorn.Server(config)
    _announce(server, settings)
    server.run()
    return 0


def _check_exposure(settings: Any) -> None:
    """Beyond loopback, anyone who reaches the port could reset, fault or read every company."""
    from catapult_sim.core.callbacks.destinations import is_loopback_host

    if not (is_loopback_host(settings.host) or settings.control_token or settings.insecure_open_control):
        raise ValueError(
            f"--host {settings.host} serves beyond loopback: give --control-token TOKEN"
            " (or --insecure-open-control to leave /_sim open to anyone who reaches it)"
        )


def _announce(server: Any, settings: Any) -> None:
    """Print where the simulator listens once it does (the real port when --port 0)."""
    original = server.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        for s in server.servers:
            for sock in s.sockets:
                host, port = sock.getsockname()[:2]
                server.config.app.state.sim.callbacks.destinations.listening(host, port)  # no callback loops
                print(f"catapult-sim listening on http://{host}:{port}", flush=True)
        print("demo company 'demo': Basic auth VibesUser / Password123", flush=True)

    server.startup = startup


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    raise SystemExit(main())

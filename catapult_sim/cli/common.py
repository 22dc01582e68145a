"""What every command family shares: the parser class, command groups, the one error path.

A user mistake raises :class:`UsageError` (or is an argparse error); ``main`` prints it as one
line, ``catapult-sim: <message>``, and exits 2. No traceback reaches the user for a mistake.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Callable
from typing import Any, NoReturn

Handler = Callable[[argparse.Namespace], int]
USAGE = 2


class UsageError(Exception):
    """A mistake of the user's (a bad flag, an unreachable URL): one line, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with errors as one line naming the flag (``catapult-sim serve: argument --port: ...``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def group(sub: Any, name: str, help: str, metavar: str = "ACTION", **kwargs: Any) -> Any:
    """A command group (``deliveries``, ``clock``): run without its action, it prints its own help."""
    parser: Parser = sub.add_parser(name, help=help, **kwargs)
    parser.set_defaults(handler=_show_help(parser))
    return parser.add_subparsers(metavar=metavar)


def _show_help(parser: argparse.ArgumentParser) -> Handler:
    def show(_: argparse.Namespace) -> int:
        parser.print_help()
        return USAGE

    return show


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def fail(message: str) -> NoReturn:
    raise UsageError(message)


def warn(message: str) -> None:
    print(f"catapult-sim: {message}", file=sys.stderr)


def port(raw: str) -> int:
    """An argparse type: a TCP port, 0 to 65535."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is a whole number, not {raw!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0 picks a free one), not {value}")
    return value


def status(raw: str) -> int:
    """An argparse type: an HTTP status, 100 to 599."""
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 100 <= value <= 599:
        raise argparse.ArgumentTypeError(f"an HTTP status is 100 to 599, not {raw!r}")
    return value


def statuses(raw: str) -> list[int]:
    """An argparse type: HTTP statuses separated by commas (``503,503``)."""
    return [status(s.strip()) for s in raw.split(",") if s.strip()]


def free(host: str, number: int) -> None:
    """UsageError naming ``--port`` (or ``--host``) when nothing could listen there."""
    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, number))
    except (socket.gaierror, UnicodeError) as exc:
        fail(f"--host {host}: {exc}")
    except OSError as exc:
        fail(f"--port {number}: cannot listen on {host}:{number}: {exc.strerror or exc}")

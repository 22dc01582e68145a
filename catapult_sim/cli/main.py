"""The ``catapult-sim`` command: serve the simulator, and drive a running one over /_sim."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from catapult_sim.cli.common import USAGE, Handler, Parser, UsageError, warn

# The command families, one module each under catapult_sim/cli/ with a ``register(subparsers)``.
# Adding a family is adding its module and its name here; the order is the order of --help.
FAMILIES = ("serve", "control", "contract", "journal", "deliveries", "fixtures", "receiver", "load", "extract")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        handler: Handler = args.handler
        return handler(args)
    except UsageError as exc:
        warn(str(exc))
        return USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_left()


def _reader_left() -> int:
    """The reader of our output (``| head``) went away: stop quietly, as ``cat`` does."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot fail again
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="catapult-sim", description=__doc__)
    parser.set_defaults(handler=lambda _: _usage(parser))
    sub = parser.add_subparsers(metavar="COMMAND")
    for family in FAMILIES:
        importlib.import_module(f"catapult_sim.cli.{family}").register(sub)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return USAGE


if __name__ == "__main__":
    raise SystemExit(main())

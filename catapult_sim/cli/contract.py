"""``catapult-sim contract``: run the provider contract suite against a Catapult implementation."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

from catapult_sim.cli.common import fail
from catapult_sim.cli.remote import send, sim_path


def register(sub: Any) -> None:
    p = sub.add_parser(
        "contract",
        help="check a Catapult implementation against the documented behaviour",
        description="Run the provider contract suite (pytest --pyargs catapult_sim.testing.contract). "
        "Without --target it starts a simulator and checks it.",
    )
    p.add_argument("--target", help="base URL of the implementation (default: start a simulator)")
    p.add_argument("--company", help="company key on the target (required off-simulator)")
    p.add_argument("--user", help="Basic auth user name")
    p.add_argument("--password", help="Basic auth password")
    p.add_argument("--allow-destructive", action="store_true", help="allow writes on a non-simulator target")
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments (after --)")
    p.set_defaults(handler=run_contract)


def contract_args(args: argparse.Namespace) -> list[str]:
    """The pytest command line for these options."""
    # Our own (nearly empty) configuration, not that of the project the command is started from.
    config = str(Path(__file__).parent.parent / "contract_pytest.ini")
    out = ["-c", config, "--rootdir", str(Path.cwd())]
    out += ["--pyargs", "catapult_sim.testing.contract", "-p", "no:cacheprovider", "-q"]
    spec = importlib.util.find_spec("catapult_sim.testing.contract")
    for where in (spec.submodule_search_locations or []) if spec else []:
        out += ["--ignore", str(Path(where) / "receiver")]  # that suite is `catapult-sim check-receiver`
    # The CLI imported ``catapult_sim`` before pytest loads the plugin inside it, which pytest warns of.
    out += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    for flag, value in (
        ("--catapult-target", args.target),
        ("--catapult-company", args.company),
        ("--catapult-user", args.user),
        ("--catapult-password", args.password),
        ("--junitxml", args.junit),
    ):
        if value:
            out += [flag, value]
    if args.allow_destructive:
        out.append("--catapult-allow-destructive")
    extra = [a for a in args.pytest_args if a != "--"]
    return out + extra


def run_contract(args: argparse.Namespace) -> int:
    import pytest

    if args.target:
        preflight(args)
    return int(pytest.main(contract_args(args)))


def preflight(args: argparse.Namespace) -> None:
    """One request before the suite: an unreachable target or refused credentials is one line (exit 2),
    not a traceback or one 401 failure per test."""
    from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME

    health = send(args.target, "GET", sim_path("/health"))  # unreachable: UsageError
    if args.company is None:
        if health.status_code != 200:
            fail(f"--company is required: {args.target} is not catapult-sim")
        return  # the suite makes up a company on the simulator
    user, password = args.user or DEMO_USERNAME, args.password or DEMO_PASSWORD
    lists = send(args.target, "GET", f"/companies/{args.company}/mobiledb/subscription_lists", auth=(user, password))
    if lists.status_code in (401, 403):
        fail(f"{args.target} refused the credentials of --user {user} for --company {args.company} "
             f"({lists.status_code})")  # fmt: skip

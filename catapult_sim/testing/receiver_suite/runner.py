"""Running checks against a receiver: a :class:`Suite` holds the connection, ``run_suite`` runs many."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from catapult_sim.testing.receiver_suite.bodies import Bodies
from catapult_sim.testing.receiver_suite.checks import Context
from catapult_sim.testing.receiver_suite.config import Options, selected
from catapult_sim.testing.receiver_suite.registry import CHECKS, NAMES
from catapult_sim.testing.receiver_suite.report import Report
from catapult_sim.testing.receiver_suite.results import CheckResult
from catapult_sim.testing.receiver_suite.transport import Transport, preflight


class Suite:
    """A receiver under test. Raises :class:`~.transport.Unreachable` when nothing listens at the URL.

    ::

        with Suite(Options("http://127.0.0.1:8000/hooks/vibes")) as suite:
            result = suite.run("duplicate_event_id")
    """

    def __init__(self, options: Options) -> None:
        preflight(options.url, tls=options.tls)
        self.options = options
        self.transport = Transport(options.url, options.budget, options.headers, options.tls)
        self.context = Context(options, self.transport, Bodies(options.seed, options.callback_types))

    def run(self, name: str) -> CheckResult:
        """Run one check by name."""
        started, before = time.monotonic(), self.transport.sent
        result = CHECKS[name].run(self.context)
        result.seconds = time.monotonic() - started
        result.requests = self.transport.sent - before
        return result

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Suite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_suite(
    options: Options,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    on_result: Callable[[CheckResult], None] | None = None,
) -> Report:
    """Run the chosen checks (every one by default) in suite order and return the report."""
    names = selected(NAMES, only, skip)
    started = time.monotonic()
    results: list[CheckResult] = []
    with Suite(options) as suite:
        for name in names:
            results.append(suite.run(name))
            if on_result is not None:
                on_result(results[-1])
    return Report(options, results, time.monotonic() - started)

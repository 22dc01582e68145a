"""The receiver suite: proves that a CRM's callback receiver honours the Vibes delivery contract.

Given the URL of a callback receiver, it sends callbacks as the simulator's dispatcher does and runs
named checks (``valid_bodies``, ``duplicate_event_id``, ``unknown_fields``, ``mdn_forms``,
``date_forms``, ``optional_fields``, ``content_types``, ``methods``, ``unicode``, ``burst``), each a
pass or a fail with the request that shows it. See docs/receiver-suite.md. From Python::

    from catapult_sim.testing.receiver_suite import Options, run_suite

    report = run_suite(Options("http://127.0.0.1:8000/hooks/vibes", examples=10))
    print(report.text())
    assert report.passed

From the command line: ``catapult-sim check-receiver URL``; from pytest:
``pytest --pyargs catapult_sim.testing.contract.receiver --catapult-receiver URL``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time the names load lazily
    from catapult_sim.testing.receiver_suite.config import (
        DEFAULT_BUDGET,
        RECEIVER_TYPES,
        Options,
        OptionsError,
        from_env,
    )
    from catapult_sim.testing.receiver_suite.registry import CHECKS, NAMES, Check
    from catapult_sim.testing.receiver_suite.report import Report
    from catapult_sim.testing.receiver_suite.results import FAIL, PASS, SKIP, CheckResult
    from catapult_sim.testing.receiver_suite.runner import Suite, run_suite
    from catapult_sim.testing.receiver_suite.transport import Exchange, Unreachable

# Names load on first use, so that ``catapult-sim`` (which reads the defaults in ``config`` to build
# its parser) does not pay for Hypothesis and the checks on every command.
_WHERE = {
    "DEFAULT_BUDGET": "config",
    "RECEIVER_TYPES": "config",
    "Options": "config",
    "OptionsError": "config",
    "from_env": "config",
    "CHECKS": "registry",
    "NAMES": "registry",
    "Check": "registry",
    "Report": "report",
    "FAIL": "results",
    "PASS": "results",
    "SKIP": "results",
    "CheckResult": "results",
    "Suite": "runner",
    "run_suite": "runner",
    "Exchange": "transport",
    "Unreachable": "transport",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "CHECKS",
    "DEFAULT_BUDGET",
    "FAIL",
    "NAMES",
    "PASS",
    "RECEIVER_TYPES",
    "SKIP",
    "Check",
    "CheckResult",
    "Exchange",
    "Options",
    "OptionsError",
    "Report",
    "Suite",
    "Unreachable",
    "from_env",
    "run_suite",
]

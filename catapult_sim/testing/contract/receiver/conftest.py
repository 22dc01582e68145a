"""Fixtures of the receiver suite: one connection to the receiver for the module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catapult_sim.testing.receiver_suite import OptionsError, Suite, Unreachable, from_env


@pytest.fixture(autouse=True)
def _guard() -> None:
    """Replaces the provider suite's guard, which would start a simulator these tests never use."""


@pytest.fixture(scope="module")
def receiver_suite(request: pytest.FixtureRequest) -> Iterator[Suite]:
    """The receiver named by ``--catapult-receiver``, options from ``CATAPULT_RECEIVER_*``."""
    url = request.config.getoption("--catapult-receiver")
    try:
        suite = Suite(from_env(url))
    except (OptionsError, Unreachable) as exc:
        pytest.fail(f"receiver suite: {url}: {exc}", pytrace=False)
    with suite:
        yield suite

"""The catapult-sim pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

- ``catapult``: a simulator for this test — a real server on 127.0.0.1 shared by the session (one per
  xdist worker), with a company key of the test's own, so tests are isolated without a restart.
  ``catapult.api`` is a Catapult API client, ``catapult.sim`` the control client.
- ``callback_inbox``: a real HTTP receiver on 127.0.0.1 that records callbacks and can be told to fail.
- ``catapult_server``: the session's running simulator (its ``url``).

Options (for the provider contract suite, ``pytest --pyargs contract_tests``): ``--catapult-target``,
``--catapult-company``, ``--catapult-user``, ``--catapult-password``, ``--catapult-allow-destructive``.

Importing this module imports nothing but pytest: the simulator loads when a fixture is first used.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from simulator.testing.client import CatapultClient, SimClient
    from simulator.testing.inbox import CallbackInbox
    from simulator.testing.server import RunningServer

_counter = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("catapult", "catapult-sim contract suites")
    group.addoption(
        "--catapult-target",
        default=os.environ.get("CATAPULT_TARGET"),
        help="base URL of the Catapult implementation to check (default: start a simulator)",
    )
    group.addoption(
        "--catapult-company",
        default=os.environ.get("CATAPULT_COMPANY"),
        help="company key to use on the target (default: a fresh key per run on a simulator)",
    )
    group.addoption("--catapult-user", default=os.environ.get("CATAPULT_USER"), help="Basic auth user name")
    group.addoption(
        "--catapult-password", default=os.environ.get("CATAPULT_PASSWORD"), help="Basic auth password"
    )
    group.addoption(
        "--catapult-allow-destructive",
        action="store_true",
        default=False,
        help="allow tests that write data on a target that is not a simulator",
    )
    group.addoption(
        "--catapult-receiver",
        default=os.environ.get("CATAPULT_RECEIVER"),
        help="callback receiver URL for the receiver suite",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "simulator_only: needs the /_sim control API (skipped elsewhere)")
    config.addinivalue_line(
        "markers", "destructive: writes data (needs --catapult-allow-destructive off-simulator)"
    )


class Catapult:
    """One test's simulator: its company, a Catapult API client and a control client."""

    def __init__(self, url: str, company: str, api: CatapultClient, sim: SimClient) -> None:
        self.url = url
        self.company = company
        self.api = api
        self.sim = sim

    def register_callback(self, callback_type: str, url: str, **selector: str) -> dict[str, Any]:
        """Register ``url`` for ``callback_type``; pass ``list_id=`` or ``campaign_id=`` where needed."""
        body: dict[str, Any] = {
            "callback_type": callback_type,
            "destination": {"url": url, "method": "POST", "content_type": "application/json"},
        }
        if selector:
            body[callback_type] = selector
        resp = self.api.post("/config/callbacks", json=body)
        assert resp.status_code in (200, 201), resp.text
        result: dict[str, Any] = resp.json()
        return result

    def close(self) -> None:
        self.api.close()
        self.sim.close()


@pytest.fixture(scope="session")
def catapult_server() -> Iterator[RunningServer]:
    """A simulator served on 127.0.0.1 (a free port) for the whole session."""
    from simulator.app import create_app
    from simulator.settings import Settings
    from simulator.testing.server import serve_in_thread

    with serve_in_thread(create_app(Settings(retry_preset="fast") if _has_retry() else Settings())) as server:
        yield server


def _has_retry() -> bool:
    from simulator.settings import Settings

    return "retry_preset" in Settings.__dataclass_fields__


@pytest.fixture
def catapult(catapult_server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Catapult]:
    """A company of this test's own on the session's simulator (provisioned on first use)."""
    from simulator.testing.client import CatapultClient, SimClient

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    company = f"t-{worker}-{os.getpid()}-{next(_counter)}"
    handle = Catapult(
        catapult_server.url,
        company,
        CatapultClient(catapult_server.url, company),
        SimClient(catapult_server.url, company),
    )
    handle.sim.health()
    handle.sim.reset()  # provisions the company from the template
    try:
        yield handle
    finally:
        if handle.sim.clock().get("mode") == "manual":
            handle.sim.system_clock()
        handle.close()


@pytest.fixture
def callback_inbox() -> Iterator[CallbackInbox]:
    """A real HTTP receiver on 127.0.0.1 for callbacks; see :class:`simulator.testing.inbox.CallbackInbox`."""
    from simulator.testing.inbox import CallbackInbox

    with CallbackInbox() as inbox:
        yield inbox

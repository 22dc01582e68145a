"""The catapult-sim pytest plugin (registered through the ``pytest11`` entry point).

Fixtures (docs/pytest-plugin.md):

- ``catapult``: a :class:`~catapult_sim.testing.handle.Catapult` for this test — a company key of the
  test's own on a simulator shared by the session (one per xdist worker), so tests are isolated
  without a restart. ``catapult.api`` is a Catapult API client, ``catapult.sim`` the control client,
  and it has shortcuts: ``connect``, ``sign_up``, ``confirm``, ``stop``, ``advance``,
  ``assert_requested``...
- ``callback_inbox``: a real HTTP receiver on 127.0.0.1 that records callbacks and can be told to fail.
- ``catapult_server``: the session's running simulator (its ``url``).

Options: ``--catapult-retry-preset`` / ini ``catapult_retry_preset`` (default ``fast``) and
``--catapult-seed-file`` / ini ``catapult_seed_file`` for the simulator the fixtures start; for the
provider contract suite (``pytest --pyargs catapult_sim.testing.contract``): ``--catapult-target``,
``--catapult-company``, ``--catapult-user``, ``--catapult-password``, ``--catapult-allow-destructive``.

Importing this module imports nothing but pytest: the simulator loads when a fixture is first used.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from catapult_sim.testing.handle import Catapult
    from catapult_sim.testing.inbox import CallbackInbox
    from catapult_sim.testing.server import RunningServer

_counter = itertools.count(1)
# Company keys are unique per worker and per run, so two runs (or workers) sharing a simulator never
# meet: t-<worker>-<run>-<n>.
_RUN = uuid.uuid4().hex[:8]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("catapult", "catapult-sim fixtures and contract suites")
    group.addoption(
        "--catapult-retry-preset",
        default=None,
        help="callback retry preset of the simulator the fixtures start: fast (default), vibes or svix",
    )
    group.addoption("--catapult-seed-file", default=None, help="seed file for that simulator (JSON)")
    parser.addini("catapult_retry_preset", "callback retry preset of the fixtures' simulator", default="fast")
    parser.addini("catapult_seed_file", "seed file of the fixtures' simulator (relative to rootdir)")
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
    group.addoption("--catapult-password", default=os.environ.get("CATAPULT_PASSWORD"), help="Basic auth password")
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
    config.addinivalue_line("markers", "destructive: writes data (needs --catapult-allow-destructive off-simulator)")


def _seed_file(config: pytest.Config) -> str | None:
    given = config.getoption("--catapult-seed-file")
    if given:
        return str(given)
    ini = str(config.getini("catapult_seed_file") or "")
    return str(config.rootpath / Path(ini)) if ini else None


@pytest.fixture(scope="session")
def catapult_server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """A simulator served on 127.0.0.1 (a free port) for the whole session (per xdist worker)."""
    from catapult_sim.app import create_app
    from catapult_sim.settings import Settings
    from catapult_sim.testing.server import serve_in_thread

    config = request.config
    preset = config.getoption("--catapult-retry-preset") or str(config.getini("catapult_retry_preset"))
    try:
        # CATAPULT_SIM_CONTROL_TOKEN: the simulator requires it, and the kit's control client sends it.
        token = os.environ.get("CATAPULT_SIM_CONTROL_TOKEN") or None
        # auto_companies: every test gets a company of its own, made on first use, seed file or not.
        settings = Settings(retry_preset=preset, seed_file=_seed_file(config), control_token=token, auto_companies=True)
        app = create_app(settings)
    except ValueError as exc:  # a bad preset or seed file: say so once, without a traceback
        pytest.fail(f"catapult-sim could not start: {exc}", pytrace=False)
    with serve_in_thread(app) as server:
        yield server


@pytest.fixture(scope="session")
def _catapult_http(catapult_server: RunningServer) -> Iterator[httpx.Client]:
    """One connection pool for every test of the session: a new ``httpx.Client`` costs ~20 ms."""
    import httpx

    with httpx.Client(base_url=catapult_server.url, timeout=10.0) as client:
        yield client


@pytest.fixture(scope="session")
def _catapult_login(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The user name and password a company provisioned from the seed template gets."""
    from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME, load_seed

    template = load_seed(_seed_file(request.config)).get("template") or {}
    return str(template.get("username", DEMO_USERNAME)), str(template.get("password", DEMO_PASSWORD))


@pytest.fixture
def catapult(
    catapult_server: RunningServer, _catapult_http: httpx.Client, _catapult_login: tuple[str, str]
) -> Iterator[Catapult]:
    """A company of this test's own on the session's simulator (provisioned from the seed template)."""
    from catapult_sim.testing.handle import Catapult

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    user, password = _catapult_login
    company = f"t-{worker}-{_RUN}-{next(_counter)}"
    handle = Catapult(catapult_server.url, company, username=user, password=password, http=_catapult_http)
    handle.sim.reset()  # provisions the company from the template
    try:
        yield handle
    finally:
        # The clock is the server's, not the company's: give the next test a system clock again.
        if handle.changed_clock or handle.sim.clock().get("mode") == "manual":
            handle.sim.system_clock()
        handle.close()
    _fail_on_dispatcher_bugs(catapult_server, company)


def _fail_on_dispatcher_bugs(server: RunningServer, company: str) -> None:
    """Fail the test whose deliveries hit an unexpected exception in the simulator's dispatcher (a
    bug of the simulator, not of the test), as pytest-httpserver fails a test on handler errors."""
    sim = getattr(getattr(server.app, "state", None), "sim", None)
    if sim is None:
        return
    found = sim.callbacks.dispatcher.take_unexpected(company)
    if found:
        shown = "\n".join(f"{u.where}:\n{u.traceback}" for u in found)
        pytest.fail(
            f"the simulator's callback dispatcher failed unexpectedly during this test:\n{shown}", pytrace=False
        )


@pytest.fixture
def callback_inbox() -> Iterator[CallbackInbox]:
    """A real HTTP receiver on 127.0.0.1 for callbacks; see :class:`catapult_sim.testing.inbox.CallbackInbox`."""
    from catapult_sim.testing.inbox import CallbackInbox

    with CallbackInbox() as inbox:
        yield inbox

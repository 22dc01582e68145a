"""Shared fixtures: a fresh in-process simulator per test, with the lifespan running.

Every response an in-process TestClient gets during a test, and every callback the ``receiver``
fixture receives, is checked against its schema in ``catapult_sim/schemas`` (tests/conformance.py), so
a drift between the simulator and its schemas fails the test that shows it. A test that breaks
answers on purpose (an injected empty or truncated body) opts out with
``@pytest.mark.nonconforming("why")``.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from typing import Any

import conformance
import pytest
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.receiver import Answer, Received

NONCONFORMING = "nonconforming"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{NONCONFORMING}(reason): the test provokes answers or callbacks that break their schema on"
        " purpose, so they are not checked",
    )


def basic(user: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTH = {"Authorization": basic()}
V2 = {**AUTH, "X-API-Version": "2"}


def _checked(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker(NONCONFORMING) is None


@pytest.fixture(autouse=True)
def _conforming_answers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every TestClient made during the test checks each response it gets (conformance.attach)."""
    if not _checked(request):
        return
    original = TestClient.__init__

    def init(self: TestClient, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        conformance.attach(self)

    monkeypatch.setattr(TestClient, "__init__", init)


@pytest.fixture
def settings() -> Settings:
    """Override in a test module to change how the simulator starts."""
    return Settings(random_seed=1234)


PINNED_START = "2024-01-01T00:00:00Z"


def pinned(**changes: Any) -> Settings:
    """The default seed on a manual clock at PINNED_START, so ids and every date in a body come out
    the same on every run (the callback body tests compare them); ``changes`` sets more settings."""
    return Settings(random_seed=1234, clock="manual", start_time=PINNED_START, **changes)


@pytest.fixture
def client(settings: Settings, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A TestClient used as a context manager, so the app's lifespan runs; its responses are checked."""
    app = create_app(settings)
    with TestClient(app, headers=AUTH) as c:
        if _checked(request):
            conformance.attach(c)  # already done by _conforming_answers; explicit, and attach is idempotent
        yield c


@pytest.fixture
def sim(client: TestClient):  # type: ignore[no-untyped-def]
    """The Simulator behind ``client``."""
    return client.app.state.sim  # type: ignore[attr-defined]


def callback_problems(got: Received) -> list[str]:
    """Why a request the receiver got is not a valid callback body ([] when it is one)."""
    body = got.json
    if not isinstance(body, dict):
        return [f"{got.method} {got.path}: the body is not a JSON object: {got.body[:200]!r}"]
    name = f"callback-{body.get('callback_type')}"
    if name not in schemas.all_schemas():
        return [f"{got.method} {got.path}: no schema for callback_type {body.get('callback_type')!r}"]
    return [f"{got.method} {got.path} {name}: {p.message}" for p in schemas.problems(name, body)]


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[CallbackInbox]:
    """A real recording HTTP receiver on 127.0.0.1, port 0 (callback tests point registrations at it).

    Every body it receives must validate against its ``callback-<callback_type>`` schema; the test
    fails at teardown otherwise (the receiver still answers as scripted, so delivery is not disturbed).
    """
    found: list[str] = []
    lock = threading.Lock()

    def check(got: Received, answer: Answer) -> None:
        problems = callback_problems(got)
        if problems:
            with lock:
                found.extend(problems)

    with CallbackInbox(on_request=check if _checked(request) else None) as rx:
        yield rx
    assert found == [], "callbacks that break their schema:\n" + "\n".join(found[:20])

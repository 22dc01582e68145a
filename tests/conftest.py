"""Shared fixtures: a fresh in-process simulator per test, with the lifespan running."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.core.seed import DEMO_PASSWORD, DEMO_USERNAME
from simulator.delivery.receiver import Receiver
from simulator.settings import Settings


def basic(user: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTH = {"Authorization": basic()}
V2 = {**AUTH, "X-API-Version": "2"}


@pytest.fixture
def settings() -> Settings:
    """Override in a test module to change how the simulator starts."""
    return Settings(random_seed=1234)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient used as a context manager, so the app's lifespan runs."""
    app = create_app(settings)
    with TestClient(app, headers=AUTH) as c:
        yield c


@pytest.fixture
def sim(client: TestClient):  # type: ignore[no-untyped-def]
    """The Simulator behind ``client``."""
    return client.app.state.sim  # type: ignore[attr-defined]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real recording HTTP receiver on 127.0.0.1, port 0 (callback tests point registrations at it)."""
    with Receiver() as rx:
        yield rx

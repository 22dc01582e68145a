"""Fixtures of the provider suite: the target, API clients per version, the control client."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME
from catapult_sim.testing.client import TOKEN_ENV, CatapultClient, SimClient


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    company: str
    user: str
    password: str
    is_simulator: bool
    allow_destructive: bool


def _is_simulator(url: str) -> bool:
    try:
        token = os.environ.get(TOKEN_ENV)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = httpx.get(url.rstrip("/") + "/_sim/health", timeout=5.0, headers=headers)
        return resp.status_code == 200 and resp.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError):
        return False


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Where the suite points: ``--catapult-target`` or a simulator started for the session."""
    opt = request.config.getoption
    url = opt("--catapult-target")
    server = None
    if url is None:
        from catapult_sim.app import create_app
        from catapult_sim.settings import Settings
        from catapult_sim.testing.server import start_in_thread

        server = start_in_thread(create_app(Settings()))
        url = server.url
    is_sim = _is_simulator(url)
    company = opt("--catapult-company") or (f"contract-{uuid.uuid4().hex[:10]}" if is_sim else None)
    if company is None:
        pytest.exit("--catapult-company is required for a target that is not catapult-sim", returncode=4)
    yield Target(
        url.rstrip("/"),
        company,
        opt("--catapult-user") or DEMO_USERNAME,
        opt("--catapult-password") or DEMO_PASSWORD,
        is_sim,
        bool(opt("--catapult-allow-destructive")) or is_sim,
    )
    if server is not None:
        server.stop()


@pytest.fixture(autouse=True)
def _guard(request: pytest.FixtureRequest, target: Target) -> None:
    if request.node.get_closest_marker("simulator_only") and not target.is_simulator:
        pytest.skip("needs the catapult-sim control API")
    if request.node.get_closest_marker("destructive") and not target.allow_destructive:
        pytest.skip("writes data: pass --catapult-allow-destructive to run it against this target")


def _client(target: Target, version: int, **kw: Any) -> CatapultClient:
    return CatapultClient(
        target.url, target.company, username=target.user, password=target.password, version=version, **kw
    )


@pytest.fixture
def api(target: Target) -> Iterator[CatapultClient]:
    """The Catapult API with ``X-API-Version: 2`` (E.164)."""
    with _client(target, 2) as client:
        yield client


@pytest.fixture
def api_v1(target: Target) -> Iterator[CatapultClient]:
    """The Catapult API with ``X-API-Version: 1`` (national numbers)."""
    with _client(target, 1) as client:
        yield client


@pytest.fixture
def control(target: Target) -> Iterator[SimClient]:
    """The simulator's control API (only in ``simulator_only`` tests)."""
    client = SimClient(target.url, target.company)
    yield client
    client.close()


_rng = random.Random()


@pytest.fixture
def mdn() -> str:
    """A fresh US mobile number in E.164 (fictional 555 exchange), unique enough per run."""
    return f"+1{_rng.randint(201, 989)}555{_rng.randint(0, 9999):04d}"


@pytest.fixture
def ext_id() -> str:
    return f"contract-{uuid.uuid4().hex[:16]}"

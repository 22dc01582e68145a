"""Per-company rate limits (fact sheet §1.6): bursts counted on the simulator clock, 429 in the envelope."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.seed import SeedError
from catapult_sim.settings import Settings
from catapult_sim.surface.ratelimit import RateLimits

LISTS = "/companies/{}/mobiledb/subscription_lists"
MANUAL = {"clock": "manual", "start_time": "2024-06-01T12:00:00Z", "random_seed": 3}


def burst(client: TestClient, n: int, company: str = "demo") -> Counter[int]:
    return Counter(client.get(LISTS.format(company)).status_code for _ in range(n))


@pytest.fixture
def settings() -> Settings:
    return Settings(rate_limit=5, **MANUAL)  # type: ignore[arg-type]


def test_a_burst_gets_exactly_the_limit_then_429(client: TestClient) -> None:
    assert burst(client, 8) == Counter({200: 5, 429: 3})


def test_429_is_in_the_envelope_without_retry_after(client: TestClient) -> None:
    burst(client, 5)
    r = client.get(LISTS.format("demo"))
    assert r.status_code == 429
    assert "retry-after" not in r.headers  # Vibes documents none (fact sheet §1.6)
    (err,) = r.json()["errors"]
    assert err["code"] == 60 and "5 requests per second" in err["message"]
    throttled = client.get("/_sim/journal", params={"status": "429"}).json()["requests"]
    assert len(throttled) == 1 and throttled[0]["throttled"] is True
    assert throttled[0]["template"] == "/companies/{company_key}/mobiledb/subscription_lists"


def test_the_window_refills_when_the_clock_moves(client: TestClient) -> None:
    assert burst(client, 6) == Counter({200: 5, 429: 1})
    client.post("/_sim/clock/advance", json={"seconds": 0.5})
    assert burst(client, 1) == Counter({429: 1})
    client.post("/_sim/clock/advance", json={"seconds": 0.5})
    assert burst(client, 6) == Counter({200: 5, 429: 1})


def test_companies_have_their_own_budget(client: TestClient) -> None:
    assert burst(client, 6, "demo") == Counter({200: 5, 429: 1})
    assert burst(client, 6, "acme") == Counter({200: 5, 429: 1})


def test_control_calls_are_never_limited(client: TestClient) -> None:
    burst(client, 5)
    assert all(client.get("/_sim/health").status_code == 200 for _ in range(10))


def test_retry_after_is_opt_in() -> None:
    app = create_app(Settings(rate_limit=2, retry_after=True, **MANUAL))  # type: ignore[arg-type]
    with TestClient(app, headers=AUTH) as client:
        burst(client, 2)
        r = client.get(LISTS.format("demo"))
        assert r.status_code == 429 and r.headers["retry-after"] == "1"


def test_limits_are_off_by_default() -> None:
    app = create_app(Settings(**MANUAL))  # type: ignore[arg-type]
    with TestClient(app, headers=AUTH) as client:
        assert burst(client, 150) == Counter({200: 150})


def _seed(tmp_path: Path, **extra: Any) -> str:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"companies": [{"key": "acme", "rate_limit": 3}, {"key": "demo"}], **extra}))
    return str(path)


def test_a_company_limit_from_the_seed_file(tmp_path: Path) -> None:
    app = create_app(Settings(seed_file=_seed(tmp_path), **MANUAL))  # type: ignore[arg-type]
    with TestClient(app, headers=AUTH) as client:
        assert burst(client, 5, "acme") == Counter({200: 3, 429: 2})
        assert burst(client, 20, "demo") == Counter({200: 20})


def test_a_bad_seed_limit_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"companies": [{"key": "acme", "rate_limit": "fast"}]}))
    with pytest.raises(SeedError, match=r"\$\.companies\[0\]\.rate_limit"):  # the seed file's schema says so
        create_app(Settings(seed_file=str(path)))


def test_limits_change_at_runtime(client: TestClient) -> None:
    r = client.post("/_sim/rate-limits", json={"company": "acme", "limit": 1, "retry_after": True})
    assert r.status_code == 200
    assert r.json()["companies"]["acme"] == 1 and r.json()["default"] == 5 and r.json()["retry_after"] is True
    assert burst(client, 3, "acme") == Counter({200: 1, 429: 2})
    client.post("/_sim/rate-limits", json={"company": "demo", "limit": 0})
    assert burst(client, 10, "demo") == Counter({200: 10})
    client.post("/_sim/rate-limits", json={"limit": None})
    client.post("/_sim/rate-limits", json={"company": "acme", "limit": None})
    client.post("/_sim/clock/advance", json={"seconds": 1})
    assert burst(client, 10, "acme") == Counter({200: 10})
    assert client.get("/_sim/rate-limits").json()["default"] is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"limit": -1},
        {"limit": 2.5},
        {"limit": True},
        {"limit": 1, "company": ""},
        {"limit": 1, "burst": 3},
        {"limit": 1, "retry_after": "yes"},
    ],
)
def test_bad_limits_are_4xx_and_change_nothing(client: TestClient, body: dict[str, Any]) -> None:
    r = client.post("/_sim/rate-limits", json=body)
    assert 400 <= r.status_code < 500 and r.json()["errors"]
    assert client.get("/_sim/rate-limits").json()["default"] == 5


def test_the_sliding_window() -> None:
    limits = RateLimits(2, {"companies": []})
    assert [limits.admit("c", t) for t in (0.0, 0.4)] == [None, None]
    assert limits.admit("c", 0.9) == pytest.approx(0.1)
    assert limits.admit("c", 1.0) is None  # the request at 0.0 left the window
    assert limits.admit("c", 1.2) == pytest.approx(0.2)
    assert limits.admit("c", 0.5) is None  # the clock went back: the window starts afresh
    assert RateLimits.retry_after_header(0.2) == "1" and RateLimits.retry_after_header(1.5) == "2"


def test_the_template_limit_applies_to_every_company_without_its_own() -> None:
    companies = [
        {"key": "slow", "rate_limit": 1},
        {"key": "free", "rate_limit": 0},
        {"key": "std", "rate_limit": None},
    ]
    limits = RateLimits(100, {"template": {"rate_limit": 4}, "companies": companies})
    assert [limits.limit(c) for c in ("any", "slow", "free", "std")] == [4, 1, None, 100]
    assert RateLimits(None, {"companies": []}).enabled is False


def test_settings_from_the_environment_and_the_serve_flags() -> None:
    from catapult_sim.cli.main import build_parser

    env = Settings.from_env({"CATAPULT_SIM_RATE_LIMIT": "7", "CATAPULT_SIM_RETRY_AFTER": "yes"})
    assert (env.rate_limit, env.retry_after) == (7, True)
    parse = build_parser().parse_args
    assert parse(["serve", "--rate-limit"]).rate_limit == 100  # Vibes' documented limit
    assert parse(["serve", "--rate-limit", "3", "--retry-after"]).retry_after is True
    assert parse(["serve"]).rate_limit is None

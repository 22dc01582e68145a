"""--control-token: /_sim, pages and the control OpenAPI need ``Authorization: Bearer``; the Catapult
API keeps its own Basic credentials. Also: bare control POSTs change nothing, tenants are bounded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings

TOKEN = "s3cret-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def guarded() -> TestClient:
    return TestClient(create_app(Settings(random_seed=5, control_token=TOKEN)))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/_sim/health"), ("POST", "/_sim/faults"), ("POST", "/_sim/reset"), ("GET", "/_sim/companies/demo/state"),
     ("GET", "/ui"), ("GET", "/docs"), ("GET", "/_sim/nowhere")],
)  # fmt: skip
def test_control_and_pages_need_the_token(guarded: TestClient, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        r = guarded.request(method, path, headers=headers, json={"status": 503} if method == "POST" else None)
        assert r.status_code == 401 and r.json()["errors"][0]["code"] == 11, (path, headers)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert guarded.get("/_sim/faults", headers=BEARER).json()["faults"] == []  # nothing got through


def test_the_inspector_checks_the_token_itself(guarded: TestClient) -> None:
    r = guarded.get("/_sim/ui/", headers={"accept": "application/json"}, follow_redirects=False)
    assert r.status_code in (303, 401)  # its own guard: a login page for browsers, 401 otherwise
    assert guarded.get("/_sim/ui/", headers=BEARER).status_code == 200


def test_with_the_token_control_works(guarded: TestClient) -> None:
    assert guarded.get("/_sim/health", headers=BEARER).status_code == 200
    assert guarded.post("/_sim/reset", headers=BEARER, json={}).status_code == 200


def test_the_catapult_api_keeps_basic_auth(guarded: TestClient) -> None:
    assert guarded.get("/companies/demo/mobiledb/subscription_lists", headers=AUTH).status_code == 200
    assert guarded.get("/companies/demo/mobiledb/subscription_lists").status_code == 401


def test_the_openapi_shows_its_control_part_only_with_the_token(guarded: TestClient) -> None:
    public = guarded.get("/openapi.json").json()["paths"]
    full = guarded.get("/openapi.json", headers=BEARER).json()["paths"]
    assert public and not [p for p in public if p.startswith("/_sim")]
    assert [p for p in full if p.startswith("/_sim")] and set(public) < set(full)


def test_without_a_token_nothing_changes(client: TestClient) -> None:
    assert client.get("/_sim/health").status_code == 200
    assert any(p.startswith("/_sim") for p in client.get("/openapi.json").json()["paths"])


@pytest.mark.parametrize(
    "path", ["/_sim/reset", "/_sim/companies/demo/reset", "/_sim/companies/demo/lists/1001/archive",
             "/_sim/deliveries/1/replay", "/_sim/deliveries/replay-failed"],
)  # fmt: skip
def test_a_bare_control_post_changes_nothing(client: TestClient, path: str) -> None:
    client.post("/companies/demo/mobiledb/persons", json={"external_person_id": "KEEP"})
    assert client.post(path).status_code == 400  # no body: no state change
    callback = {"event_id": "X", "callback_type": "person_added", "person": {}}  # what a callback would send
    assert client.post(path, json=callback).status_code == 422
    assert client.get("/companies/demo/mobiledb/persons/external/KEEP").status_code == 200
    assert client.get("/companies/demo/mobiledb/subscription_lists/1001").json().get("archived") in (None, False)


def test_new_companies_are_capped() -> None:
    with TestClient(create_app(Settings(max_companies=2))) as client:
        for key in ("one", "two"):
            assert client.get(f"/companies/{key}/mobiledb/subscription_lists", headers=AUTH).status_code == 200
        r = client.get("/companies/three/mobiledb/subscription_lists", headers=AUTH)
        assert r.status_code == 401 and r.json()["errors"][0]["code"] == 12 and "--max-companies" in r.text
        assert client.get("/companies/demo/mobiledb/subscription_lists", headers=AUTH).status_code == 200  # seeded
        assert [c["key"] for c in client.get("/_sim/companies").json()] == ["demo", "one", "two"]


def test_a_seed_that_names_companies_refuses_other_keys(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"companies": [{"key": "acme"}]}))
    with TestClient(create_app(Settings(seed_file=str(seed)))) as client:
        assert client.get("/companies/acme/mobiledb/subscription_lists", headers=AUTH).status_code == 200
        assert client.get("/companies/other/mobiledb/subscription_lists", headers=AUTH).status_code == 401
    with TestClient(create_app(Settings(seed_file=str(seed), auto_companies=True))) as client:
        assert client.get("/companies/other/mobiledb/subscription_lists", headers=AUTH).status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_serving_beyond_loopback_without_a_token_exits_2(host: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--host", host],
        capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 2 and "--control-token" in done.stderr and done.stderr.count("\n") == 1

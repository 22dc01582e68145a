"""HTTP Basic auth, company isolation and auto-provisioning (fact sheet §1.2, docs/fidelity.md)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AUTH, basic
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings

ACME = {"Authorization": basic("acme-user", "acme-pass")}


def companies(client: TestClient) -> list[str]:
    return [c["key"] for c in client.get("/_sim/companies").json()]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The demo company plus 'acme' with credentials of its own."""
    seed = tmp_path / "seed.json"
    companies = [{"key": "demo"}, {"key": "acme", "username": "acme-user", "password": "acme-pass"}]
    seed.write_text(json.dumps({"companies": companies}))
    return Settings(random_seed=3, seed_file=str(seed), auto_companies=True)  # unknown keys made on first use


def assert_401(resp: object) -> None:
    assert resp.status_code == 401  # type: ignore[attr-defined]
    assert resp.headers["WWW-Authenticate"].startswith("Basic")  # type: ignore[attr-defined]
    assert resp.json()["errors"][0]["code"] == 10  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer abc",
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        basic("VibesUser", "wrong"),
        basic("someone", "Password123"),
    ],
)
def test_missing_or_wrong_credentials_are_401(client: TestClient, header: str) -> None:
    headers = {"Authorization": header}  # replaces the client's default (demo) credentials
    r = client.post("/companies/demo/mobiledb/persons", json={"external_person_id": "x"}, headers=headers)
    assert_401(r)
    assert client.get("/_sim/companies/demo/state").json()["persons"] == []


def test_request_without_any_authorization_header(settings: Settings) -> None:
    with TestClient(create_app(settings)) as bare:
        r = bare.post("/companies/demo/mobiledb/persons", json={"external_person_id": "x"})
        assert "authorization" not in r.request.headers
        assert_401(r)
        assert bare.get("/_sim/companies/demo/state").json()["persons"] == []


def test_demo_credentials_are_documented_ones(client: TestClient) -> None:
    # fact sheet §1.2: the docs' example is VibesUser / Password123 -> this exact header
    r = client.get(
        "/companies/demo/mobiledb/subscription_lists",
        headers={"Authorization": "Basic VmliZXNVc2VyOlBhc3N3b3JkMTIz"},
    )
    assert r.status_code == 200


def test_each_company_has_its_own_credentials(client: TestClient) -> None:
    assert client.get("/companies/acme/mobiledb/subscription_lists", headers=ACME).status_code == 200
    assert_401(client.get("/companies/acme/mobiledb/subscription_lists"))  # demo's credentials
    assert_401(client.get("/companies/demo/mobiledb/subscription_lists", headers=ACME))


def test_another_companys_credentials_provision_nothing(client: TestClient) -> None:
    before = companies(client)
    assert_401(client.post("/companies/newco/mobiledb/persons", json={"external_person_id": "x"}, headers=ACME))
    assert companies(client) == before


def test_unknown_company_is_provisioned_on_first_use(client: TestClient) -> None:
    assert "ci-job-17" not in companies(client)
    r = client.post("/companies/ci-job-17/mobiledb/persons", json={"external_person_id": "x"})
    assert r.status_code == 201
    assert r.json()["url"].startswith("/companies/ci-job-17/")
    assert "ci-job-17" in companies(client)
    lists = client.get("/companies/ci-job-17/mobiledb/subscription_lists").json()
    assert [x["id"] for x in lists] == ["1001", "1002", "1003"]  # from the demo template


def test_wrong_password_does_not_provision(client: TestClient) -> None:
    before = companies(client)
    assert_401(client.get("/companies/newco/mobiledb/subscription_lists", headers={"Authorization": basic("a", "b")}))
    assert companies(client) == before


def test_companies_are_isolated(client: TestClient) -> None:
    ada = client.post("/companies/job-a/mobiledb/persons", json={"external_person_id": "CRM-1"}).json()
    key = ada["person_key"]
    assert client.get(f"/companies/job-b/mobiledb/persons/{key}").status_code == 404
    assert client.get("/companies/job-b/mobiledb/persons/external/CRM-1").status_code == 404
    r = client.post("/companies/job-b/mobiledb/persons", json={"external_person_id": "CRM-1"})
    assert r.status_code == 201 and r.json()["person_key"] != key  # the same external id, another company
    assert [p["person_key"] for p in client.get("/_sim/companies/job-a/state").json()["persons"]] == [key]


def test_reset_of_one_company_keeps_the_others(client: TestClient) -> None:
    client.post("/companies/job-a/mobiledb/persons", json={"external_person_id": "CRM-1"})
    client.post("/companies/job-b/mobiledb/persons", json={"external_person_id": "CRM-1"})
    client.post("/_sim/companies/job-a/reset", json={})
    assert client.get("/_sim/companies/job-a/state").json()["persons"] == []
    assert len(client.get("/_sim/companies/job-b/state").json()["persons"]) == 1


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.replace(strict_companies=True)), headers=AUTH) as c:
        yield c


def test_strict_companies_refuses_unknown_keys(strict: TestClient) -> None:
    assert_401(strict.get("/companies/newco/mobiledb/subscription_lists"))
    assert strict.get("/_sim/companies/newco/state").status_code == 404
    assert "newco" not in companies(strict)
    assert strict.get("/companies/demo/mobiledb/subscription_lists").status_code == 200
    assert strict.get("/companies/acme/mobiledb/subscription_lists", headers=ACME).status_code == 200

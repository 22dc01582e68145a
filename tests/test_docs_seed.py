"""docs/examples/seed.json: the simulator starts with it and behaves as docs/seed.md says."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import basic
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "seed.json"
ACME = {"Authorization": basic("acme-api", "acme-secret")}
TEMPLATE = {"Authorization": basic("ci-user", "ci-secret")}


@pytest.fixture
def settings() -> Settings:
    # A manual clock inside the AcmeHoliday window's year, before the window opens.
    return Settings(
        seed_file=str(EXAMPLE), clock="manual", start_time="2030-06-01T00:00:00Z", random_seed=7, auto_companies=True
    )


@pytest.fixture
def acme(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=ACME) as c:
        yield c


def test_the_example_is_valid_json_naming_its_companies() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert [c["key"] for c in data["companies"]] == ["acme", "acme-staging"]


def test_seeded_companies_exist_at_start(acme: TestClient) -> None:
    companies = acme.get("/_sim/companies").json()
    assert companies == [
        {"key": "acme", "username": "acme-api"},
        {"key": "acme-staging", "username": "ci-user"},  # username from the template
    ]


def test_a_company_gets_its_own_lists_and_campaigns(acme: TestClient) -> None:
    lists = acme.get("/companies/acme/mobiledb/subscription_lists").json()
    assert [x["id"] for x in lists] == ["5001", "5002", "5003"]
    active = acme.get("/companies/acme/campaigns/acquisition").json()
    assert sorted(c["acquisition_id"] for c in active) == ["AcmeDeals", "AcmeNews"]
    holiday = acme.get("/companies/acme/campaigns/acquisition/AcmeHoliday").json()
    assert holiday["status"] == "scheduled"


def test_a_company_answers_only_its_own_credentials(acme: TestClient) -> None:
    assert acme.get("/companies/acme/mobiledb/subscription_lists", headers=TEMPLATE).status_code == 401
    demo = {"Authorization": basic()}
    assert acme.get("/companies/acme/mobiledb/subscription_lists", headers=demo).status_code == 401


def test_a_company_that_names_only_a_password_takes_the_rest_from_the_template(acme: TestClient) -> None:
    staging = {"Authorization": basic("ci-user", "staging-secret")}
    lists = acme.get("/companies/acme-staging/mobiledb/subscription_lists", headers=staging)
    assert [x["id"] for x in lists.json()] == ["2001"]


def test_an_unknown_key_is_provisioned_from_the_template(acme: TestClient) -> None:
    r = acme.get("/companies/ci-job-7/mobiledb/subscription_lists", headers=TEMPLATE)
    assert r.status_code == 200
    assert [x["id"] for x in r.json()] == ["2001"]
    # The demo company is not in this seed: its credentials are not the template's.
    assert (
        acme.get("/companies/demo/mobiledb/subscription_lists", headers={"Authorization": basic()}).status_code == 401
    )


def test_custom_field_definitions_and_select_options(acme: TestClient) -> None:
    body = {
        "mobile_phone": {"mdn": "3105551234"},
        "custom_fields": {"tier": "gold", "interests": ["shoes", "bags"], "birthdate": "1990-04-01"},
    }
    r = acme.post("/companies/acme/mobiledb/persons", json=body)
    assert r.status_code == 201, r.text
    fields = r.json()["custom_fields"]
    assert fields["tier"] == {"id": "77", "name": "Gold Member", "option_key": "gold", "active": True}
    assert [o["option_key"] for o in fields["interests"]] == ["shoes", "bags"]
    unknown = acme.post("/companies/acme/mobiledb/persons", json={"custom_fields": {"nickname": "x"}})
    assert unknown.status_code == 422


def test_double_opt_in_campaign_and_its_confirmation_window(acme: TestClient) -> None:
    r = acme.post(
        "/companies/acme/campaigns/acquisition/AcmeDeals/participants",
        json={"mobile_phone": {"mdn": "3105550111"}},
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "PENDING"
    assert r.json()["expire_date"] == "2030-06-01T02:00:00Z"  # confirm_hours: 2


def test_seeded_landlines_cannot_sign_up(acme: TestClient) -> None:
    r = acme.post(
        "/companies/acme/campaigns/acquisition/AcmeNews/participants",
        json={"mobile_phone": {"mdn": "3105550100"}},
    )
    assert r.status_code == 422


@pytest.mark.slow
def test_catapult_sim_serve_starts_with_the_example() -> None:
    argv = [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--seed-file", str(EXAMPLE)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "listening on http://" in line, line
            url = line.split("listening on ", 1)[1].strip()
            companies = httpx.get(url + "/_sim/companies", timeout=10).json()
            assert [c["key"] for c in companies] == ["acme", "acme-staging"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)

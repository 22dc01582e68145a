"""The Overview page links each company's two extract files, and the link hands out the very file the
control API builds (same bytes, Vibes' file name), or the control API's own error."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from catapult_sim.settings import Settings

UI = "/_sim/ui"


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=7, clock="manual", start_time="2024-03-01T09:00:00Z")


def test_the_overview_links_both_extracts_of_each_company(client: TestClient) -> None:
    page = client.get(UI + "/").text
    links = set(re.findall(r'href="(/_sim/ui/extracts/[^"]+)"', page))
    assert {f"{UI}/extracts/demo/subscriptions", f"{UI}/extracts/demo/current_subscribers"} <= links


@pytest.mark.parametrize("kind", ["subscriptions", "current_subscribers"])
def test_a_download_is_the_control_apis_file(client: TestClient, kind: str) -> None:
    person = {"external_person_id": "CRM-9", "mobile_phone": {"mdn": "2135551234"}}
    assert client.post("/companies/demo/mobiledb/persons", json=person, auth=("VibesUser", "Password123")).is_success
    r = client.post(
        "/companies/demo/campaigns/acquisition/DemoSOI1/participants",
        json={"mobile_phone": {"mdn": "2135551234"}},
        auth=("VibesUser", "Password123"),
    )
    assert r.status_code == 201, r.text
    # the day of the sign-up's opt-in; the subscribers as of the next midnight
    day = {"subscriptions": "2024-03-01", "current_subscribers": "2024-03-02"}[kind]
    made = client.get(f"/_sim/companies/demo/extracts/{kind}", params={"date": day}).json()
    got = client.get(f"{UI}/extracts/demo/{kind}", params={"date": day})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/tab-separated-values")
    assert got.headers["content-disposition"] == f'attachment; filename="{made["file_name"]}"'
    assert got.content.decode("utf-8") == made["content"]
    assert made["rows"] == 1 and "2135551234" in made["content"]


def test_a_bad_download_is_the_control_apis_answer(client: TestClient) -> None:
    r = client.get(f"{UI}/extracts/demo/everything")
    assert r.status_code == 404 and r.json()["errors"][0]["message"].startswith("no extract")
    r = client.get(f"{UI}/extracts/demo/subscriptions", params={"date": "yesterday"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["errors"][0]["message"]

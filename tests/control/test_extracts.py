"""The daily extracts through /_sim, checked against an independent reading of Vibes' column tables.

The expected headers below are typed from the "Subscription Extract" and "Current Subscriber Extract"
pages of Vibes' developer platform (their field tables, top to bottom), not from the code.
"""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from catapult_sim.settings import Settings
from tests.conftest import V2

SIM = "/_sim/companies/demo"
# Subscription Extract field table, in order (developer-platform.vibes.com/docs/subscription-extract).
SUBSCRIPTION_HEADER = (
    "person_id\texternal_person_id\tmdn\tcompany_id\tcarrier_code\tsubscription_list_id\tsubscription_list_name"
    "\topt_in_date\topt_out_date\tsubscription_event\topt_out_reason\tactivity_description\tactivity_id"
)
# Current Subscriber Extract field table, in order (developer-platform.vibes.com/docs/current-subscriber-extract).
CURRENT_HEADER = "mdn\tperson_id\texternal_person_id\tcarrier_code\tmdn_e164_format\tcountry_code\tsubscription_list_id"
# "2017-04-05 14:30:00 -0600" is the documented date form.
DATE_FORM = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}")


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=1234, clock="manual", start_time="2024-03-01T09:00:00Z")


def advance(client: TestClient, to: str) -> None:
    assert client.post("/_sim/clock", json={"mode": "manual", "now": to}).status_code == 200


def extract(client: TestClient, kind: str, day: str) -> tuple[list[list[str]], str]:
    r = client.get(f"{SIM}/extracts/{kind}", params={"date": day})
    assert r.status_code == 200, r.text
    made = r.json()
    text, name = made["content"], made["file_name"]
    assert text.endswith("\n") and "\r" not in text
    rows = [line.split("\t") for line in text.split("\n")[:-1]]
    assert made["rows"] == len(rows) - 1 and made["date"] == day
    return rows, name


def sign_up(client: TestClient, mdn: str, external: str, campaign: str = "DemoSOI1") -> str:
    person = {"external_person_id": external, "mobile_phone": {"mdn": mdn, "carrier_code": "104"}}
    assert client.post("/companies/demo/mobiledb/persons", json=person, headers=V2).status_code == 201
    body = {"external_person_id": external, "mobile_phone": {"mdn": mdn}}
    r = client.post(f"/companies/demo/campaigns/acquisition/{campaign}/participants", json=body, headers=V2)
    assert r.status_code == 201, r.text
    key: str = r.json()["person"]["person_key"]
    return key


def test_the_subscription_extract_lists_the_days_opt_ins_and_opt_outs(client: TestClient) -> None:
    ada = sign_up(client, "+12135551234", "CRM-1")
    bob = sign_up(client, "+447700900123", "CRM-2")
    advance(client, "2024-03-01T18:30:00Z")
    assert client.delete(f"/companies/demo/mobiledb/persons/{bob}/subscriptions/1001").status_code == 200
    advance(client, "2024-03-02T08:00:00Z")
    assert client.delete(f"/companies/demo/mobiledb/persons/{ada}/subscriptions/1001").status_code == 200

    rows, name = extract(client, "subscriptions", "2024-03-01")
    assert name == "subscriptions_demo_2024-03-01.txt"  # subscriptions_<company_key>_<date>.<extension>
    assert "\t".join(rows[0]) == SUBSCRIPTION_HEADER
    data = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [(d["person_id"], d["subscription_event"]) for d in data] == [
        (ada, "OPT_IN"), (bob, "OPT_IN"), (bob, "OPT_OUT"),
    ]  # fmt: skip
    first, _, out = data
    assert first["opt_in_date"] == "2024-03-01 09:00:00 +0000" and DATE_FORM.fullmatch(first["opt_in_date"])
    assert first["opt_out_date"] == "" and first["opt_out_reason"] == ""
    assert first["mdn"] == "+12135551234" and first["company_id"] == "demo" and first["carrier_code"] == "104"
    assert first["external_person_id"] == "CRM-1"
    assert first["subscription_list_id"] == "1001" and first["subscription_list_name"] == "Demo Newsletter"
    assert first["activity_id"] == "DemoSOI1" and first["activity_description"]
    assert out["opt_out_date"] == "2024-03-01 18:30:00 +0000"
    assert out["opt_out_reason"] == "API_OPT_OUT"  # upper case, as the current page lists the reasons
    assert out["mdn"] == "+447700900123"  # E.164 in this extract

    next_day, name = extract(client, "subscriptions", "2024-03-02")
    assert name == "subscriptions_demo_2024-03-02.txt"
    assert [(r[0], r[9]) for r in next_day[1:]] == [(ada, "OPT_OUT")]
    empty, _ = extract(client, "subscriptions", "2024-02-29")
    assert "\t".join(empty[0]) == SUBSCRIPTION_HEADER and len(empty) == 1  # the header row even when empty


def test_the_current_subscriber_extract_is_the_state_at_midnight(client: TestClient) -> None:
    ada = sign_up(client, "+12135551234", "CRM-1")
    bob = sign_up(client, "+447700900123", "CRM-2")
    advance(client, "2024-03-02T10:00:00Z")
    assert client.delete(f"/companies/demo/mobiledb/persons/{bob}/subscriptions/1001").status_code == 200

    before, name = extract(client, "current_subscribers", "2024-03-01")
    assert name == "current_subscribers_demo_2024-03-01.txt"
    assert "\t".join(before[0]) == CURRENT_HEADER and len(before) == 1  # nobody yet at midnight of the 1st

    rows, name = extract(client, "current-subscribers", "2024-03-02")
    assert name == "current_subscribers_demo_2024-03-02.txt"
    data = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert {d["person_id"] for d in data} == {ada, bob}  # bob's opt-out came after midnight
    uk = next(d for d in data if d["person_id"] == bob)
    assert uk["mdn"] == "7700900123" and uk["mdn_e164_format"] == "+447700900123" and uk["country_code"] == "44"
    us = next(d for d in data if d["person_id"] == ada)
    assert us["mdn"] == "2135551234" and us["country_code"] == "1" and us["external_person_id"] == "CRM-1"
    assert us["carrier_code"] == "104" and us["subscription_list_id"] == "1001"

    after, _ = extract(client, "current_subscribers", "2024-03-03")
    assert [r[1] for r in after[1:]] == [ada]


def test_the_day_defaults_to_the_simulator_clock(client: TestClient) -> None:
    r = client.get(f"{SIM}/extracts/subscriptions")
    assert r.status_code == 200 and r.json()["file_name"] == "subscriptions_demo_2024-03-01.txt"


@pytest.mark.parametrize("bad", ["2024-3-1", "yesterday", "2024-02-30", "2024-03-01T00:00:00Z"])
def test_a_bad_date_is_400(client: TestClient, bad: str) -> None:
    r = client.get(f"{SIM}/extracts/subscriptions", params={"date": bad})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["errors"][0]["message"]


def test_an_unknown_extract_is_404(client: TestClient) -> None:
    r = client.get(f"{SIM}/extracts/persons")
    assert r.status_code == 404 and r.json()["errors"][0]["message"].startswith("no extract")


def test_text_that_would_break_the_columns_is_flattened(client: TestClient) -> None:
    assert client.post(f"{SIM}/lists", json={"id": "1004", "name": "Spring\tSale"}).status_code == 201
    assert client.post(f"{SIM}/opt-in", json={"mdn": "+12135551234", "list_id": "1004"}).status_code == 200
    rows, _ = extract(client, "subscriptions", "2024-03-01")
    assert len(rows) == 2 and all(len(r) == 13 for r in rows)
    assert rows[1][6] == "Spring Sale"

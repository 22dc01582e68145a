"""The looked-up carrier through the platform-side write paths, the extracts, the dumps, the inspector
and the seed (core/carriers.py; docs/fidelity.md, "carrier_code the CRM never sent")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.carriers import looked_up
from catapult_sim.core.seed import SeedError, load_seed
from catapult_sim.settings import Settings
from tests.conftest import AUTH, V2

P = "/companies/demo/mobiledb/persons"
SIM = "/_sim/companies/demo"
UI = "/_sim/ui"
DAY = "2024-03-01"
MDN, SENT_MDN = "+12135551234", "+19175550123"


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=1234, clock="manual", start_time=f"{DAY}T09:00:00Z")


def carrier_of(client: TestClient, mdn: str) -> Any:
    """The carrier_code GET by MDN answers with (None when it shows none)."""
    r = client.get(P, params={"mdn": mdn}, headers=V2)
    assert r.status_code == 200, r.text
    return r.json().get("mobile_phone", {}).get("carrier_code")


def record(client: TestClient, mdn: str) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"{SIM}/person", params={"mdn": mdn}).json()
    return found


def test_a_campaign_sign_up_creates_a_person_with_a_looked_up_carrier(client: TestClient) -> None:
    r = client.post("/companies/demo/campaigns/acquisition/DemoSOI1/participants", json={"mobile_phone": {"mdn": MDN}},
                    headers=V2)  # fmt: skip
    assert r.status_code == 201, r.text
    assert carrier_of(client, MDN) == looked_up(MDN)
    assert record(client, MDN)["person"]["carrier_code"] is None and record(client, MDN)["carrier_lookup"] == "102"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/sms/keyword", {"mdn": MDN, "keyword": "JOIN"}), ("/opt-in", {"mdn": MDN, "list_id": "1001"})],
)
def test_the_platform_side_creates_persons_with_a_looked_up_carrier(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    assert client.post(SIM + path, json=body).status_code == 200
    assert carrier_of(client, MDN) == looked_up(MDN)


def test_the_opt_out_import_creates_nobody_and_keeps_the_stored_carrier(client: TestClient) -> None:
    assert client.post(f"{SIM}/opt-in", json={"mdn": MDN, "list_id": "1001"}).status_code == 200
    text = f"Subscription-List-ID: 1001\nFields: mdn\n\n{MDN}\n+12135550177\n"
    r = client.post(f"{SIM}/imports/opt-outs", content=text.encode(), headers={"Content-Type": "text/plain"})
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "unknown_person"]
    assert client.get(P, params={"mdn": "+12135550177"}, headers=V2).status_code == 404  # nobody made
    assert record(client, MDN)["person"]["carrier_code"] is None
    assert carrier_of(client, MDN) == looked_up(MDN)


def rows(client: TestClient, kind: str, day: str = DAY) -> list[dict[str, str]]:
    text = client.get(f"{SIM}/extracts/{kind}", params={"date": day}).json()["content"]
    header, *lines = [line.split("\t") for line in text.splitlines()]
    return [dict(zip(header, line, strict=True)) for line in lines]


def sign_up_two(client: TestClient) -> None:
    """One person whose carrier the CRM never sent, one whose carrier it sent; both subscribed today."""
    for mdn, phone in ((MDN, {"mdn": MDN}), (SENT_MDN, {"mdn": SENT_MDN, "carrier_code": "383"})):
        assert client.post(P, json={"mobile_phone": phone}, headers=V2).status_code == 201
        assert client.post(f"{SIM}/opt-in", json={"mdn": mdn, "list_id": "1001"}).status_code == 200


def test_both_extracts_fill_the_carrier_code_column(client: TestClient) -> None:
    sign_up_two(client)
    subs = {r["mdn"]: r["carrier_code"] for r in rows(client, "subscriptions")}
    assert subs == {MDN: looked_up(MDN), SENT_MDN: "383"}
    # Active as of midnight of the next day (the Current Subscriber Extract's moment).
    current = {r["mdn_e164_format"]: r["carrier_code"] for r in rows(client, "current_subscribers", "2024-03-02")}
    assert current == {MDN: looked_up(MDN), SENT_MDN: "383"}


def test_with_the_lookup_off_the_extracts_leave_the_column_empty_unless_sent() -> None:
    settings = Settings(random_seed=1234, clock="manual", start_time=f"{DAY}T09:00:00Z", carrier_lookup="off")
    with TestClient(create_app(settings), headers=AUTH) as client:
        sign_up_two(client)
        assert {r["mdn"]: r["carrier_code"] for r in rows(client, "subscriptions")} == {MDN: "", SENT_MDN: "383"}


def test_the_state_dump_and_the_inspector_show_the_reported_carrier(client: TestClient) -> None:
    key = client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()["person_key"]
    dump = client.get(f"{SIM}/state").json()
    assert [p["mobile_phone"]["carrier_code"] for p in dump["persons"]] == [looked_up(MDN)]
    page = client.get(f"{UI}/persons/demo/{key}")
    assert page.status_code == 200
    assert (
        f"&#34;carrier_code&#34;: &#34;{looked_up(MDN)}&#34;" in page.text
        or f'"carrier_code": "{looked_up(MDN)}"' in page.text
    )


def seeded(tmp_path: Path, companies: list[dict[str, Any]], **extra: Any) -> Settings:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"companies": companies}))
    return Settings(random_seed=1234, seed_file=str(path), **extra)


def test_the_seed_pins_codes_by_number_and_prefix(tmp_path: Path) -> None:
    pins = {"+1917": "383", SENT_MDN: "104", "+44": "77"}
    with TestClient(create_app(seeded(tmp_path, [{"key": "demo", "carrier_codes": pins}])), headers=AUTH) as client:
        for mdn in (SENT_MDN, "+19175550999", "+447700900123", MDN):
            assert client.post(P, json={"mobile_phone": {"mdn": mdn}}, headers=V2).status_code == 201
        assert [carrier_of(client, m) for m in (SENT_MDN, "+19175550999", "+447700900123", MDN)] == [
            "104", "383", "77", looked_up(MDN),
        ]  # fmt: skip


def test_a_company_of_the_seed_turns_the_lookup_off_or_on(tmp_path: Path) -> None:
    companies = [{"key": "demo"}, {"key": "quiet", "carrier_lookup": False}]
    with TestClient(create_app(seeded(tmp_path, companies)), headers=AUTH) as client:
        assert client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()["mobile_phone"] == {
            "mdn": MDN, "carrier_code": looked_up(MDN),
        }  # fmt: skip
        quiet = client.post("/companies/quiet/mobiledb/persons", json={"mobile_phone": {"mdn": MDN}}, headers=V2)
        assert quiet.json()["mobile_phone"] == {"mdn": MDN}
    on = [{"key": "demo", "carrier_lookup": True}]
    with TestClient(create_app(seeded(tmp_path, on, carrier_lookup="off")), headers=AUTH) as client:
        assert client.post(P, json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()["mobile_phone"]["carrier_code"]


@pytest.mark.parametrize(
    ("spec", "where"),
    [({"carrier_codes": {"1213": "104"}}, "$.companies[0].carrier_codes"),
     ({"carrier_codes": {"+1213": ""}}, "$.companies[0].carrier_codes.+1213"),
     ({"carrier_lookup": "off"}, "$.companies[0].carrier_lookup")],
)  # fmt: skip
def test_a_bad_carrier_table_in_the_seed_is_refused(tmp_path: Path, spec: dict[str, Any], where: str) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"companies": [{"key": "demo", **spec}]}))
    with pytest.raises(SeedError) as err:
        load_seed(str(path))
    assert any(p.startswith(where) for p in err.value.problems), err.value.problems

"""The Subscriber Opt-Out Import through /_sim: documented layout, bulk_opt_out, per-row results."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import V2

SIM = "/_sim/companies/demo"
IMPORT = f"{SIM}/imports/opt-outs"


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=1234, clock="manual", start_time="2024-03-01T09:00:00Z")


def sign_up(client: TestClient, mdn: str, external: str) -> str:
    body = {"external_person_id": external, "mobile_phone": {"mdn": mdn}}
    r = client.post("/companies/demo/campaigns/acquisition/DemoSOI1/participants", json=body, headers=V2)
    assert r.status_code == 201, r.text
    key: str = r.json()["person"]["person_key"]
    return key


def send(client: TestClient, text: str | bytes) -> Any:
    raw = text.encode() if isinstance(text, str) else text
    return client.post(IMPORT, content=raw, headers={"Content-Type": "text/plain"})


def state(client: TestClient) -> dict[str, Any]:
    dump: dict[str, Any] = client.get(f"{SIM}/state").json()
    dump.pop("now")
    return dump


def active(client: TestClient, key: str) -> list[str]:
    subs = client.get(f"/companies/demo/mobiledb/persons/{key}/subscriptions", headers=V2).json()
    return [s["subscription_list"]["id"] for s in subs]


def test_headers_and_rows_opt_people_out_with_bulk_opt_out(client: TestClient, receiver: CallbackInbox) -> None:
    reg = {"callback_type": "subscription_removed", "subscription_removed": {"list_id": "1001"},
           "destination": {"url": receiver.url}}  # fmt: skip
    assert client.post("/companies/demo/config/callbacks", json=reg, headers=V2).status_code == 201
    ada = sign_up(client, "+12135551234", "CRM-1")
    bob = sign_up(client, "+447700900123", "CRM-2")
    cat = sign_up(client, "+12135559876", "CRM-3")
    text = (
        "Content-Type: TEXT\n"
        "Subscription-List-ID: 1001\n"
        "Fields: external_person_id,mdn,person_key\n"  # comma-separated whatever the delimiter
        "Delimiter: |\n"
        "\n"
        "CRM-1||\n"
        "|+447700900123|\n"
        "||" + cat + "\n"
        "CRM-404||\n"
        "CRM-1||\n"
        "a|b\n"
    )
    r = send(client, text)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [(x["line"], x["status"]) for x in out["results"]] == [
        (6, "accepted"), (7, "accepted"), (8, "accepted"), (9, "unknown_person"), (10, "not_subscribed"),
        (11, "malformed"),
    ]  # fmt: skip
    assert out["accepted"] == 3 and out["rows"] == 6 and out["events"] == 3
    for key in (ada, bob, cat):
        assert active(client, key) == []
    removed = [got.json for got in receiver.wait_requests(3)]
    assert {b["subscription"]["opt_out_reason"] for b in removed} == {"bulk_opt_out"}
    assert {b["subscription"]["person"]["person_key"] for b in removed} == {ada, bob, cat}


def test_first_row_field_names_default_comma_and_the_rows_list_wins(client: TestClient) -> None:
    ada = sign_up(client, "+12135551234", "CRM-1")
    assert client.post(f"{SIM}/opt-in", json={"person_key": ada, "list_id": "1002"}).status_code == 200
    text = "Subscription-List-ID: 1001\n\nperson_key,subscription_list_id\n" + ada + ",1002\n"
    out = send(client, text).json()
    assert [(x["status"], x["subscription_list_id"]) for x in out["results"]] == [("accepted", "1002")]
    assert active(client, ada) == ["1001"]


def test_the_highest_precedence_identifier_is_used(client: TestClient) -> None:
    ada = sign_up(client, "+12135551234", "CRM-1")
    bob = sign_up(client, "+12135559876", "CRM-2")
    # external_person_id comes before mdn in the documented list: bob is opted out, not ada.
    out = send(client, "subscription_list_id,mdn,external_person_id\n1001,+12135551234,CRM-2\n").json()
    assert out["results"][0]["person_key"] == bob
    assert active(client, ada) == ["1001"] and active(client, bob) == []


def test_national_mdns_and_a_missing_list_are_row_results(client: TestClient) -> None:
    ada = sign_up(client, "+12135551234", "CRM-1")
    out = send(client, "mdn,subscription_list_id\n2135551234,1001\n+12135551234,\n12,1001\n").json()
    assert [x["status"] for x in out["results"]] == ["accepted", "malformed", "malformed"]
    assert active(client, ada) == []


BAD_FILES = [
    ("", 400, "empty"),
    ("Content-Type: CSV\n\nmdn\n+12135551234\n", 400, "TEXT"),
    ("MDN,subscription_list_id\n+12135551234,1001\n", 422, "lowercase"),
    ("mdn,favourite_colour\n+12135551234,blue\n", 422, "favourite_colour"),
    ("subscription_list_id\n1001\n", 422, "no identifier"),
    ("Delimiter: ::\n\nmdn\n+12135551234\n", 400, "Delimiter"),
    (b"mdn\n\xff\xfe\n", 400, "UTF-8"),
    ("Subscription-List-ID: 1001\n\n", 400, "field names"),
]


@pytest.mark.parametrize(("text", "status", "words"), BAD_FILES)
def test_a_bad_file_is_refused_and_changes_nothing(
    client: TestClient, text: str | bytes, status: int, words: str
) -> None:
    sign_up(client, "+12135551234", "CRM-1")
    before = state(client)
    r = send(client, text)
    assert r.status_code == status, r.text
    assert words in " ".join(e["message"] for e in r.json()["errors"])
    assert state(client) == before

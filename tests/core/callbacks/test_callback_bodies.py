"""What a CRM receives for each callback type, caused by real state changes (fact sheet §7)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import AUTH, V2, pinned
from tests.conftest import PINNED_START as NOW

CB = "/companies/demo/config/callbacks"
SIM = "/_sim/companies/demo"
MDN = "+12135551234"


@pytest.fixture
def settings() -> Settings:
    return pinned()


def register(client: TestClient, rx: CallbackInbox, type_: str, selector: str | None = None, *, version: int = 2,
             path: str = "/hook", **extra: Any) -> dict[str, Any]:  # fmt: skip
    body: dict[str, Any] = {"callback_type": type_, "destination": {"url": rx.url_for(path)}, **extra}
    if selector is not None:
        key = "list_id" if type_.startswith("subscription_") else "campaign_id"
        body[type_] = {key: selector}
    r = client.post(CB, json=body, headers={**AUTH, "X-API-Version": str(version)})
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def bodies(rx: CallbackInbox, count: int, path: str | None = None) -> list[dict[str, Any]]:
    got = [r.json for r in rx.wait_requests(count, path)]
    for body in got:
        assert schemas.problems(f"callback-{body['callback_type']}", body) == [], body
    return got


def keyword(client: TestClient, word: str, mdn: str = MDN) -> None:
    assert client.post(f"{SIM}/sms/keyword", json={"mdn": mdn, "keyword": word}).status_code == 200


def test_the_envelope_and_the_delivery_headers(client: TestClient, receiver: CallbackInbox) -> None:
    reg = register(client, receiver, "person_added")
    person = client.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()
    got = receiver.wait_requests(1)[0]
    body = got.json
    assert re.fullmatch(r"[A-Z0-9]{12}", body["event_id"])
    assert body["callback_type"] == body["event_type"] == "person_added"
    assert body["event_date"] == NOW and body["callback_id"] == reg["callback_id"]
    assert body["delivery_attempt"] == "1"
    assert body["person"] == person  # the person resource exactly as the API renders it (§7.2)
    assert got.method == "POST" and got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"].startswith("catapult-sim/")
    assert got.headers["X-Catapult-Sim-Event-Id"] == body["event_id"]
    assert got.headers["X-Catapult-Sim-Attempt"] == "1"
    assert got.headers["X-Catapult-Sim-Callback-Type"] == "person_added"
    assert got.headers["X-Catapult-Sim-Callback-Id"] == reg["callback_id"]
    assert got.headers["X-Catapult-Sim-Delivery-Id"].isdigit()


def test_put_and_text_json_destinations_are_honoured(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "person_added", destination={"url": receiver.url, "method": "PUT",
                                                            "content_type": "text/json"})  # fmt: skip
    client.post("/companies/demo/mobiledb/persons", json={"external_person_id": "E1"})
    got = receiver.wait_requests(1)[0]
    assert got.method == "PUT" and got.headers["Content-Type"] == "text/json"


def test_person_updated_on_update_and_on_an_add_that_merged(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "person_updated")
    p = client.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": MDN}}, headers=V2).json()
    client.put(p["url"], json={"custom_fields": {"first_name": "Ada"}}, headers=V2)
    again = {"mobile_phone": {"mdn": MDN}, "external_person_id": "CRM-7"}
    merged = client.post("/companies/demo/mobiledb/persons", json=again, headers=V2)
    assert merged.status_code == 200
    first, second = bodies(receiver, 2)
    assert first["person"]["custom_fields"]["first_name"] == "Ada"
    assert second["person"]["external_person_id"] == "CRM-7" and second["person"] == merged.json()


def test_subscription_added_from_a_keyword_opt_in(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_added", "1001")
    keyword(client, "JOIN")
    (body,) = bodies(receiver, 1)
    sub = body["subscription"]
    assert sub["subscription_list"] == {
        "id": "1001",
        "url": "/companies/demo/mobiledb/subscription_lists/1001",
    }
    assert sub["opt_in_date"] == NOW and "opt_out_date" not in sub
    assert sub["person"]["mobile_phone"] == {"mdn": MDN} and sub["person"]["url"].startswith("/companies/demo/")


def _opt_out(client: TestClient, cause: str, key: str) -> None:
    if cause == "stop":
        r = client.post(f"{SIM}/sms/reply", json={"mdn": MDN, "text": "STOP"})
    elif cause == "api":
        r = client.delete(f"/companies/demo/mobiledb/persons/{key}/subscriptions/1001")
    elif cause == "disconnect":
        r = client.post(f"{SIM}/disconnect", json={"mdn": MDN})
    elif cause == "archive":
        r = client.post(f"{SIM}/lists/1001/archive", json={})
    else:
        r = client.post(f"{SIM}/opt-out", json={"mdn": MDN, "list_id": "1001", "reason": cause})
    assert r.status_code == 200, r.text


REASONS = [
    ("stop", "user_opt_out"),
    ("api", "api_opt_out"),
    ("disconnect", "disconnect"),
    ("archive", "list_archived"),
    ("keyword_opt_out", "keyword_opt_out"),
    ("platform_opt_out", "platform_opt_out"),
]


@pytest.mark.parametrize(
    ("cause", "reason"),
    REASONS,
)
def test_subscription_removed_carries_the_opt_out_reason_of_its_cause(
    client: TestClient, receiver: CallbackInbox, cause: str, reason: str
) -> None:
    register(client, receiver, "subscription_removed", "1001")
    keyword(client, "JOIN")
    key = client.get("/companies/demo/mobiledb/persons", params={"mdn": "2135551234"}).json()["person_key"]
    client.post("/_sim/clock/advance", json={"by": "1h"})
    _opt_out(client, cause, key)
    (body,) = bodies(receiver, 1)
    sub = body["subscription"]
    assert sub["opt_out_reason"] == reason
    assert sub["opt_in_date"] == NOW and sub["opt_out_date"] == body["event_date"] == "2024-01-01T01:00:00Z"
    assert sub["person"]["person_key"] == key


def test_double_opt_in_sends_pending_then_confirmed_then_the_subscription(
    client: TestClient, receiver: CallbackInbox
) -> None:
    register(client, receiver, "ack_participant_added", "DemoDOI1")
    register(client, receiver, "ack_participant_changed", "DemoDOI1")
    register(client, receiver, "subscription_added", "1002")
    keyword(client, "PROMO")
    (added,) = bodies(receiver, 1)
    part = added["participant"]
    assert part["status"] == "PENDING" and part["participation_date"] == NOW
    assert part["expire_date"] == "2024-01-02T00:00:00Z"  # 24 hours (fact sheet §5.5)
    assert part["acquisition_campaign"] == {
        "id": "DemoDOI1",
        "description": "Demo promotions sign-up (double opt-in)",
        "keyword": "PROMO",
        "url": "/companies/demo/campaigns/acquisition/DemoDOI1",
    }
    assert added["subscription_list"] == {
        "id": "1002",
        "url": "/companies/demo/mobiledb/subscription_lists/1002",
    }
    assert part["person"]["mobile_phone"] == {"mdn": MDN}
    client.post(f"{SIM}/sms/reply", json={"mdn": MDN, "text": "Y"})
    _, changed, subscribed = bodies(receiver, 3)
    assert changed["callback_type"] == "ack_participant_changed" and changed["participant"]["status"] == "CONFIRMED"
    assert subscribed["callback_type"] == "subscription_added"


def test_declining_sends_rejected_and_single_opt_in_sends_subscribed(
    client: TestClient, receiver: CallbackInbox
) -> None:
    register(client, receiver, "ack_participant_changed", "DemoDOI1", path="/changed")
    register(client, receiver, "ack_participant_added", "DemoSOI1", path="/soi")
    keyword(client, "PROMO")
    client.post(f"{SIM}/sms/reply", json={"mdn": MDN, "text": "N"})
    assert bodies(receiver, 1, "/changed")[0]["participant"]["status"] == "REJECTED"
    keyword(client, "JOIN", "+12135559876")
    assert bodies(receiver, 1, "/soi")[0]["participant"]["status"] == "SUBSCRIBED"


def test_company_participant_types_carry_the_ack_bodies_for_every_campaign(
    client: TestClient, receiver: CallbackInbox
) -> None:
    register(client, receiver, "company_participant_added")
    register(client, receiver, "company_participant_changed", path="/changed")
    keyword(client, "PROMO")
    keyword(client, "JOIN", "+12135559876")
    first, second = bodies(receiver, 2, "/hook")
    assert first["callback_type"] == "company_participant_added"
    assert {
        first["participant"]["acquisition_campaign"]["id"],
        second["participant"]["acquisition_campaign"]["id"],
    } == {
        "DemoDOI1",
        "DemoSOI1",
    }
    client.post(f"{SIM}/sms/reply", json={"mdn": MDN, "text": "Y"})
    (changed,) = bodies(receiver, 1, "/changed")
    assert changed["callback_type"] == "company_participant_changed"
    assert changed["participant"]["status"] == "CONFIRMED"


def test_api_version_1_registrations_get_ten_digit_mdns(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_added", "1001", version=1)
    keyword(client, "JOIN")
    (body,) = bodies(receiver, 1)
    assert body["subscription"]["person"]["mobile_phone"] == {"mdn": "2135551234"}


def test_selectors_and_date_ranges_choose_the_registrations(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_added", "1003", path="/1003")
    register(client, receiver, "subscription_added", "1001", path="/later", start_date="2024-01-01T02:00:00Z")
    register(client, receiver, "subscription_added", "1001", path="/ended", end_date="2024-01-01T01:00:00Z")
    client.post("/_sim/clock/advance", json={"by": "90m"})
    keyword(client, "JOIN")  # list 1001, between the two registrations' ranges
    client.post("/_sim/clock/advance", json={"by": "1h"})
    client.post(f"{SIM}/opt-in", json={"mdn": MDN, "list_id": "1003"})
    keyword(client, "JOIN", "+12135559876")
    assert bodies(receiver, 1, "/later")[0]["event_date"] == "2024-01-01T02:30:00Z"
    assert len(bodies(receiver, 1, "/1003")) == 1
    assert receiver.requests("/ended") == [] and len(receiver.requests("/later")) == 1


def test_a_state_change_and_its_deliveries_commit_together(
    client: TestClient, sim: Any, receiver: CallbackInbox
) -> None:
    register(client, receiver, "subscription_added", "1001")
    with pytest.raises(RuntimeError), sim.store.transaction() as tx:
        person = sim.db.platform.person_for_mdn(tx, "demo", MDN, create=True)
        sim.db.platform.opt_in(tx, "demo", person, "1001")
        raise RuntimeError("the request fails after the change")
    assert client.get("/_sim/deliveries").json() == []
    assert client.get(f"{SIM}/state").json()["subscriptions"] == []
    client.post(f"{SIM}/opt-in", json={"mdn": MDN, "list_id": "1001"})
    assert len(bodies(receiver, 1)) == 1

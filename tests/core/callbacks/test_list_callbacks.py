"""subscription_list_added / subscription_list_updated end to end (fact sheet §7.6 [W-slcb-diff])."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from tests.conftest import PINNED_START as NOW
from tests.conftest import V2, pinned

CB = "/companies/demo/config/callbacks"
SIM = "/_sim/companies/demo"
LIST_URL = "/companies/demo/mobiledb/subscription_lists/"


@pytest.fixture
def settings() -> Settings:
    return pinned()


def register(client: TestClient, rx: CallbackInbox, type_: str, **extra: Any) -> dict[str, Any]:
    body = {"callback_type": type_, "destination": {"url": rx.url_for(f"/{type_}")}, **extra}
    r = client.post(CB, json=body, headers=V2)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_registration_takes_no_selector(client: TestClient, receiver: CallbackInbox) -> None:
    reg = register(client, receiver, "subscription_list_added")
    assert reg["callback_type"] == "subscription_list_added" and "subscription_list_added" not in reg
    bad = {"callback_type": "subscription_list_updated", "subscription_list_updated": {"list_id": "1001"},
           "destination": {"url": receiver.url}}  # fmt: skip
    assert client.post(CB, json=bad, headers=V2).status_code == 422


def test_created_renamed_and_archived_lists_send_their_callbacks(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_list_added")
    register(client, receiver, "subscription_list_updated")
    made = client.post(f"{SIM}/lists", json={"id": "1004", "name": "Spring Sale"})
    assert made.status_code == 201, made.text
    register(client, receiver, "subscription_removed", subscription_removed={"list_id": "1004"})
    assert made.json()["events"] == ["subscription_list_added"]
    (added,) = [g.json for g in receiver.wait_requests(1, "/subscription_list_added")]
    assert added["subscription_list"] == {
        "id": "1004", "name": "Spring Sale", "url": LIST_URL + "1004",
        "subscribers_url": LIST_URL + "1004/subscribers",
        "acquisition_campaigns_url": LIST_URL + "1004/acquisition_campaigns",
    }  # fmt: skip
    assert added["event_date"] == NOW and added["callback_type"] == added["event_type"] == "subscription_list_added"
    # The API shows the new list.
    assert client.get(LIST_URL + "1004", headers=V2).json()["name"] == "Spring Sale"

    renamed = client.post(f"{SIM}/lists/1004/rename", json={"name": "Summer Sale"})
    assert renamed.status_code == 200 and renamed.json()["subscription_list"]["name"] == "Summer Sale"
    (updated,) = [g.json for g in receiver.wait_requests(1, "/subscription_list_updated")]
    assert updated["subscription_list"]["name"] == "Summer Sale"

    assert client.post(f"{SIM}/opt-in", json={"mdn": "+12135551234", "list_id": "1004"}).status_code == 200
    archived = client.post(f"{SIM}/lists/1004/archive", json={})
    assert archived.json()["events"] == ["subscription_removed", "subscription_list_updated"]
    (removed,) = [g.json for g in receiver.wait_requests(1, "/subscription_removed")]
    assert removed["subscription"]["opt_out_reason"] == "list_archived"
    assert len(receiver.wait_requests(2, "/subscription_list_updated")) == 2


def test_list_ids_are_made_and_mistakes_are_refused(client: TestClient) -> None:
    made = client.post(f"{SIM}/lists", json={"name": "Auto"})
    assert made.status_code == 201 and made.json()["subscription_list"]["id"] == "1004"  # after 1001-1003
    assert client.post(f"{SIM}/lists", json={"id": "1001", "name": "Again"}).status_code == 409
    assert client.post(f"{SIM}/lists", json={"name": ""}).status_code == 422  # the body's schema
    assert client.post(f"{SIM}/lists", json={"id": "a/b", "name": "x"}).status_code == 422
    assert client.post(f"{SIM}/lists/9999/rename", json={"name": "x"}).status_code == 404
    assert client.post(f"{SIM}/lists/1001/rename", json={"id": "2", "name": "x"}).status_code == 400


def test_the_test_event_sends_a_list_body(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_list_updated")
    body = {"callback_type": "subscription_list_updated", "subscription_list": {"id": "77", "name": "Dummy"}}
    r = client.post("/companies/demo/config/callback_events/test", json=body, headers=V2)
    assert r.status_code == 200, r.text
    (got,) = [g.json for g in receiver.wait_requests(1)]
    assert got["subscription_list"]["id"] == "77" and got["subscription_list"]["url"] == LIST_URL + "77"
    assert got["subscription_list"]["name"] == "Dummy"

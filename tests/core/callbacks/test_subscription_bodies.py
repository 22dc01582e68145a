"""Every field of the data-sync page's subscription bodies: acquisition_campaign, url, opt_out_date forms."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.app import create_app
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


def register(client: TestClient, rx: CallbackInbox, type_: str, list_id: str = "1001") -> None:
    body = {"callback_type": type_, type_: {"list_id": list_id}, "destination": {"url": rx.url_for(f"/{type_}")}}
    assert client.post(CB, json=body, headers=V2).status_code == 201


def sub_body(rx: CallbackInbox, type_: str) -> dict[str, Any]:
    (got,) = rx.wait_requests(1, f"/{type_}")
    body: dict[str, Any] = got.json["subscription"]
    return body


def test_a_campaign_sign_up_names_its_campaign_and_the_subscription_url(
    client: TestClient, receiver: CallbackInbox
) -> None:
    register(client, receiver, "subscription_added")
    register(client, receiver, "subscription_removed")
    r = client.post(
        "/companies/demo/campaigns/acquisition/DemoSOI1/participants", json={"mobile_phone": {"mdn": MDN}}, headers=V2
    )
    assert r.status_code == 201, r.text
    key = r.json()["person"]["person_key"]
    added = sub_body(receiver, "subscription_added")
    campaign = {"id": "DemoSOI1", "url": "/companies/demo/campaigns/acquisition/DemoSOI1"}
    assert added["acquisition_campaign"] == campaign  # [W-sync]: subscription.acquisition_campaign {id, url}
    assert added["url"] == f"/companies/demo/mobiledb/persons/{key}/subscriptions/1001"
    # The url is the subscription resource the API serves.
    assert client.get(added["url"], headers=V2).status_code == 200
    assert client.delete(added["url"], headers=V2).status_code == 200
    removed = sub_body(receiver, "subscription_removed")
    assert removed["acquisition_campaign"] == campaign and removed["url"] == added["url"]
    assert removed["opt_out_date"] == NOW and removed["opt_out_reason"] == "api_opt_out"


def test_a_platform_opt_in_names_no_campaign(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_added")
    assert client.post(f"{SIM}/opt-in", json={"mdn": MDN, "list_id": "1001"}).status_code == 200
    added = sub_body(receiver, "subscription_added")
    assert "acquisition_campaign" not in added
    assert added["url"].endswith("/subscriptions/1001")


def test_a_keyword_opt_in_names_the_keyword_campaign(client: TestClient, receiver: CallbackInbox) -> None:
    register(client, receiver, "subscription_added")
    assert client.post(f"{SIM}/sms/keyword", json={"mdn": MDN, "keyword": "JOIN"}).status_code == 200
    assert sub_body(receiver, "subscription_added")["acquisition_campaign"]["id"] == "DemoSOI1"


@pytest.mark.parametrize(("form", "expected"), [("z", "2024-01-01T00:00:00Z"), ("offset", "2024-01-01T00:00:00+0000")])
def test_the_opt_out_date_form_follows_the_switch(receiver: CallbackInbox, form: str, expected: str) -> None:
    settings = pinned(opt_out_date_form=form)  # type: ignore[arg-type]
    with TestClient(create_app(settings), headers=AUTH) as client:
        register(client, receiver, "subscription_removed")
        assert client.post(f"{SIM}/opt-in", json={"mdn": MDN, "list_id": "1001"}).status_code == 200
        assert client.post(f"{SIM}/opt-out", json={"mdn": MDN, "list_id": "1001"}).status_code == 200
        removed = sub_body(receiver, "subscription_removed")
        assert removed["opt_out_date"] == expected
        assert removed["opt_in_date"] == NOW  # only opt_out_date changes form (the data-sync page)
        # The API's own subscription resource keeps the Z form (fact sheet §3.3).
        key = removed["person"]["person_key"]
        listed = client.get(f"/companies/demo/mobiledb/persons/{key}/subscriptions?active_only=false", headers=V2)
        assert listed.json()[0]["opt_out_date"] == NOW

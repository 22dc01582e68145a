"""Tests of the example CRM receiver against catapult-sim, with the pytest plugin's fixtures.

``catapult`` is a company of this test's own on a simulator the plugin started; ``callback_inbox`` a
recording receiver. Nothing to configure: installing catapult-sim registers the plugin.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from crm import Subscriptions, create_app

from catapult_sim.testing.handle import Catapult
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.server import serve_in_thread

MDN = "+12135551234"


# The ten-line test: sign a person up through the simulator, and see the callback arrive.
def test_sign_up_sends_subscription_added(catapult: Catapult, callback_inbox: CallbackInbox) -> None:
    catapult.connect(callback_inbox)  # register the inbox for every callback type
    catapult.sign_up(MDN, campaign="DemoSOI1")  # as the CRM would: Add Participant
    callback_inbox.assert_delivered(
        "subscription_added",
        subscription={"subscription_list": {"id": "1001"}, "person": {"mobile_phone": {"mdn": MDN}}},
    )


# The same flows against the example CRM receiver itself, served on a free port.
@pytest.fixture
def crm(catapult: Catapult) -> Iterator[Subscriptions]:
    store = Subscriptions()
    with serve_in_thread(create_app(store)) as server:
        catapult.connect(server.url + "/vibes/callbacks", types=["subscription_added", "subscription_removed"])
        yield store


def test_a_sign_up_subscribes_and_stop_unsubscribes(catapult: Catapult, crm: Subscriptions) -> None:
    catapult.sign_up(MDN, campaign="DemoSOI1")
    catapult.settle()
    assert crm.status(MDN, "1001") == "subscribed"
    catapult.stop(MDN)
    catapult.settle()
    assert crm.status(MDN, "1001") == "unsubscribed"
    assert crm.by_key[(MDN, "1001")].opt_out_reason == "user_opt_out"


def test_double_opt_in_subscribes_only_once_confirmed(catapult: Catapult, crm: Subscriptions) -> None:
    catapult.sign_up(MDN, campaign="DemoDOI1")
    catapult.settle()
    assert crm.status(MDN, "1002") is None
    catapult.confirm(MDN, campaign="DemoDOI1")
    catapult.settle()
    assert crm.status(MDN, "1002") == "subscribed"


def test_a_duplicate_is_applied_once(catapult: Catapult, crm: Subscriptions) -> None:
    catapult.opt_in(MDN, list_id="1003")
    catapult.disconnect(MDN)
    catapult.settle()
    catapult.replay("subscription_added")  # the old "added" again, after the removal
    catapult.settle()
    assert crm.duplicates == 1
    assert crm.status(MDN, "1003") == "unsubscribed"


def test_an_older_event_arriving_late_is_ignored() -> None:
    store = Subscriptions()
    sub = {"person": {"mobile_phone": {"mdn": MDN}}, "subscription_list": {"id": "1001"}}
    added = {
        "event_id": "A",
        "callback_type": "subscription_added",
        "subscription": {**sub, "opt_in_date": "T1"},
    }
    removed = {
        "event_id": "R",
        "callback_type": "subscription_removed",
        "subscription": {**sub, "opt_in_date": "T1", "opt_out_reason": "disconnect", "extra": {"x": 1}},
    }
    store.apply(removed)
    store.apply(added)  # reordered: the removal of the same subscription came first
    assert store.status(MDN, "1001") == "unsubscribed"


def test_other_callbacks_are_accepted_and_garbage_is_refused() -> None:
    with serve_in_thread(create_app()) as server:
        url = server.url + "/vibes/callbacks"
        assert httpx.post(url, json={"event_id": "P", "callback_type": "person_added"}).status_code == 200
        assert httpx.post(url, content=b"not json").status_code == 400
        assert httpx.post(url, json={"callback_type": "subscription_added"}).status_code == 400

"""Subscription lists and acquisition campaigns (fact sheet §4, §5.1-5.2)."""

from __future__ import annotations

from catapult_sim.testing.client import CatapultClient
from catapult_sim.testing.contract._checks import SINGLE_LIST, SINGLE_OPT_IN, error, ok


def test_lists_are_an_array_of_lists(api: CatapultClient) -> None:
    lists = ok(api.get("/mobiledb/subscription_lists"), 200, schema="subscription-list")
    assert isinstance(lists, list) and lists
    for item in lists:
        assert item["url"].endswith(f"/subscription_lists/{item['id']}")


def test_one_list_and_unknown_list(api: CatapultClient) -> None:
    got = ok(api.get(f"/mobiledb/subscription_lists/{SINGLE_LIST}"), 200, schema="subscription-list")
    assert got["id"] == SINGLE_LIST
    error(api.get("/mobiledb/subscription_lists/no-such-list"), 404)


def test_campaigns_of_a_list(api: CatapultClient) -> None:
    found = ok(
        api.get(f"/mobiledb/subscription_lists/{SINGLE_LIST}/acquisition_campaigns"),
        200,
        schema="acquisition-campaign",
    )
    assert SINGLE_OPT_IN in [c["acquisition_id"] for c in found]


def test_campaigns_are_active_and_lowercase(api: CatapultClient) -> None:
    found = ok(api.get("/campaigns/acquisition"), 200, schema="acquisition-campaign")
    assert all(c["status"] == "active" for c in found)
    one = ok(api.get(f"/campaigns/acquisition/{SINGLE_OPT_IN}"), 200, schema="acquisition-campaign")
    assert one["acquisition_id"] == SINGLE_OPT_IN
    error(api.get("/campaigns/acquisition/no-such-campaign"), 404)

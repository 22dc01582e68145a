"""Sign-up and the subscription lifecycle (fact sheet §3, §5.3-5.5)."""

from __future__ import annotations

from typing import Any

import pytest

from catapult_sim.testing.client import CatapultClient, SimClient
from catapult_sim.testing.contract._checks import (
    DOUBLE_LIST,
    DOUBLE_OPT_IN,
    SINGLE_LIST,
    SINGLE_OPT_IN,
    error,
    ok,
)

pytestmark = pytest.mark.destructive


def sign_up(api: CatapultClient, campaign: str, mdn: str, status: int = 201) -> dict[str, Any]:
    resp = api.post(f"/campaigns/acquisition/{campaign}/participants", json={"mobile_phone": {"mdn": mdn}})
    return ok(resp, status, schema="participant-response")


def subs(api: CatapultClient, key: str, **params: str) -> list[Any]:
    return ok(api.get(f"/mobiledb/persons/{key}/subscriptions", params=params), 200, schema="subscription")


def test_single_opt_in_subscribes_at_once(api: CatapultClient, mdn: str) -> None:
    part = sign_up(api, SINGLE_OPT_IN, mdn)
    assert part["status"] == "SUBSCRIBED"
    key = part["person"]["person_key"]
    assert [s["subscription_list"]["id"] for s in subs(api, key)] == [SINGLE_LIST]
    found = ok(
        api.get(f"/mobiledb/subscription_lists/{SINGLE_LIST}/subscribers", params={"mdn": mdn}),
        200,
        schema="person-response",
    )
    assert found["person_key"] == key


def test_signing_up_again_when_subscribed_conflicts(api: CatapultClient, mdn: str) -> None:
    sign_up(api, SINGLE_OPT_IN, mdn)
    error(
        api.post(f"/campaigns/acquisition/{SINGLE_OPT_IN}/participants", json={"mobile_phone": {"mdn": mdn}}),
        409,
    )


def test_unsubscribe_ends_with_api_opt_out_and_resubscribe_adds_a_record(api: CatapultClient, mdn: str) -> None:
    key = sign_up(api, SINGLE_OPT_IN, mdn)["person"]["person_key"]
    ended = api.delete(f"/mobiledb/persons/{key}/subscriptions/{SINGLE_LIST}")
    assert ended.status_code in (200, 204)
    assert subs(api, key) == []
    history = subs(api, key, active_only="false")
    assert [s.get("opt_out_reason") for s in history] == ["api_opt_out"]
    error(api.delete(f"/mobiledb/persons/{key}/subscriptions/{SINGLE_LIST}"), 404)
    sign_up(api, SINGLE_OPT_IN, mdn)
    assert len(subs(api, key, active_only="false")) == 2


def test_double_opt_in_is_pending_then_200_when_repeated(api: CatapultClient, mdn: str) -> None:
    first = sign_up(api, DOUBLE_OPT_IN, mdn)
    assert first["status"] == "PENDING"
    again = sign_up(api, DOUBLE_OPT_IN, mdn, status=200)
    assert again["person"]["person_key"] == first["person"]["person_key"]
    pending = ok(api.get(f"/campaigns/acquisition/{DOUBLE_OPT_IN}/participants", params={"mdn": mdn}), 200)
    assert len(pending) == 1 and pending[0]["status"] == "PENDING"
    assert subs(api, first["person"]["person_key"]) == []


def test_pending_participants_bad_mdn_is_400(api: CatapultClient) -> None:
    error(api.get(f"/campaigns/acquisition/{DOUBLE_OPT_IN}/participants", params={"mdn": "12"}), 400)


def test_sign_up_with_bad_mdn_is_400(api: CatapultClient) -> None:
    resp = api.post(f"/campaigns/acquisition/{SINGLE_OPT_IN}/participants", json={"mobile_phone": {"mdn": "12"}})
    error(resp, 400)


@pytest.mark.simulator_only
def test_confirmation_subscribes(api: CatapultClient, control: SimClient, mdn: str) -> None:
    key = sign_up(api, DOUBLE_OPT_IN, mdn)["person"]["person_key"]
    control.reply(mdn, "Y")
    assert [s["subscription_list"]["id"] for s in subs(api, key)] == [DOUBLE_LIST]
    assert ok(api.get(f"/campaigns/acquisition/{DOUBLE_OPT_IN}/participants", params={"mdn": mdn}), 200) == []


@pytest.mark.simulator_only
def test_declined_mdn_gets_a_confirmation_block(api: CatapultClient, control: SimClient, mdn: str) -> None:
    sign_up(api, DOUBLE_OPT_IN, mdn)
    control.reply(mdn, "N")
    resp = api.post(f"/campaigns/acquisition/{DOUBLE_OPT_IN}/participants", json={"mobile_phone": {"mdn": mdn}})
    entries = error(resp, 422)
    assert any("MDNHASCONFIRMATIONBLOCK" in e["message"] for e in entries)


@pytest.mark.simulator_only
def test_stop_ends_every_subscription_as_user_opt_out(api: CatapultClient, control: SimClient, mdn: str) -> None:
    key = sign_up(api, SINGLE_OPT_IN, mdn)["person"]["person_key"]
    control.stop(mdn)
    assert subs(api, key) == []
    assert [s["opt_out_reason"] for s in subs(api, key, active_only="false")] == ["user_opt_out"]

"""/_sim platform-side events: SMS keywords and replies, opt-in/out, disconnect, archive, participants."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.core.models import OPT_OUT_REASONS

S = "/_sim/companies/demo"
P = "/companies/demo/mobiledb/persons"
MDN = "2135551234"


def post(client: TestClient, path: str, body: Any) -> Any:
    return client.post(S + path, json=body)


def active_lists(client: TestClient, mdn: str = MDN) -> list[str]:
    person = client.get(P, params={"mdn": mdn}).json()
    subs = client.get(f"{P}/{person['person_key']}/subscriptions").json()
    return sorted(s["subscription_list"]["id"] for s in subs)


def ended(client: TestClient) -> list[tuple[str, str]]:
    subs = client.get(f"{S}/state").json()["subscriptions"]
    return sorted((s["subscription_list"]["id"], s["opt_out_reason"]) for s in subs if "opt_out_reason" in s)


def participants(client: TestClient) -> list[tuple[str, str]]:
    return [(p["acquisition_id"], p["status"]) for p in client.get(f"{S}/state").json()["participants"]]


@pytest.fixture
def pending(client: TestClient) -> dict[str, Any]:
    """MDN texted PROMO (double opt-in, DemoDOI1) and JOIN (single opt-in, list 1001)."""
    assert post(client, "/sms/keyword", {"mdn": MDN, "keyword": "JOIN"}).json()["action"] == "subscribed"
    r = post(client, "/sms/keyword", {"mdn": MDN, "keyword": "promo"})
    assert r.status_code == 200 and r.json()["action"] == "pending"
    answer: dict[str, Any] = r.json()
    return answer


def test_keyword_single_opt_in_subscribes(client: TestClient) -> None:
    r = post(client, "/sms/keyword", {"mdn": "+12135551234", "keyword": "JOIN"})
    assert r.status_code == 200
    out = r.json()
    assert (out["action"], out["acquisition_id"], out["list_id"]) == ("subscribed", "DemoSOI1", "1001")
    assert out["events"] == ["person_added", "ack_participant_added", "subscription_added"]
    assert active_lists(client) == ["1001"]
    again = post(client, "/sms/keyword", {"mdn": MDN, "keyword": "NEWS"}).json()
    assert again["action"] == "already_subscribed" and again["events"] == []


def test_keyword_double_opt_in_is_pending(client: TestClient, pending: dict[str, Any]) -> None:
    assert pending["events"] == ["ack_participant_added"]
    assert active_lists(client) == ["1001"]
    assert participants(client)[-1] == ("DemoDOI1", "PENDING")
    assert post(client, "/sms/keyword", {"mdn": MDN, "keyword": "DEALS"}).json()["action"] == "already_pending"


@pytest.mark.parametrize("text", ["Y", "yes", " Yes "])
def test_reply_yes_confirms(client: TestClient, pending: dict[str, Any], text: str) -> None:
    r = post(client, "/sms/reply", {"mdn": MDN, "text": text})
    assert r.json()["action"] == "confirmed"
    assert r.json()["events"] == ["ack_participant_changed", "subscription_added"]  # fact sheet §5.5
    assert active_lists(client) == ["1001", "1002"]
    assert participants(client)[-1] == ("DemoDOI1", "CONFIRMED")


@pytest.mark.parametrize("text", ["N", "no"])
def test_reply_no_declines(client: TestClient, pending: dict[str, Any], text: str) -> None:
    r = post(client, "/sms/reply", {"mdn": MDN, "text": text})
    assert (r.json()["action"], r.json()["events"]) == ("rejected", ["ack_participant_changed"])
    assert active_lists(client) == ["1001"]
    assert participants(client)[-1] == ("DemoDOI1", "REJECTED")


def test_reply_stop_rejects_pending_and_opts_out_everywhere(client: TestClient, pending: dict[str, Any]) -> None:
    r = post(client, "/sms/reply", {"mdn": MDN, "text": "STOP"})
    out = r.json()
    assert (out["action"], out["declined"], out["lists"]) == ("opted_out", ["DemoDOI1"], ["1001"])
    assert active_lists(client) == []
    assert ended(client) == [("1001", "user_opt_out")]  # fact sheet §3.4: user_opt_out = STOP
    assert participants(client)[-1] == ("DemoDOI1", "REJECTED")


def test_opt_in_straight_to_a_list(client: TestClient) -> None:
    r = post(client, "/opt-in", {"mdn": MDN, "list_id": "1003"})
    assert (r.json()["action"], r.json()["events"]) == ("subscribed", ["person_added", "subscription_added"])
    assert post(client, "/opt-in", {"mdn": MDN, "list_id": "1003"}).json()["action"] == "already_subscribed"
    person = client.post(P, json={"external_person_id": "CRM-2"}).json()
    for who in ({"person_key": person["person_key"]}, {"external_person_id": "CRM-2"}):
        assert post(client, "/opt-in", {**who, "list_id": "1001"}).status_code == 200
    assert client.get(f"{P}/{person['person_key']}/subscriptions").json()[0]["subscription_list"]["id"] == "1001"


@pytest.mark.parametrize("reason", OPT_OUT_REASONS)
def test_opt_out_with_each_reason(client: TestClient, pending: dict[str, Any], reason: str) -> None:
    post(client, "/opt-in", {"mdn": MDN, "list_id": "1003"})
    r = post(client, "/opt-out", {"mdn": MDN, "list_id": "1003", "reason": reason})
    assert r.status_code == 200 and r.json()["events"] == ["subscription_removed"]
    assert ended(client) == [("1003", reason)]
    assert active_lists(client) == ["1001"]


def test_opt_out_of_every_list(client: TestClient, pending: dict[str, Any]) -> None:
    post(client, "/opt-in", {"mdn": MDN, "list_id": "1003"})
    r = post(client, "/opt-out", {"mdn": MDN, "reason": "bulk_opt_out"})
    assert sorted(r.json()["lists"]) == ["1001", "1003"]
    assert ended(client) == [("1001", "bulk_opt_out"), ("1003", "bulk_opt_out")]
    assert participants(client)[-1] == ("DemoDOI1", "PENDING")  # only STOP answers a pending prompt


def test_opt_out_default_reason_is_stop(client: TestClient, pending: dict[str, Any]) -> None:
    post(client, "/opt-out", {"mdn": MDN})
    assert ended(client) == [("1001", "user_opt_out")]
    assert participants(client)[-1] == ("DemoDOI1", "REJECTED")


def test_disconnect(client: TestClient, pending: dict[str, Any]) -> None:
    r = post(client, "/disconnect", {"mdn": MDN})
    assert (r.json()["action"], r.json()["lists"]) == ("disconnected", ["1001"])
    assert ended(client) == [("1001", "disconnect")]


def test_archive_list_opts_every_subscriber_out(client: TestClient, pending: dict[str, Any]) -> None:
    post(client, "/opt-in", {"mdn": "2135550000", "list_id": "1001"})
    r = client.post(f"{S}/lists/1001/archive", json={})
    assert r.json()["opted_out"] == 2 and r.json()["events"] == ["subscription_removed"] * 2 + [
        "subscription_list_updated"
    ]
    assert ended(client) == [("1001", "list_archived")] * 2
    assert client.post(f"{S}/lists/1001/archive", json={}).status_code == 404


@pytest.mark.parametrize(
    ("action", "status", "subscribed"),
    [
        ("confirm", "CONFIRMED", ["1001", "1002"]),
        ("decline", "REJECTED", ["1001"]),
        ("expire", "EXPIRED", ["1001"]),
    ],
)
def test_participant_actions(
    client: TestClient, pending: dict[str, Any], action: str, status: str, subscribed: list[str]
) -> None:
    r = post(client, f"/participants/DemoDOI1/{action}", {"mdn": MDN})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["acquisition_id"]) == (status, "DemoDOI1")
    assert participants(client)[-1] == ("DemoDOI1", status)
    assert active_lists(client) == subscribed
    assert (r.json()["events"] == []) == (action == "expire")  # no callback on expiry (fact sheet §5.5)
    again = post(client, f"/participants/DemoDOI1/{action}", {"mdn": MDN})
    assert again.status_code == 400  # nothing pending any more


# -- bad input -------------------------------------------------------------------------------------


def snapshot(client: TestClient) -> Any:
    dump = client.get(f"{S}/state").json()
    dump.pop("now")
    return dump, client.get(f"{S}/events").json()


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/sms/keyword", None, 400),
        ("/sms/keyword", [], 400),
        ("/sms/keyword", {"mdn": MDN}, 422),
        ("/sms/keyword", {"mdn": "12", "keyword": "JOIN"}, 422),
        ("/sms/keyword", {"mdn": 2135551234, "keyword": "JOIN"}, 422),
        ("/sms/keyword", {"mdn": MDN, "keyword": "NOPE"}, 404),
        ("/sms/keyword", {"mdn": MDN, "keyword": "OLDNEWS"}, 404),  # DemoPast is not active
        ("/sms/keyword", {"mdn": MDN, "keyword": "JOIN", "x": 1}, 422),
        ("/sms/keyword", {"mdn": MDN, "keyword": 5}, 422),
        ("/sms/reply", {"mdn": MDN, "text": "maybe"}, 400),
        ("/sms/reply", {"mdn": "2135559999", "text": "Y"}, 404),
        ("/sms/reply", {"mdn": "2135550000", "text": "Y"}, 404),
        ("/sms/reply", {"mdn": MDN}, 422),
        ("/opt-in", {"mdn": MDN}, 422),
        ("/opt-in", {"mdn": MDN, "list_id": "9999"}, 404),
        ("/opt-in", {"person_key": "nobody", "list_id": "1001"}, 404),
        ("/opt-in", {"list_id": "1001"}, 422),
        ("/opt-out", {"mdn": MDN, "reason": "bored"}, 422),
        ("/opt-out", {"mdn": MDN, "list_id": "1003"}, 404),
        ("/opt-out", {"mdn": "2135559999"}, 404),
        ("/opt-out", {"reason": "disconnect"}, 422),
        ("/opt-out", {"person_key": "x" * 300}, 422),
        ("/disconnect", {}, 422),
        ("/disconnect", {"external_person_id": "CRM-404"}, 404),
        ("/disconnect", {"mdn": MDN, "list_id": "1001"}, 422),
        ("/lists/9999/archive", {}, 404),
        ("/participants/DemoDOI1/frob", {"mdn": MDN}, 404),
        ("/participants/Nope/confirm", {"mdn": MDN}, 404),
        ("/participants/DemoDOI2/confirm", {"mdn": MDN}, 400),
        ("/participants/DemoDOI1/confirm", {"mdn": "2135559999"}, 404),
        ("/participants/DemoDOI1/confirm", None, 400),
    ],
)
def test_bad_input_is_a_4xx_envelope_and_changes_nothing(
    client: TestClient, pending: dict[str, Any], path: str, body: Any, status: int
) -> None:
    client.post(P, json={"mobile_phone": {"mdn": "2135550000"}})
    before = snapshot(client)
    r = client.post(S + path) if body is None else post(client, path, body)
    assert r.status_code == status, r.text
    assert schemas.is_valid("error-envelope", r.json())
    assert snapshot(client) == before

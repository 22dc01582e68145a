"""A person's subscriptions: list, single list, unsubscribe, resubscribe (fact sheet §3)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

P = "/companies/demo/mobiledb/persons"
SIM = "/_sim/companies/demo"


def sign_up(client: TestClient, mdn: str, ext: str | None = None, campaign: str = "DemoSOI1") -> str:
    body: dict[str, Any] = {"mobile_phone": {"mdn": mdn}}
    if ext is not None:
        body["external_person_id"] = ext
    r = client.post(f"/companies/demo/campaigns/acquisition/{campaign}/participants", json=body)
    assert r.status_code == 201, r.text
    key: str = r.json()["person"]["person_key"]
    return key


@pytest.fixture
def key(client: TestClient) -> str:
    """A person subscribed to list 1001 through the single opt-in demo campaign."""
    return sign_up(client, "2135551234", "CRM-1")


def test_subscriptions_of_a_new_person_are_empty(client: TestClient) -> None:
    person = client.post(P, json={"external_person_id": "CRM-1"}).json()
    r = client.get(f"{P}/{person['person_key']}/subscriptions")
    assert r.status_code == 200 and r.json() == []


def test_subscription_record_shape(client: TestClient, key: str) -> None:
    r = client.get(f"{P}/{key}/subscriptions")
    assert r.status_code == 200
    [sub] = r.json()
    assert sub["subscription_list"] == {
        "id": "1001",
        "url": "/companies/demo/mobiledb/subscription_lists/1001",
    }
    assert sub["person"]["person_key"] == key and sub["person"]["external_person_id"] == "CRM-1"
    assert sub["url"] == f"{P}/{key}/subscriptions/1001"  # relative (fact sheet §3.3)
    assert sub["opt_in_date"].endswith("Z")
    assert "opt_out_date" not in sub and "opt_out_reason" not in sub  # only on ended ones (§3.3)


def test_external_variant_lists_the_same(client: TestClient, key: str) -> None:
    by_key = client.get(f"{P}/{key}/subscriptions").json()
    assert client.get(f"{P}/external/CRM-1/subscriptions").json() == by_key
    assert client.get(f"{P}/external/CRM-1/subscriptions/1001").json() == by_key


@pytest.mark.parametrize("path", ["nobody/subscriptions", "external/CRM-404/subscriptions"])
def test_unknown_person_is_404(client: TestClient, path: str) -> None:
    assert client.get(f"{P}/{path}").status_code == 404


def test_single_list_answers_an_array(client: TestClient, key: str) -> None:
    r = client.get(f"{P}/{key}/subscriptions/1001")
    assert r.status_code == 200
    assert [s["subscription_list"]["id"] for s in r.json()] == ["1001"]  # OAS: an array (fidelity.md)


def test_single_list_not_subscribed_is_404(client: TestClient, key: str) -> None:
    assert client.get(f"{P}/{key}/subscriptions/1002").status_code == 404  # OAS
    assert client.get(f"{P}/{key}/subscriptions/9999").status_code == 404


def test_delete_ends_the_subscription_with_api_opt_out(client: TestClient, key: str) -> None:
    r = client.delete(f"{P}/{key}/subscriptions/1001")
    assert r.status_code == 200  # 200 with the ended record (docs/fidelity.md)
    ended = r.json()
    assert ended["opt_out_reason"] == "api_opt_out" and ended["opt_out_date"].endswith("Z")
    assert client.get(f"{P}/{key}/subscriptions").json() == []
    assert client.get(f"{P}/{key}/subscriptions/1001").status_code == 404
    history = client.get(f"{P}/{key}/subscriptions", params={"active_only": "false"}).json()
    assert history == [ended]
    removed = client.get(f"{SIM}/events", params={"type": "subscription_removed"}).json()
    assert [e["data"]["subscription"]["opt_out_reason"] for e in removed] == ["api_opt_out"]


def test_delete_when_not_subscribed_is_404(client: TestClient, key: str) -> None:
    assert client.delete(f"{P}/{key}/subscriptions/1002").status_code == 404
    assert client.delete(f"{P}/{key}/subscriptions/1001").status_code == 200
    assert client.delete(f"{P}/{key}/subscriptions/1001").status_code == 404
    assert client.delete(f"{P}/nobody/subscriptions/1001").status_code == 404


def test_delete_by_external_id(client: TestClient, key: str) -> None:
    r = client.delete(f"{P}/external/CRM-1/subscriptions/1001")
    assert r.status_code == 200
    assert r.json()["person"]["person_key"] == key


def test_resubscribe_creates_a_second_record(client: TestClient, key: str) -> None:
    client.delete(f"{P}/{key}/subscriptions/1001")
    r = client.post(f"{SIM}/opt-in", json={"person_key": key, "list_id": "1001"})
    assert r.status_code == 200, r.text
    history = client.get(f"{P}/{key}/subscriptions/1001", params={"active_only": "false"}).json()
    assert len(history) == 2  # unsubscribe + resubscribe = two records (fact sheet §3.1)
    assert "opt_out_date" not in history[0] and history[1]["opt_out_reason"] == "api_opt_out"
    assert len(client.get(f"{P}/{key}/subscriptions").json()) == 1


def test_active_only_false_also_lists_active_ones(client: TestClient, key: str) -> None:
    client.post(f"{SIM}/opt-in", json={"person_key": key, "list_id": "1003"})
    client.delete(f"{P}/{key}/subscriptions/1001")
    every = client.get(f"{P}/{key}/subscriptions", params={"active_only": "false"}).json()
    assert sorted(s["subscription_list"]["id"] for s in every) == ["1001", "1003"]
    active = client.get(f"{P}/{key}/subscriptions", params={"active_only": "true"}).json()
    assert [s["subscription_list"]["id"] for s in active] == ["1003"]


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_bad_active_only_is_400(client: TestClient, key: str, value: str) -> None:
    r = client.get(f"{P}/{key}/subscriptions", params={"active_only": value})
    assert r.status_code == 400


def test_subscriptions_show_no_mdn_so_v1_works_for_international_numbers(client: TestClient) -> None:
    v2 = {"X-API-Version": "2"}
    r = client.post(
        "/companies/demo/campaigns/acquisition/DemoSOI1/participants",
        json={"mobile_phone": {"mdn": "+447700900123"}},
        headers=v2,
    )
    key = r.json()["person"]["person_key"]
    assert client.get(f"{P}/{key}/subscriptions").status_code == 200

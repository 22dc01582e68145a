"""Subscription lists: list, get, subscriber search, the campaigns that feed a list (fact sheet §4)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import V2
from starlette.testclient import TestClient

L = "/companies/demo/mobiledb/subscription_lists"
SIM = "/_sim/companies/demo"


def subscribe(client: TestClient, body: dict[str, Any], list_id: str = "1001") -> dict[str, Any]:
    """Add a person and opt them in to a list from the platform side."""
    person: dict[str, Any] = client.post("/companies/demo/mobiledb/persons", json=body).json()
    r = client.post(f"{SIM}/opt-in", json={"person_key": person["person_key"], "list_id": list_id})
    assert r.status_code == 200, r.text
    return person


@pytest.fixture
def ada(client: TestClient) -> dict[str, Any]:
    return subscribe(client, {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}})


def test_list_lists(client: TestClient) -> None:
    r = client.get(L)
    assert r.status_code == 200
    assert [x["id"] for x in r.json()] == ["1001", "1002", "1003"]
    first = r.json()[0]
    assert first["url"] == f"{L}/1001"  # fact sheet §4.2
    assert first["subscribers_url"] == f"{L}/1001/subscribers"
    assert first["acquisition_campaigns_url"] == f"{L}/1001/acquisition_campaigns"


def test_get_list(client: TestClient) -> None:
    r = client.get(f"{L}/1002")
    assert r.status_code == 200
    assert r.json()["name"] == client.get(L).json()[1]["name"]
    assert client.get(f"{L}/9999").status_code == 404


def test_archived_list_is_gone_from_the_list_endpoints(client: TestClient) -> None:
    assert client.post(f"{SIM}/lists/1003/archive", json={}).status_code == 200
    assert [x["id"] for x in client.get(L).json()] == ["1001", "1002"]
    assert client.get(f"{L}/1003").status_code == 404


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("mdn", "2135551234"),
        ("person_key", None),
        ("external_person_id", "CRM-1"),
        ("person_id", None),  # also accepted (fact sheet §4.3, RB)
    ],
)
def test_subscriber_search_by_each_parameter(
    client: TestClient, ada: dict[str, Any], param: str, value: str | None
) -> None:
    r = client.get(f"{L}/1001/subscribers", params={param: value or ada[param]})
    assert r.status_code == 200
    assert r.json() == client.get(f"/companies/demo/mobiledb/persons/{ada['person_key']}").json()


def test_subscriber_search_by_e164_under_v2(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.get(f"{L}/1001/subscribers?mdn=%2B12135551234", headers=V2)
    assert r.status_code == 200
    assert r.json()["mobile_phone"]["mdn"] == "+12135551234"


def test_subscriber_search_with_every_parameter_naming_one_person(client: TestClient, ada: dict[str, Any]) -> None:
    params = {"mdn": "2135551234", "external_person_id": "CRM-1", "person_key": ada["person_key"]}
    assert client.get(f"{L}/1001/subscribers", params=params).status_code == 200


def test_subscriber_search_with_no_parameter_is_400(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.get(f"{L}/1001/subscribers")
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == 1


def test_subscriber_search_with_conflicting_parameters_is_404(client: TestClient, ada: dict[str, Any]) -> None:
    bob = subscribe(client, {"external_person_id": "CRM-2"})
    params = {"external_person_id": "CRM-1", "person_key": bob["person_key"]}
    assert client.get(f"{L}/1001/subscribers", params=params).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"mdn": "2135559999"},
        {"person_key": "nobody"},
        {"external_person_id": "CRM-404"},
        {"person_id": "987"},
        {"person_id": "x1"},
        {"person_id": "99999999999999999999999"},
    ],
)
def test_subscriber_search_without_a_match_is_404(
    client: TestClient, ada: dict[str, Any], params: dict[str, str]
) -> None:
    assert client.get(f"{L}/1001/subscribers", params=params).status_code == 404


def test_subscriber_search_bad_mdn_is_400(client: TestClient, ada: dict[str, Any]) -> None:
    assert client.get(f"{L}/1001/subscribers", params={"mdn": "+12135551234"}).status_code == 400


def test_subscriber_search_not_subscribed_is_404(client: TestClient, ada: dict[str, Any]) -> None:
    r = client.get(f"{L}/1002/subscribers", params={"person_key": ada["person_key"]})
    assert r.status_code == 404  # not subscribed to this list (OAS)
    client.delete(f"/companies/demo/mobiledb/persons/{ada['person_key']}/subscriptions/1001")
    r = client.get(f"{L}/1001/subscribers", params={"person_key": ada["person_key"]})
    assert r.status_code == 404  # ended subscriptions do not count (docs/fidelity.md)


def test_subscriber_search_unknown_list_is_404(client: TestClient, ada: dict[str, Any]) -> None:
    assert client.get(f"{L}/9999/subscribers", params={"person_key": ada["person_key"]}).status_code == 404


def test_campaigns_of_a_list_are_the_active_ones_feeding_it(client: TestClient) -> None:
    r = client.get(f"{L}/1001/acquisition_campaigns")
    assert r.status_code == 200
    assert [c["acquisition_id"] for c in r.json()] == ["DemoSOI1"]  # DemoPast is not active (W-slmeth)
    assert [c["acquisition_id"] for c in client.get(f"{L}/1002/acquisition_campaigns").json()] == ["DemoDOI1"]
    assert client.get(f"{L}/9999/acquisition_campaigns").status_code == 404

"""GET /companies/{ck}/mobiledb/persons?mdn=: versions, %2B, errors, shape, carrier matching (§2.3, §2.6)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import V2
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings

P = "/companies/demo/mobiledb/persons"


def add(client: TestClient, mdn: str, carrier: str | None = None, **extra: Any) -> dict[str, Any]:
    phone = {"mdn": mdn} if carrier is None else {"mdn": mdn, "carrier_code": carrier}
    r = client.post(P, json={"mobile_phone": phone, **extra})
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


def test_v1_finds_by_national_number(client: TestClient) -> None:
    person = add(client, "2135551234")
    r = client.get(P, params={"mdn": "2135551234"})
    assert r.status_code == 200
    assert r.json()["person_key"] == person["person_key"]  # one object by default (OAS, docs/fidelity.md)
    assert r.json()["mobile_phone"]["mdn"] == "2135551234"


def test_v2_finds_by_e164_sent_as_percent_2b(client: TestClient) -> None:
    person = add(client, "2135551234")
    r = client.get(P + "?mdn=%2B12135551234", headers=V2)  # fact sheet §1.4
    assert r.status_code == 200
    assert r.json()["person_key"] == person["person_key"]
    assert r.json()["mobile_phone"]["mdn"] == "+12135551234"


def test_v2_raw_plus_is_400_with_the_percent_2b_hint(client: TestClient) -> None:
    add(client, "2135551234")
    r = client.get(P + "?mdn=+12135551234", headers=V2)  # a raw + decodes to a space (§1.4)
    assert r.status_code == 400
    assert "%2B" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?mdn=%2B12135551234", {}),  # E.164 under version 1 (§1.3)
        ("?mdn=2135551234", V2),  # national number under version 2 (§1.3)
        ("?mdn=abc", {}),
        ("?mdn=21355512345", {}),
        ("?mdn=%2B0123", V2),
    ],
)
def test_malformed_mdn_is_400(client: TestClient, query: str, headers: dict[str, str]) -> None:
    r = client.get(P + query, headers=headers)
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == 40


@pytest.mark.parametrize("query", ["", "?mdn=", "?other=1"])
def test_missing_mdn_is_404(client: TestClient, query: str) -> None:
    assert client.get(P + query).status_code == 404  # OAS: 404 when mdn is not given


def test_no_match_is_404(client: TestClient) -> None:
    add(client, "2135551234")
    r = client.get(P, params={"mdn": "2135559999"})
    assert r.status_code == 404
    assert r.json()["errors"][0]["code"] == 20


def test_same_mdn_with_another_carrier_is_another_person(client: TestClient) -> None:
    a = add(client, "2135551234", "104")
    b = add(client, "2135551234", "105")  # fact sheet §2.3: a different carrier is another person
    assert a["person_key"] != b["person_key"]
    again = add(client, "2135551234", "104", custom_fields={"first_name": "Ada"})
    assert again["person_key"] == a["person_key"]
    state = client.get("/_sim/companies/demo/state").json()
    assert len(state["persons"]) == 2


def test_carrier_code_is_taken_by_a_person_without_one(client: TestClient) -> None:
    a = add(client, "2135551234")
    b = add(client, "2135551234", "104")  # no carrier on the record: the MDN alone matches
    assert b["person_key"] == a["person_key"]
    assert b["mobile_phone"]["carrier_code"] == "104"


@pytest.fixture
def array_client() -> Any:
    from conftest import AUTH

    with TestClient(create_app(Settings(random_seed=7, find_by_mdn_shape="array")), headers=AUTH) as c:
        yield c


def test_array_shape_lists_every_match(array_client: TestClient) -> None:
    a = add(array_client, "2135551234", "104")
    b = add(array_client, "2135551234", "105")
    add(array_client, "2135550000")
    r = array_client.get(P, params={"mdn": "2135551234"})
    assert r.status_code == 200
    assert isinstance(r.json(), list)
    assert {p["person_key"] for p in r.json()} == {a["person_key"], b["person_key"]}


def test_array_shape_no_match_is_still_404(array_client: TestClient) -> None:
    assert array_client.get(P, params={"mdn": "2135551234"}).status_code == 404


def test_object_shape_answers_the_most_recently_updated_match(client: TestClient) -> None:
    add(client, "2135551234", "104")
    b = add(client, "2135551234", "105")
    r = client.get(P, params={"mdn": "2135551234"})
    assert r.json()["person_key"] == b["person_key"]
